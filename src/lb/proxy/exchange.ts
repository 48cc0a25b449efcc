import type net from "node:net";
import type { RequestInfo } from "../engine/balance/algorithm.ts";
import { cancelQueued, dispatch, queueLength, release, type Dispatch } from "../engine/backend.ts";
import { countResponse } from "../engine/counters.ts";
import type { QueueEntry, ServerState } from "../engine/server.ts";
import type { BodyTracker } from "./body.ts";
import { MAX_HEAD, RETRY_DELAY_MS, type BackendRt, type FrontendRt } from "./context.ts";
import { fieldTokens, findHeadEnd, parseResponseHead, type RequestHead, type ResponseHead } from "./head.ts";
import type { LogRecord } from "./log.ts";
import type { ConnOwner, ServerConn } from "./pool.ts";

/**
 * One request's trip to a server (HAProxy's backend side of a stream): server choice through the
 * engine (dispatch / queue / release), connection from the server's keep-alive pool, retries
 * (`retries`, same server after a 1 s turn-around; the last one elsewhere with `option redispatch`),
 * a transparent replay when a reused idle connection turns out closed, the response head
 * (1xx relayed, 101 turns into a tunnel), the response body, and the server timeout (504).
 * Errors before any response byte reach the client become 503 (no server / connect failure),
 * 502 (invalid or truncated response) or 504 (server timeout).
 */

export interface ExchangeHost {
  readonly fe: FrontendRt;
  readonly client: net.Socket;
  readonly src: string;
  serverReady(): void;
  canReplay(): boolean;
  responseHead(res: ResponseHead, method: string): { head: Buffer; body: BodyTracker };
  writeClient(b: Buffer): boolean;
  readonly rewriting: boolean;
  tunnel(): void;
  exchangeDone(status: number, f: Partial<LogRecord>): void;
  exchangeFailed(status: number, f: Partial<LogRecord>): void;
  exchangeAborted(f: Partial<LogRecord>): void;
  pauseClient(): void;
  resumeClient(): void;
}

export class Exchange implements ConnOwner {
  private readonly host: ExchangeHost;
  private readonly be: BackendRt;
  private readonly req: RequestHead;
  private readonly headBytes: Buffer;
  private readonly upgrade: boolean;
  private server: ServerState | undefined;
  private conn: ServerConn | undefined;
  private entry: QueueEntry | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retriesLeft: number;
  private retries = 0;
  private reqDone = false;
  private sbuf: Buffer | undefined;
  private res: ResponseHead | undefined;
  private body: BodyTracker | undefined;
  private gotBytes = false;
  private tunnelling = false;
  private clientEndSent = false;
  private serverEndSent = false;
  private lastServerIO = 0;
  private finished = false;
  private t0 = 0;
  private tQueued = -1;
  private tConnected = -1;
  private tResponse = -1;

  constructor(host: ExchangeHost, be: BackendRt, req: RequestHead, headBytes: Buffer, upgrade: boolean) {
    this.host = host;
    this.be = be;
    this.req = req;
    this.headBytes = headBytes;
    this.upgrade = upgrade;
    this.retriesLeft = be.cfg.retries;
  }

  private info(): RequestInfo {
    return new LazyInfo(this.host.src, this.req);
  }

  start(avoid?: ServerState): void {
    if (this.host.fe.log !== undefined && this.t0 === 0) this.t0 = Date.now();
    const be = this.be;
    const d: Dispatch = dispatch(be.state, this.info(), { avoid });
    if (d.kind === "server") return this.connect(d.server);
    if (d.kind === "unavailable") return this.fail(503, "SC");
    const entry = d.entry;
    this.entry = entry;
    const t = be.cfg.timeouts;
    const qt = t.queue ?? t.connect;
    if (qt !== undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (cancelQueued(be.state, entry)) {
          this.entry = undefined;
          this.fail(503, "sQ");
        }
      }, qt);
    }
    entry.promise.then(
      (s) => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.entry = undefined;
        if (this.finished) {
          release(be.state, s);
          return;
        }
        if (this.host.fe.log !== undefined) this.tQueued = Date.now();
        this.connect(s);
      },
      () => undefined,
    );
  }

  private connect(s: ServerState): void {
    this.server = s;
    this.lastServerIO = this.host.fe.ticker.now;
    const pool = this.be.pools.get(s)!;
    const idle = pool.takeIdle();
    if (idle !== undefined) {
      idle.owner = this;
      return this.attached(idle);
    }
    this.conn = pool.connect(this.be.cfg.timeouts.connect, this, (err, conn) => {
      if (this.finished) {
        conn?.destroy();
        return;
      }
      if (err !== undefined || conn === undefined) return this.connectFailed();
      this.attached(conn);
    });
  }

  private connectFailed(): void {
    const s = this.server!;
    this.conn = undefined;
    s.counters.econ++;
    this.be.state.counters.econ++;
    if (this.retriesLeft <= 0) return this.fail(503, "SC");
    this.retriesLeft--;
    this.retries++;
    s.counters.wretr++;
    this.be.state.counters.wretr++;
    if (this.be.cfg.redispatch && this.retriesLeft === 0 && this.be.state.eligible.length > 1) {
      s.counters.wredis++;
      this.be.state.counters.wredis++;
      this.releaseServer();
      return this.start(s);
    }
    const delay = Math.min(RETRY_DELAY_MS, this.be.cfg.timeouts.connect ?? RETRY_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.finished) this.connect(s);
    }, delay);
  }

  private attached(conn: ServerConn): void {
    this.conn = conn;
    if (this.host.fe.log !== undefined) this.tConnected = Date.now();
    this.lastServerIO = this.host.fe.ticker.now;
    this.sendToServer(this.headBytes);
    this.host.serverReady();
  }

  // ---- request direction ----

  sendToServer(b: Buffer): void {
    const conn = this.conn;
    if (conn === undefined) return;
    this.lastServerIO = this.host.fe.ticker.now;
    this.be.state.counters.bin += b.length;
    this.server!.counters.bin += b.length;
    if (!conn.socket.write(b)) this.host.pauseClient();
  }

  requestSent(): void {
    this.reqDone = true;
    this.lastServerIO = this.host.fe.ticker.now;
    if (this.body?.done === true) this.complete();
  }

  onServerDrain(): void {
    this.host.resumeClient();
  }

  clientDrained(): void {
    this.conn?.socket.resume();
  }

  // ---- response direction ----

  onServerData(b: Buffer): void {
    this.lastServerIO = this.host.fe.ticker.now;
    this.gotBytes = true;
    const sc = this.server!.counters;
    sc.bout += b.length;
    this.be.state.counters.bout += b.length;
    if (this.tunnelling) {
      if (!this.host.writeClient(b)) this.conn?.socket.pause();
      return;
    }
    if (this.res === undefined) {
      const buf = this.sbuf === undefined ? b : Buffer.concat([this.sbuf, b]);
      this.sbuf = undefined;
      this.headPart(buf);
      return;
    }
    this.bodyPart(b, 0);
  }

  private headPart(buf: Buffer): void {
    let start = 0;
    for (;;) {
      const end = findHeadEnd(buf, start, buf.length);
      if (end < 0) {
        if (buf.length - start > MAX_HEAD) return this.badResponse();
        this.sbuf = start === 0 ? buf : buf.subarray(start);
        return;
      }
      let res: ResponseHead;
      try {
        res = parseResponseHead(buf, start, end);
      } catch {
        return this.badResponse();
      }
      if (res.status === 101 && this.upgrade) {
        if (this.host.fe.log !== undefined) this.tResponse = Date.now();
        this.res = res;
        countResponse(this.server!.counters, 101);
        countResponse(this.be.state.counters, 101);
        this.tunnelling = true;
        this.host.writeClient(buf.subarray(start));
        this.host.tunnel();
        return;
      }
      if (res.status < 200) {
        // Interim responses (100 Continue, 103): relayed to HTTP/1.1 clients as received.
        if (this.req.version === 11 && res.status !== 101) this.host.writeClient(buf.subarray(start, end));
        start = end;
        continue;
      }
      if (this.host.fe.log !== undefined) this.tResponse = Date.now();
      this.res = res;
      countResponse(this.server!.counters, res.status);
      countResponse(this.be.state.counters, res.status);
      let out;
      try {
        out = this.host.responseHead(res, this.req.method);
      } catch {
        this.res = undefined;
        return this.badResponse();
      }
      this.body = out.body;
      if (out.body.done || this.host.rewriting || end === buf.length) {
        this.host.writeClient(out.head);
        if (end < buf.length || out.body.done) this.bodyPart(buf, end);
        return;
      }
      // Head and first body bytes in one write.
      const n = this.feedBody(buf, end);
      if (n < 0) return;
      this.host.writeClient(Buffer.concat([out.head, buf.subarray(end, end + n)]));
      this.afterBody(end + n, buf.length);
      return;
    }
  }

  private feedBody(buf: Buffer, start: number): number {
    try {
      return this.body!.feed(buf, start, buf.length);
    } catch {
      this.serverAbort("SD");
      return -1;
    }
  }

  private bodyPart(buf: Buffer, start: number): void {
    const n = this.feedBody(buf, start);
    if (n < 0) return;
    if (!this.host.rewriting && n > 0) {
      const ok = this.host.writeClient(
        start === 0 && n === buf.length ? buf : buf.subarray(start, start + n),
      );
      if (!ok) this.conn?.socket.pause();
    }
    this.afterBody(start + n, buf.length);
  }

  private afterBody(pos: number, len: number): void {
    if (!this.body!.done) return;
    if (pos < len && this.conn !== undefined) this.conn.reused = false; // bytes past the response
    if (pos < len) this.keepConn = false;
    if (this.reqDone || this.upgrade) this.complete();
    else {
      // The server answered before the end of the request body: finish now, never reuse.
      this.keepConn = false;
      this.complete();
    }
  }

  private keepConn = true;

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    const conn = this.conn;
    this.conn = undefined;
    const res = this.res!;
    if (conn !== undefined) {
      const tokens = fieldTokens(res, "connection");
      const reusable =
        this.keepConn &&
        this.reqDone &&
        this.body!.framing.kind !== "close" &&
        !tokens.includes("close") &&
        (res.version === 11 || tokens.includes("keep-alive"));
      conn.socket.resume();
      if (reusable) conn.pool.release(conn);
      else conn.destroy();
    }
    const f = this.logFields("--");
    this.releaseServer();
    this.host.exchangeDone(res.status, f);
  }

  onServerEnd(): void {
    if (this.tunnelling) {
      this.serverEndSent = true;
      this.host.client.end();
      if (this.clientEndSent) this.closeTunnel();
      return;
    }
    if (this.body !== undefined && this.body.framing.kind === "close") {
      this.body.done = true;
      this.keepConn = false;
      this.complete();
      return;
    }
    this.serverGone();
  }

  onServerError(): void {
    if (this.tunnelling) {
      this.closeTunnel();
      return;
    }
    this.serverGone();
  }

  /** The server closed (or reset) before the response was complete. */
  private serverGone(): void {
    const conn = this.conn;
    if (this.finished || conn === undefined) return;
    this.conn = undefined;
    if (!this.gotBytes && conn.reused && this.host.canReplay()) {
      // A keep-alive connection the server had closed while idle: replay on a fresh one.
      conn.destroy();
      this.connect(this.server!);
      return;
    }
    conn.destroy();
    if (this.res === undefined) {
      this.server!.counters.eresp++;
      this.be.state.counters.eresp++;
      return this.fail(502, "SH");
    }
    this.serverAbort("SD");
  }

  private badResponse(): void {
    this.server!.counters.eresp++;
    this.be.state.counters.eresp++;
    this.conn?.destroy();
    this.conn = undefined;
    this.fail(502, "PH");
  }

  /** The response was partly sent: the only honest thing left is to close the client. */
  private serverAbort(term: string): void {
    if (this.finished) return;
    this.finished = true;
    this.server!.counters.srvAbrt++;
    this.be.state.counters.srvAbrt++;
    this.conn?.destroy();
    this.conn = undefined;
    const f = this.logFields(term);
    this.releaseServer();
    this.host.exchangeAborted(f);
  }

  private fail(status: number, term: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.conn?.destroy();
    this.conn = undefined;
    const f = this.logFields(term);
    this.releaseServer();
    countResponse(this.be.state.counters, status);
    this.host.exchangeFailed(status, f);
  }

  private releaseServer(): void {
    const s = this.server;
    if (s === undefined) return;
    this.server = undefined;
    this.lastServer = s;
    release(this.be.state, s);
  }

  private lastServer: ServerState | undefined;

  private logFields(term: string): Partial<LogRecord> {
    if (this.host.fe.log === undefined) return {};
    const s = this.server ?? this.lastServer;
    const t0 = this.t0;
    const tq = this.tQueued >= 0 ? this.tQueued : t0;
    return {
      backend: this.be.cfg.name,
      server: s?.name ?? "<NOSRV>",
      tW: s === undefined ? -1 : tq - t0,
      tC: this.tConnected >= 0 ? this.tConnected - tq : -1,
      tr: this.tResponse >= 0 && this.tConnected >= 0 ? this.tResponse - this.tConnected : -1,
      term,
      beconn: this.be.state.counters.scur,
      srvconn: s?.cur ?? 0,
      retries: this.retries,
      srvQueue: s?.queue.length ?? 0,
      beQueue: queueLength(this.be.state),
    };
  }

  // ---- tunnel (101 Switching Protocols) ----

  tunnelToServer(b: Buffer): void {
    this.sendToServer(b);
  }

  tunnelClientEnd(): void {
    this.clientEndSent = true;
    this.conn?.socket.end();
    if (this.serverEndSent) this.closeTunnel();
  }

  tunnelIdle(now: number, limit: number): boolean {
    return now - this.lastServerIO > limit;
  }

  private closeTunnel(): void {
    if (this.finished) return;
    this.finished = true;
    this.conn?.destroy();
    this.conn = undefined;
    const f = this.logFields("--");
    this.releaseServer();
    this.host.exchangeAborted(f);
  }

  // ---- timers ----

  tick(now: number): void {
    if (this.finished || this.conn === undefined || this.tunnelling) return;
    const ts = this.be.cfg.timeouts.server;
    if (ts === undefined) return;
    if (now - this.lastServerIO > ts) {
      this.server!.counters.eresp++;
      this.be.state.counters.eresp++;
      if (this.res === undefined) this.fail(504, "sH");
      else this.serverAbort("sD");
    }
  }

  abort(): void {
    if (this.entry !== undefined) {
      cancelQueued(this.be.state, this.entry);
      this.entry = undefined;
    }
    if (this.timer) clearTimeout(this.timer);
    if (this.finished) return;
    this.finished = true;
    this.conn?.destroy();
    this.conn = undefined;
    this.releaseServer();
  }
}

/** What the balance algorithms see of a request; headers are only made for `balance hdr`. */
class LazyInfo implements RequestInfo {
  readonly src: string;
  readonly method: string;
  readonly uri: string;
  private readonly req: RequestHead;
  private h: Record<string, string | string[]> | undefined;
  constructor(src: string, req: RequestHead) {
    this.src = src;
    this.req = req;
    this.method = req.method;
    this.uri = req.target;
  }
  get headers(): Record<string, string | string[]> {
    if (this.h === undefined) {
      const headers: Record<string, string | string[]> = {};
      const req = this.req;
      for (let i = 0; i < req.lower.length; i++) {
        const k = req.lower[i]!;
        const prev = headers[k];
        headers[k] =
          prev === undefined ? req.values[i]! : [...(Array.isArray(prev) ? prev : [prev]), req.values[i]!];
      }
      this.h = headers;
    }
    return this.h;
  }
}
