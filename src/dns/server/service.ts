import type { Endpoint } from "../../lib/listen.ts";
import type { Service } from "../../lib/lifecycle.ts";
import type { Logger } from "../../lib/log.ts";
import { loadNamedConf, type Loaded, type ZoneReport } from "../config/load.ts";
import { makeView, type ServerView } from "../view.ts";
import { ZoneSet } from "../zone/zone.ts";
import { Replication, type ReplEvent } from "./replication.ts";
import { listenEndpoints, type ListenOverrides } from "./endpoints.ts";
import { ResolverHolder } from "./resolver-holder.ts";
import type { Socket } from "node:dgram";
import type { Server } from "node:net";
import { DEFAULT_TCP_LIMITS, listenTcpDns, serveTcp, type TcpLimits, type TcpServer } from "./tcp.ts";
import {
  ENGINE,
  listenUdp,
  serveUdp,
  newCounters,
  type Counters,
  type Responder,
  type UdpServer,
} from "./udp.ts";

/**
 * The DNS server process: loads named.conf and its zones into a ServerView, opens UDP and TCP on
 * every listen address, and swaps the view on reload. The view is one reference read per query, so
 * a swap is atomic: a query sees the old view or the new one, never a mix.
 */
export interface ReadyEndpoint {
  proto: "udp" | "tcp";
  host: string;
  port: number;
  role: "dns";
}

export interface DnsServerOptions extends ListenOverrides {
  configFile: string;
  log: Logger;
  /** The engine (default: respond()/respondStream()); tests pass a double. */
  engine?: Responder;
  /** Whether this process sends NOTIFY (with workers, only the first process; default true). */
  notifier?: boolean;
  /** A worker: secondary zones follow the first process's transfers (replication.ts). */
  follower?: boolean;
  /** Replication events for the other processes (run.ts relays them). */
  onReplication?: (e: ReplEvent) => void;
}

const BIND_ATTEMPTS = 8;

export class DnsServer implements Service {
  readonly counters: Counters = newCounters();
  private loaded: Loaded | undefined;
  private view: ServerView | undefined;
  /** The resolver behind `recursion yes` (its cache survives reloads). */
  readonly resolvers = new ResolverHolder();
  private udp: UdpServer[] = [];
  private tcp: TcpServer[] = [];
  private readonly opts: DnsServerOptions;
  private readonly log: Logger;
  /** The view of the loaded configuration, before the secondary zones are added (compose()). */
  private baseView: ServerView | undefined;
  /** Secondary zones and NOTIFY (replication.ts); it asks for a new view after each transfer. */
  private readonly repl: Replication;

  constructor(opts: DnsServerOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.repl = new Replication(opts.log, () => (this.view = this.compose()), {
      notifier: opts.notifier ?? true,
      follower: opts.follower ?? false,
      emit: opts.onReplication,
    });
  }

  /** The loaded view plus the secondary zones (with data, or SERVFAIL without). */
  private compose(): ServerView {
    const base = this.baseView!;
    const secondary = this.repl.zones();
    return makeView({
      ...base,
      zones: secondary.length === 0 ? base.zones : new ZoneSet([...base.zones, ...secondary]),
      unavailable: new Set([...this.repl.unavailable(), ...(this.loaded?.failed ?? [])]),
      onNotify: this.repl.onNotify,
      onTransferOut: (t) =>
        this.log.info(
          `zone ${t.zone.replace(/\.$/, "") || "."}/IN: ${t.kind === "IXFR-uptodate" ? "IXFR: client is up to date" : `${t.kind} sent`} to ${t.address}${t.key !== undefined ? ` (TSIG ${t.key})` : ""}, serial ${t.serial}, ${t.messages} message${t.messages === 1 ? "" : "s"}`,
          { ...t },
        ),
    });
  }

  private readonly getView = (): ServerView => this.view!;

  /** The view answering now (undefined before start). */
  get currentView(): ServerView | undefined {
    return this.view;
  }

  private readonly limits = (): TcpLimits => {
    const o = this.loaded?.conf.options;
    return {
      maxConnections: o?.tcpClients ?? DEFAULT_TCP_LIMITS.maxConnections,
      idleTimeoutMs: o?.tcpIdleTimeoutMs ?? DEFAULT_TCP_LIMITS.idleTimeoutMs,
    };
  };

  private logZones(reports: ZoneReport[]): void {
    for (const z of reports) {
      if (z.errors) {
        this.log.error(
          `zone ${z.zone}/IN: ${z.kept ? "not reloaded, keeping the previous version" : "not loaded due to errors"}`,
          {
            zone: z.zone,
            errors: z.errors.map((e) => e.toString()),
          },
        );
      } else if (z.reused) {
        this.log.info(`zone ${z.zone}/IN: unchanged, serial ${z.serial}`, {
          zone: z.zone,
          serial: z.serial,
        });
      } else {
        this.log.info(`zone ${z.zone}/IN: loaded serial ${z.serial}`, { zone: z.zone, serial: z.serial });
      }
    }
  }

  /** Load the configuration and bind every endpoint; resolves with what was really bound. */
  async start(): Promise<ReadyEndpoint[]> {
    const loaded = await this.load();
    const over: ListenOverrides = {};
    if (this.opts.listen !== undefined) over.listen = this.opts.listen;
    if (this.opts.port !== undefined) over.port = this.opts.port;
    const endpoints = listenEndpoints(loaded.conf, over);
    if (endpoints.length === 0)
      this.log.warn("no listen-on address matches an interface of this host: serving nothing");
    const ready = await this.bindAll(endpoints);
    this.repl.setSelf(ready);
    this.repl.notifyAll(this.view!.zones);
    return ready;
  }

  /** Load named.conf and the zones (throws ConfigErrors), without opening sockets. */
  async load(): Promise<Loaded> {
    const loaded = await loadNamedConf(this.opts.configFile);
    for (const w of loaded.warnings) this.log.warn(w.toString(), { code: w.code });
    this.logZones(loaded.zones);
    const view = this.resolvers.attach(loaded);
    this.loaded = loaded;
    this.baseView = view;
    await this.repl.configure(loaded.conf, loaded.view.keys ?? new Map());
    this.view = this.compose();
    return loaded;
  }

  /** The bound sockets, in a fixed order, to hand to a worker process (see run.ts). */
  handles(): { kind: "udp" | "tcp"; handle: Socket | Server }[] {
    return [
      ...this.udp.map((u) => ({ kind: "udp" as const, handle: u.socket })),
      ...this.tcp.map((t) => ({ kind: "tcp" as const, handle: t.server })),
    ];
  }

  /** Serve on a socket bound by another process (a worker gets its parent's sockets). */
  adopt(kind: "udp" | "tcp", handle: Socket | Server): void {
    const engine = this.opts.engine ?? ENGINE;
    if (kind === "udp")
      this.udp.push(serveUdp(handle as Socket, this.getView, this.log, this.counters, engine));
    else
      this.tcp.push(serveTcp(handle as Server, this.getView, this.limits, this.log, this.counters, engine));
  }

  /**
   * Bind UDP then TCP on each endpoint. Port 0 picks one free port, used for UDP and TCP on every
   * address (so a client that retries over TCP after TC=1 finds us); a collision retries.
   */
  private async bindAll(endpoints: Endpoint[]): Promise<ReadyEndpoint[]> {
    for (let attempt = 1; ; attempt++) {
      let chosen: number | undefined;
      const ready: ReadyEndpoint[] = [];
      try {
        for (const e of endpoints) {
          const port = e.port === 0 ? (chosen ?? 0) : e.port;
          const u = await listenUdp(
            { host: e.host, port },
            this.getView,
            this.log,
            this.counters,
            this.opts.engine ?? ENGINE,
          );
          this.udp.push(u);
          if (e.port === 0) chosen ??= u.bound.port;
          const t = await listenTcpDns(
            { host: e.host, port: u.bound.port },
            this.getView,
            this.limits,
            this.log,
            this.counters,
            this.opts.engine ?? ENGINE,
          );
          this.tcp.push(t);
          ready.push({ proto: "udp", host: u.bound.host, port: u.bound.port, role: "dns" });
          ready.push({ proto: "tcp", host: t.bound.host, port: t.bound.port, role: "dns" });
        }
        return ready;
      } catch (err) {
        await this.closeSockets();
        const inUse = (err as { code?: string }).code === "EADDRINUSE";
        if (!inUse || attempt >= BIND_ATTEMPTS || !endpoints.some((e) => e.port === 0)) throw err;
      }
    }
  }

  private async closeSockets(): Promise<void> {
    const all = [...this.udp.map((u) => u.close()), ...this.tcp.map((t) => t.close())];
    this.udp = [];
    this.tcp = [];
    await Promise.all(all);
  }

  /** SIGHUP: validate named.conf, reload changed zones (a zone that fails keeps its old version), swap. */
  async reload(): Promise<void> {
    const loaded = await loadNamedConf(this.opts.configFile, this.loaded?.state);
    for (const w of loaded.warnings) this.log.warn(w.toString(), { code: w.code });
    this.logZones(loaded.zones);
    if (this.loaded !== undefined && this.opts.listen === undefined) {
      const key = (l: Loaded): string =>
        JSON.stringify(listenEndpoints(l.conf, this.opts.port === undefined ? {} : { port: this.opts.port }));
      if (key(loaded) !== key(this.loaded))
        this.log.warn("listen-on/listen-on-v6 changed: the new addresses take effect after a restart");
    }
    const view = this.resolvers.attach(loaded);
    const before = this.view?.zones;
    this.loaded = loaded;
    this.baseView = view;
    await this.repl.configure(loaded.conf, loaded.view.keys ?? new Map());
    this.view = this.compose();
    this.repl.notifyChanges(before, this.view.zones);
  }

  /** A replication event from another process (run.ts). */
  replicationEvent(e: ReplEvent): Promise<void> {
    return this.repl.handle(e);
  }

  async stop(): Promise<void> {
    this.repl.stop();
    await this.closeSockets();
  }
}
