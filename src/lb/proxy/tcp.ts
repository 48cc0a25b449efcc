import net from "node:net";
import { cancelQueued, dispatch, queueLength, release } from "../engine/backend.ts";
import { sessionEnd, sessionStart } from "../engine/counters.ts";
import type { QueueEntry, ServerState } from "../engine/server.ts";
import { RETRY_DELAY_MS, type BackendRt, type FrontendRt, type Stream } from "./context.ts";

/**
 * `mode tcp`: one client connection, one server connection, bytes copied both ways with back-pressure
 * and half-close (a FIN from one side is passed on; the session ends when both directions are done).
 * Server choice, queueing and retries as in HTTP mode; `timeout client` / `timeout server` are
 * inactivity limits on each side. Nothing is parsed.
 */
/** One read buffer for every server socket: reads are consumed synchronously (copied out). */
const READ_BUF = Buffer.allocUnsafe(65536);

export class TcpStream implements Stream {
  private readonly fe: FrontendRt;
  private readonly client: net.Socket;
  private readonly be: BackendRt | undefined;
  private server: ServerState | undefined;
  private sock: net.Socket | undefined;
  private entry: QueueEntry | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retriesLeft: number;
  private retries = 0;
  private pending: Buffer[] = [];
  private clientEnded = false;
  private serverEnded = false;
  private closed = false;
  private lastClientIO: number;
  private lastServerIO: number;
  private readonly acceptAt: number;
  private tW = -1;
  private tC = -1;
  private bytesOut = 0;

  /** `wired`: the listener delivers the client's bytes through onClientData (see server/accept.ts). */
  constructor(fe: FrontendRt, client: net.Socket, wired = false) {
    this.fe = fe;
    this.client = client;
    const src = client.remoteAddress ?? "";
    this.be =
      fe.useBackends.find((u) => fe.acls.holds(u.cond, { req: undefined, src }))?.backend ??
      fe.defaultBackend;
    this.retriesLeft = this.be?.cfg.retries ?? 0;
    this.lastClientIO = this.lastServerIO = fe.ticker.now;
    this.acceptAt = Date.now();
    sessionStart(fe.counters, fe.ticker.now);
    fe.streams.add(this);
    client.setNoDelay(true);
    if (!wired) client.on("data", (b: Buffer) => this.onClientData(b));
    client.on("end", () => {
      this.clientEnded = true;
      if (this.sock !== undefined && !this.sock.connecting) this.sock.end();
      this.maybeDone();
    });
    client.on("drain", () => this.sock?.resume());
    client.on("error", () => this.close("CD"));
    client.on("close", () => this.close("CD"));
    this.pick(undefined);
  }

  onClientData(b: Buffer): void {
    if (this.closed) return;
    this.lastClientIO = this.fe.ticker.now;
    this.fe.counters.bin += b.length;
    if (this.sock !== undefined && !this.sock.connecting && this.pending.length === 0) {
      if (!this.sock.write(b)) this.client.pause();
    } else {
      this.pending.push(b);
      if (this.pending.length > 16) this.client.pause();
    }
  }

  private pick(avoid: ServerState | undefined): void {
    const be = this.be;
    if (be === undefined) return this.close("SC");
    const d = dispatch(
      be.state,
      { src: this.client.remoteAddress ?? "", method: "", uri: "", headers: {} },
      { avoid },
    );
    if (d.kind === "server") return this.connect(d.server);
    if (d.kind === "unavailable") return this.close("SC");
    const entry = d.entry;
    this.entry = entry;
    const qt = be.cfg.timeouts.queue ?? be.cfg.timeouts.connect;
    if (qt !== undefined)
      this.timer = setTimeout(() => {
        if (cancelQueued(be.state, entry)) this.close("sQ");
      }, qt);
    entry.promise.then(
      (s) => {
        if (this.timer) clearTimeout(this.timer);
        this.entry = undefined;
        this.tW = Date.now() - this.acceptAt;
        if (this.closed) release(be.state, s);
        else this.connect(s);
      },
      () => undefined,
    );
  }

  private connect(s: ServerState): void {
    const be = this.be!;
    this.server = s;
    if (this.tW < 0) this.tW = 0;
    const t0 = Date.now();
    const sock = net.connect({
      host: s.config.host,
      port: s.config.port,
      noDelay: true,
      allowHalfOpen: true,
      onread: {
        buffer: READ_BUF,
        callback: (n: number, buf: Uint8Array): boolean => {
          this.lastServerIO = this.fe.ticker.now;
          this.bytesOut += n;
          this.fe.counters.bout += n;
          s.counters.bout += n;
          be.state.counters.bout += n;
          // The read buffer is shared: copy out (small copies come from Buffer's pool).
          return this.client.write(Buffer.from(buf.subarray(0, n)));
        },
      },
    });
    this.sock = sock;
    const ct = be.cfg.timeouts.connect;
    let connTimer: NodeJS.Timeout | undefined;
    if (ct !== undefined) connTimer = setTimeout(() => sock.destroy(new Error("connect timeout")), ct);
    let connected = false;
    sock.once("connect", () => {
      connected = true;
      if (connTimer) clearTimeout(connTimer);
      this.tC = Date.now() - t0;
      this.lastServerIO = this.fe.ticker.now;
      for (const b of this.pending) sock.write(b);
      this.pending = [];
      this.client.resume();
      if (this.clientEnded) sock.end();
    });

    sock.on("drain", () => this.client.resume());
    sock.on("end", () => {
      this.serverEnded = true;
      this.client.end();
      this.maybeDone();
    });
    sock.on("error", () => {
      if (connTimer) clearTimeout(connTimer);
      if (!connected) this.connectFailed(sock);
      else {
        s.counters.srvAbrt++;
        this.close("SD");
      }
    });
    sock.on("close", () => {
      if (connected) this.close("--");
    });
  }

  private connectFailed(sock: net.Socket): void {
    if (this.closed || sock !== this.sock) return;
    const be = this.be!;
    const s = this.server!;
    this.sock = undefined;
    s.counters.econ++;
    be.state.counters.econ++;
    if (this.retriesLeft <= 0) return this.close("SC");
    this.retriesLeft--;
    this.retries++;
    s.counters.wretr++;
    be.state.counters.wretr++;
    if (be.cfg.redispatch && this.retriesLeft === 0 && be.state.eligible.length > 1) {
      s.counters.wredis++;
      be.state.counters.wredis++;
      this.server = undefined;
      release(be.state, s);
      return this.pick(s);
    }
    this.timer = setTimeout(
      () => {
        if (!this.closed) this.connect(s);
      },
      Math.min(RETRY_DELAY_MS, be.cfg.timeouts.connect ?? RETRY_DELAY_MS),
    );
  }

  private maybeDone(): void {
    if (this.clientEnded && this.serverEnded) this.close("--");
  }

  tick(now: number): void {
    if (this.closed) return;
    const tc = this.fe.cfg.timeouts.client;
    const ts = this.be?.cfg.timeouts.server;
    if (tc !== undefined && !this.clientEnded && now - this.lastClientIO > tc) {
      if (ts === undefined || now - this.lastServerIO > tc) this.close("cD");
    } else if (
      ts !== undefined &&
      this.sock !== undefined &&
      !this.sock.connecting &&
      now - this.lastServerIO > ts
    ) {
      if (tc === undefined || now - this.lastClientIO > ts) this.close("sD");
    }
  }

  drain(): void {
    // A TCP session has no request boundary: it runs until either side closes (or the drain timeout).
  }

  private close(term: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const be = this.be;
    if (this.entry !== undefined && be !== undefined) cancelQueued(be.state, this.entry);
    this.sock?.destroy();
    this.client.destroy();
    this.fe.streams.delete(this);
    this.fe.onStreamEnd?.();
    const s = this.server;
    if (s !== undefined && be !== undefined) {
      s.counters.bin += this.client.bytesRead;
      be.state.counters.bin += this.client.bytesRead;
      this.server = undefined;
      release(be.state, s);
    }
    sessionEnd(this.fe.counters);
    const log = this.fe.log;
    if (log !== undefined) {
      const a = this.client.address() as net.AddressInfo | Record<string, never>;
      log.log({
        clientAddr: this.client.remoteAddress ?? "",
        clientPort: this.client.remotePort ?? 0,
        acceptAt: this.acceptAt,
        frontend: this.fe.cfg.name,
        backend: be?.cfg.name ?? this.fe.cfg.name,
        server: s?.name ?? "<NOSRV>",
        tR: -1,
        tW: this.tW,
        tC: this.tC,
        tr: -1,
        tA: Date.now() - this.acceptAt,
        status: 0,
        bytes: this.bytesOut,
        term,
        actconn: this.fe.streams.size,
        feconn: this.fe.counters.scur,
        beconn: be?.state.counters.scur ?? 0,
        srvconn: s?.cur ?? 0,
        retries: this.retries,
        srvQueue: s?.queue.length ?? 0,
        beQueue: be ? queueLength(be.state) : 0,
        requestLine: "",
        localAddr: "address" in a ? a.address : "",
        localPort: "port" in a ? a.port : 0,
        mode: "tcp",
      });
    }
  }
}
