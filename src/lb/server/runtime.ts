import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { ConfigError, ConfigErrors } from "../../lib/errors.ts";
import { formatEndpoint, listenTcp, type Endpoint } from "../../lib/listen.ts";
import type { Logger } from "../../lib/log.ts";
import { loadConfig } from "../config/index.ts";
import type { Bind, LbConfig, ProxyConfig } from "../config/model.ts";
import { systemClock } from "../engine/counters.ts";
import { createLbState, type LbState } from "../engine/runtime.ts";
import type { FrontendRt, ServiceHandler, Ticker } from "../proxy/context.ts";
import { HttpStream, reportBug } from "../proxy/http.ts";
import type { LogWriter } from "../proxy/log.ts";
import { TcpStream } from "../proxy/tcp.ts";
import { rewrap, type Receiver } from "./accept.ts";
import { buildRuntime, closePools, type Built } from "./build.ts";

/**
 * The running balancer of one process: listeners, the per-(re)load runtime (engine state, pools,
 * frontends), health checks and the timeout ticker.
 *
 * Reload (SIGHUP) follows lib/lifecycle's validate-then-swap: the new file is loaded and checked, TLS
 * certificates read and new binds opened first; only when all that worked are the listeners pointed
 * at the new frontends, removed binds closed, old pools' idle connections closed and the health
 * checks restarted on the new state (servers of the same backend and name keep their health).
 * Established connections finish on the configuration they started with.
 */

export interface Checks {
  stop(): void;
}

export interface RuntimeOptions {
  log: Logger;
  /** Request log lines (`log stdout`). */
  logOut?: LogWriter;
  /**
   * Called with every new state right after it is built (before its listeners open or it
   * replaces the live one), and `prev` the state it carries over from (undefined at start).
   */
  prepareState?: (state: LbState, prev: LbState | undefined) => void;
  /** This process's place among the workers of `--workers N` (engine BalanceEnv.share). */
  rotation?: { index: number; count: number };
  /** Starts the health checks of a state; returns a handle to stop them. */
  startChecks?: (state: LbState, log: Logger) => Checks;
  /** Builds the stats handler of a proxy, given a getter of the live state. */
  statsHandler?: (proxy: ProxyConfig, state: () => LbState) => ServiceHandler;
}

interface Listener {
  key: string;
  bind: Bind;
  server: net.Server;
  bound: Endpoint;
  /** Frontend currently served; swapped on reload. */
  fe: FrontendRt;
  mode: "http" | "tcp";
  tls: boolean;
}

export interface ReadyEndpoint {
  proto: "tcp";
  host: string;
  port: number;
  role: string;
}

/**
 * What identifies a listener across reloads. Port 0 binds ("any free port") are distinct
 * listeners even when they look the same: two proxies on 127.0.0.1:0 get a port each.
 */
function bindKey(b: Bind, proxy: string, index: number): string {
  const any = b.port === 0 ? ` (${proxy} #${index})` : "";
  return `${formatEndpoint(b)}${b.ssl ? ` ssl ${b.ssl.crt}` : ""}${any}`;
}

export class LbRuntime {
  private readonly file: string;
  private readonly opts: RuntimeOptions;
  private config: LbConfig | undefined;
  private state: LbState | undefined;
  private built: Built | undefined;
  private checks: Checks | undefined;
  private listeners = new Map<string, Listener>();
  private readonly ticker: Ticker = { now: Date.now() };
  private tickTimer: NodeJS.Timeout | undefined;
  private oldBuilt: Built[] = [];
  private lastSweep = 0;

  constructor(file: string, opts: RuntimeOptions) {
    this.file = file;
    this.opts = opts;
  }

  /** Load, bind, start checks. Throws ConfigErrors (bad file) or NetsvcError (cannot bind). */
  async start(): Promise<ReadyEndpoint[]> {
    const { config } = loadConfig(this.file);
    await this.apply(config);
    this.tickTimer = setInterval(() => this.tick(), 100);
    return this.endpoints();
  }

  endpoints(): ReadyEndpoint[] {
    return [...this.listeners.values()].map((l) => ({
      proto: "tcp",
      host: l.bound.host,
      port: l.bound.port,
      role: `${l.fe.cfg.name}${l.tls ? " (tls)" : ""}`,
    }));
  }

  liveState(): LbState {
    return this.state!;
  }

  async reload(): Promise<void> {
    const { config } = loadConfig(this.file);
    await this.apply(config);
    this.opts.log.info("configuration applied", { endpoints: this.endpoints() });
  }

  private readCerts(config: LbConfig): Map<string, tls.SecureContextOptions> {
    const certs = new Map<string, tls.SecureContextOptions>();
    const errors: ConfigError[] = [];
    for (const p of config.proxies)
      for (const b of p.binds) {
        if (b.ssl === undefined || certs.has(b.ssl.crt)) continue;
        try {
          const pem = readFileSync(b.ssl.crt);
          certs.set(b.ssl.crt, { cert: pem, key: pem });
          tls.createSecureContext({ cert: pem, key: pem });
        } catch (err) {
          errors.push(
            new ConfigError(
              "ECFG_CRT",
              `unable to load SSL certificate '${b.ssl.crt}': ${(err as Error).message}`,
              b.pos,
            ),
          );
        }
      }
    if (errors.length > 0) throw new ConfigErrors(errors);
    return certs;
  }

  private async apply(config: LbConfig): Promise<void> {
    const certs = this.readCerts(config);
    const state = createLbState(config, {
      clock: systemClock,
      prev: this.state,
      ...(this.opts.rotation !== undefined
        ? { env: { random: Math.random, share: this.opts.rotation } }
        : {}),
    });
    this.opts.prepareState?.(state, this.state);
    const statsHandler = this.opts.statsHandler;
    const built = buildRuntime(config, state, {
      ticker: this.ticker,
      logOut: this.opts.logOut,
      statsHandler: statsHandler ? (p) => statsHandler(p, () => this.state!) : undefined,
    });
    // Open new listeners first; on failure close what was opened and keep everything as it was.
    const wanted = new Map<string, { bind: Bind; fe: FrontendRt }>();
    for (const fe of built.frontends.values())
      fe.cfg.binds.forEach((b, i) => wanted.set(bindKey(b, fe.cfg.name, i), { bind: b, fe }));
    const opened: Listener[] = [];
    try {
      for (const [key, w] of wanted) {
        if (this.listeners.has(key)) continue;
        opened.push(await this.open(key, w.bind, w.fe, certs));
      }
    } catch (err) {
      for (const l of opened) l.server.close();
      throw err;
    }
    // Swap.
    for (const l of opened) this.listeners.set(l.key, l);
    for (const [key, l] of this.listeners) {
      const w = wanted.get(key);
      if (w === undefined) {
        l.server.close();
        this.listeners.delete(key);
      } else {
        l.fe = w.fe;
        l.mode = w.fe.cfg.mode;
      }
    }
    this.checks?.stop();
    if (this.built !== undefined) {
      closePools(this.built);
      this.oldBuilt.push(this.built);
    }
    this.config = config;
    this.state = state;
    this.built = built;
    this.checks = this.opts.startChecks?.(state, this.opts.log);
  }

  private async open(
    key: string,
    bind: Bind,
    fe: FrontendRt,
    certs: Map<string, tls.SecureContextOptions>,
  ): Promise<Listener> {
    const current: { l?: Listener } = {};
    const onConn = (sock: net.Socket): void => {
      const listener = current.l!;
      const f = listener.fe;
      const max = f.cfg.maxconn || this.config?.global.maxconn || 0;
      if (max > 0 && f.streams.size >= max) {
        // HAProxy stops accepting at maxconn: the connection waits (unread) until a slot frees.
        this.hold(f, max, () => start(sock, listener, f), sock);
        return;
      }
      start(sock, listener, f);
    };
    const start = (sock: net.Socket, listener: Listener, f: FrontendRt): void => {
      if (sock.destroyed) return;
      const box: { stream?: Receiver } = {};
      const wrapped = listener.tls ? undefined : rewrap(sock, () => box.stream);
      const client = wrapped ?? sock;
      if (wrapped === undefined && !listener.tls) sock.resume();
      client.setNoDelay(true);
      const wired = wrapped !== undefined;
      box.stream =
        listener.mode === "tcp" ? new TcpStream(f, client, wired) : new HttpStream(f, client, wired);
    };
    const server: net.Server = bind.ssl
      ? tls.createServer({ ...certs.get(bind.ssl.crt), allowHalfOpen: true }, onConn)
      : net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, onConn);
    server.on("error", (err) => this.opts.log.error("listener error", { bind: key, error: String(err) }));
    if (bind.ssl) server.on("tlsClientError", () => undefined);
    // The listener exists before listen() returns: with node:cluster a connection can reach this
    // worker before its own listen callback has run.
    const listener: Listener = {
      key,
      bind,
      server,
      bound: { host: bind.host, port: bind.port },
      fe,
      mode: fe.cfg.mode,
      tls: bind.ssl !== undefined,
    };
    current.l = listener;
    listener.bound = await listenTcp(server, { host: bind.host, port: bind.port });
    return listener;
  }

  private readonly held = new Map<FrontendRt, (() => void)[]>();

  /** Keep an accepted connection waiting until the frontend is below its maxconn. */
  private hold(f: FrontendRt, max: number, start: () => void, sock: net.Socket): void {
    let list = this.held.get(f);
    if (list === undefined) {
      const waiting: (() => void)[] = [];
      list = waiting;
      this.held.set(f, waiting);
      f.onStreamEnd = () => {
        while (waiting.length > 0 && f.streams.size < max) waiting.shift()!();
        if (waiting.length === 0) {
          this.held.delete(f);
          f.onStreamEnd = undefined;
        }
      };
    }
    list.push(start);
    sock.once("close", () => {
      const i = list.indexOf(start);
      if (i >= 0) list.splice(i, 1);
    });
  }

  private tick(): void {
    const now = Date.now();
    this.ticker.now = now;
    const all = [this.built, ...this.oldBuilt];
    for (const b of all) {
      if (b === undefined) continue;
      for (const fe of b.frontends.values())
        for (const s of fe.streams) {
          try {
            s.tick(now);
          } catch (err) {
            reportBug(err);
          }
        }
    }
    if (now - this.lastSweep >= 1000) {
      this.lastSweep = now;
      for (const b of all)
        if (b !== undefined)
          for (const be of b.backends.values()) for (const p of be.pools.values()) p.sweep(now);
      // Forget old runtimes once their last stream is gone.
      this.oldBuilt = this.oldBuilt.filter((b) =>
        [...b.frontends.values()].some((fe) => fe.streams.size > 0),
      );
    }
  }

  private streamCount(): number {
    let n = 0;
    for (const b of [this.built, ...this.oldBuilt])
      if (b !== undefined) for (const fe of b.frontends.values()) n += fe.streams.size;
    return n;
  }

  /** SIGTERM: stop accepting, let in-flight exchanges finish (idle keep-alive connections close). */
  async stop(): Promise<void> {
    for (const l of this.listeners.values()) l.server.close();
    this.listeners.clear();
    this.checks?.stop();
    this.checks = undefined;
    for (const b of [this.built, ...this.oldBuilt])
      if (b !== undefined) for (const fe of b.frontends.values()) for (const s of fe.streams) s.drain();
    while (this.streamCount() > 0) await new Promise((r) => setTimeout(r, 50));
    if (this.tickTimer) clearInterval(this.tickTimer);
    for (const b of [this.built, ...this.oldBuilt]) if (b !== undefined) closePools(b);
  }
}
