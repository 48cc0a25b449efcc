import type net from "node:net";
import { WireError } from "../../lib/errors.ts";
import type { HttpRequestRule } from "../config/model.ts";
import { countRequest, countResponse, sessionEnd, sessionStart } from "../engine/counters.ts";
import type { AclSample } from "./acl.ts";
import { BodyTracker, requestFraming, responseFraming, CRLF, LAST_CHUNK, chunkHeader } from "./body.ts";
import type { StatsRequest, StatsResponse } from "../stats/context.ts";
import { MAX_HEAD, type BackendRt, type FrontendRt, type Stream } from "./context.ts";
import { Exchange, type ExchangeHost } from "./exchange.ts";
import {
  fieldIndex,
  fieldTokens,
  fieldValue,
  findHeadEnd,
  parseRequestHead,
  type RequestHead,
  type ResponseHead,
} from "./head.ts";
import type { LogRecord } from "./log.ts";
import { errorReply, redirectReply, returnReply, simpleReply } from "./replies.ts";
import { hasHopFields, requestHeadFor, responseHeadFor, type ResponseRewrite } from "./rewrite.ts";

/**
 * One client connection in HTTP mode (HAProxy's stream + H1 mux, http-keep-alive on both sides).
 *
 * Life of a request: read the head (timeout http-request; between requests http-keep-alive), apply
 * the frontend's `http-request` rules, the stats URI and `use_backend`, then hand the request to an
 * Exchange (server choice, queue, connect, retries). The request body streams to the server as it
 * arrives (framing tracked by BodyTracker, never buffered whole); the response streams back,
 * re-framed when the client's protocol version needs it. Pipelined requests wait in `buf` with the
 * client socket paused until the current response has ended.
 */

/** Wait: waiting for a server (queue, connect, retry). Local: a locally generated response. */
const Phase = { Head: 0, Wait: 1, Forward: 2, Tunnel: 3, Local: 4, Closed: 5 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

export class HttpStream implements Stream, ExchangeHost {
  readonly fe: FrontendRt;
  readonly client: net.Socket;
  readonly src: string;
  private phase: Phase = Phase.Head;
  private buf: Buffer | undefined;
  private firstRequest = true;
  private headDeadline = 0;
  lastClientIO = 0;
  req: RequestHead | undefined;
  private reqBody: BodyTracker | undefined;
  private keepAlive = true;
  private clientEnded = false;
  private draining = false;
  private ex: Exchange | undefined;
  private resRewrite: ResponseRewrite["body"] = "same";
  private resBody: BodyTracker | undefined;
  private resStatus = 0;
  private resBytes = 0;
  private acceptAt = 0;
  private headAt = 0;
  private collector: ((b: Buffer) => void) | undefined;

  /** `wired`: the listener delivers the client's bytes through onClientData (see server/accept.ts). */
  constructor(fe: FrontendRt, client: net.Socket, wired = false) {
    this.fe = fe;
    this.client = client;
    this.src = client.remoteAddress ?? "";
    sessionStart(fe.counters, fe.ticker.now);
    fe.streams.add(this);
    this.startHeadWait();
    if (!wired) client.on("data", (b: Buffer) => this.onClientData(b));
    client.on("end", () => this.onClientEnd());
    client.on("error", () => this.close());
    client.on("close", () => this.close());
    client.on("drain", () => this.ex?.clientDrained());
  }

  private startHeadWait(): void {
    const t = this.fe.cfg.timeouts;
    const limit = this.firstRequest
      ? (t.httpRequest ?? t.client)
      : (t.httpKeepAlive ?? t.httpRequest ?? t.client);
    this.headDeadline = limit === undefined ? Infinity : this.fe.ticker.now + limit;
    this.acceptAt = this.fe.log ? Date.now() : 0;
  }

  // ---- client side ----

  onClientData(b: Buffer): void {
    // A bug must cost one connection, never the process (HAProxy's habit): contain it here.
    try {
      this.clientData(b);
    } catch (err) {
      reportBug(err);
      this.abort();
    }
  }

  private clientData(b: Buffer): void {
    this.lastClientIO = this.fe.ticker.now;
    this.fe.counters.bin += b.length;
    switch (this.phase) {
      case Phase.Head:
        this.buf = this.buf === undefined ? b : Buffer.concat([this.buf, b]);
        this.tryHead();
        return;
      case Phase.Forward:
        if (this.reqBody !== undefined && !this.reqBody.done && this.buf === undefined) this.forwardBody(b);
        else this.hold(b);
        return;
      case Phase.Local:
        if (this.collector !== undefined) this.collector(b);
        else this.hold(b);
        return;
      case Phase.Tunnel:
        this.ex?.tunnelToServer(b);
        return;
      case Phase.Closed:
        return; // we are closing: whatever the client still sends is discarded
      default:
        this.hold(b);
    }
  }

  /** Keep bytes for later (next pipelined request or body bytes before the server is ready). */
  private hold(b: Buffer): void {
    this.buf = this.buf === undefined ? b : Buffer.concat([this.buf, b]);
    if (this.buf.length > MAX_HEAD) this.client.pause();
  }

  private forwardBody(b: Buffer): void {
    const body = this.reqBody!;
    let n: number;
    try {
      n = body.feed(b, 0, b.length);
    } catch {
      this.fe.counters.ereq++;
      this.abort();
      return;
    }
    if (n > 0) this.ex!.sendToServer(n === b.length ? b : b.subarray(0, n));
    if (n < b.length) this.hold(b.subarray(n));
    if (body.done) this.ex!.requestSent();
  }

  private onClientEnd(): void {
    this.clientEnded = true;
    if (this.phase === Phase.Closed) {
      // We had ended our side already: the connection is fully closed now.
      this.client.destroy();
      return;
    }
    if (this.phase === Phase.Tunnel) {
      this.ex?.tunnelClientEnd();
      return;
    }
    if (this.phase === Phase.Head) {
      if (this.buf !== undefined && this.buf.length > 0) this.badRequest(400);
      else this.close();
      return;
    }
    if (this.reqBody !== undefined && !this.reqBody.done) {
      // The client went away in the middle of its request body.
      this.fe.counters.cliAbrt++;
      this.abort();
    }
    // Otherwise finish the response, then close (no `option abortonclose`).
  }

  private tryHead(): void {
    const buf = this.buf!;
    // Tolerate empty lines before a request (RFC 9112 §2.2).
    let start = 0;
    while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
    const end = findHeadEnd(buf, start, buf.length);
    if (end < 0) {
      if (buf.length - start > MAX_HEAD) this.badRequest(400);
      return;
    }
    let req: RequestHead;
    try {
      if (end - start > MAX_HEAD) throw new WireError("request head too large", start, "EHTTP");
      req = parseRequestHead(buf, start, end);
    } catch {
      this.badRequest(400);
      return;
    }
    this.buf = end < buf.length ? buf.subarray(end) : undefined;
    this.handleRequest(req, buf.subarray(start, end));
  }

  private handleRequest(req: RequestHead, raw: Buffer): void {
    const fe = this.fe;
    this.req = req;
    this.firstRequest = false;
    this.headAt = fe.log ? Date.now() : 0;
    countRequest(fe.counters, fe.ticker.now);
    const conn = fieldTokens(req, "connection");
    this.keepAlive = req.version === 11 ? !conn.includes("close") : conn.includes("keep-alive");
    if (this.draining || this.clientEnded) this.keepAlive = false;
    if (req.version === 11 && fieldIndex(req, "host") < 0) return this.badRequest(400);
    try {
      this.reqBody = new BodyTracker(requestFraming(req));
    } catch {
      return this.badRequest(400);
    }
    if (this.reqBody.framing.kind === "chunked" && fieldIndex(req, "content-length") >= 0)
      this.keepAlive = false;

    const sample: AclSample = { req, src: this.src };
    // http-request rules, in order; the first final action ends the evaluation.
    let set: [string, string][] | undefined;
    for (const rule of fe.cfg.httpRequest) {
      if (!fe.acls.holds(rule.cond, sample)) continue;
      if (rule.action === "set-header") {
        (set ??= []).push([rule.name, rule.value]);
        continue;
      }
      return this.finalRule(rule);
    }
    const stats = fe.stats;
    if (stats !== undefined) {
      if (req.method === "POST" && req.target.startsWith(stats.uri) && !this.reqBody.done)
        return this.collectStats();
      const r = stats.handler(this.statsRequest(Buffer.alloc(0)));
      if (r !== undefined) return this.statsReply(r);
    }

    let be: BackendRt | undefined = fe.defaultBackend;
    for (const u of fe.useBackends) {
      if (fe.acls.holds(u.cond, sample)) {
        be = u.backend;
        break;
      }
    }
    if (be === undefined) return this.localReply(errorReply(503, false), 503, "<NOSRV>", "SC");

    const upgrade =
      fieldIndex(req, "upgrade") >= 0 && fieldTokens(req, "connection").includes("upgrade")
        ? fieldValue(req, "upgrade")
        : undefined;
    const chunked = this.reqBody.framing.kind === "chunked";
    const head =
      set === undefined && !fe.cfg.forwardFor && !hasHopFields(req) && req.version === 11 && !req.bareLf
        ? raw
        : requestHeadFor(req, {
            set,
            forwardFor: fe.cfg.forwardFor
              ? { header: "X-Forwarded-For", addr: clientIp(this.src) }
              : undefined,
            chunked,
            upgrade,
          });
    this.phase = Phase.Wait;
    this.resStatus = 0;
    this.resBytes = 0;
    const ex = new Exchange(this, be, req, head, upgrade !== undefined);
    this.ex = ex;
    ex.start();
  }

  // ---- called by the Exchange ----

  /** The server connection is ready: send the head (already done by the exchange) and any body held. */
  serverReady(): void {
    this.phase = Phase.Forward;
    const body = this.reqBody!;
    if (body.done) {
      this.ex!.requestSent();
    } else if (this.buf !== undefined) {
      const b = this.buf;
      this.buf = undefined;
      this.client.resume();
      this.forwardBody(b);
    }
  }

  /** Bytes of the request head and body received so far, for a retry on a fresh connection. */
  canReplay(): boolean {
    return this.reqBody === undefined || this.reqBody.framing.kind === "none";
  }

  /** A response head arrived (final, not 1xx). Returns the head to send to the client. */
  responseHead(res: ResponseHead, method: string): { head: Buffer; body: BodyTracker } {
    const framing = responseFraming(res, method);
    const req = this.req!;
    let body: ResponseRewrite["body"] = "same";
    if (framing.kind === "close") body = req.version === 11 && this.keepAlive ? "chunk" : "same";
    if (framing.kind === "chunked" && req.version === 10) body = "unchunk";
    if (framing.kind === "close" && body === "same") this.keepAlive = false;
    if (body === "unchunk") this.keepAlive = false;
    if (this.reqBody !== undefined && !this.reqBody.done) this.keepAlive = false;
    this.resRewrite = body;
    this.resStatus = res.status;
    const head = responseHeadFor(res, {
      body,
      connection: this.keepAlive ? (req.version === 10 ? "keep-alive" : "default") : "close",
    });
    const tracker = new BodyTracker(framing);
    if (body !== "same") {
      tracker.onData = (b, s, e) => this.writeChunkedOrRaw(b, s, e);
    }
    this.resBody = tracker;
    return { head, body: tracker };
  }

  private writeChunkedOrRaw(b: Buffer, s: number, e: number): void {
    if (e <= s) return;
    if (this.resRewrite === "chunk") {
      this.writeClient(chunkHeader(e - s));
      this.writeClient(b.subarray(s, e));
      this.writeClient(CRLF);
    } else this.writeClient(b.subarray(s, e));
  }

  /** Send response bytes to the client; false = back-pressure (the exchange pauses the server). */
  writeClient(b: Buffer): boolean {
    this.resBytes += b.length;
    this.fe.counters.bout += b.length;
    return this.client.write(b);
  }

  /** Body bytes of the response, as received (`same`) — the tracker's onData handles the others. */
  get rewriting(): boolean {
    return this.resRewrite !== "same";
  }

  /** Switch to a tunnel after `101 Switching Protocols`. */
  tunnel(): void {
    this.phase = Phase.Tunnel;
    this.keepAlive = false;
    const rest = this.buf;
    this.buf = undefined;
    this.client.resume();
    if (rest !== undefined) this.ex?.tunnelToServer(rest);
    if (this.clientEnded) this.ex?.tunnelClientEnd();
  }

  /** The exchange is over (response complete, or an error reply sent). */
  exchangeDone(status: number, fields: Partial<LogRecord>): void {
    if (this.phase === Phase.Closed) return;
    if (this.resRewrite === "chunk" && this.resBody?.done === true) this.writeClient(LAST_CHUNK);
    this.resRewrite = "same";
    countResponse(this.fe.counters, status);
    this.logRequest(status, fields);
    this.ex = undefined;
    this.resBody = undefined;
    this.next();
  }

  /** The exchange failed before any response byte went out: answer with an error page. */
  exchangeFailed(status: number, fields: Partial<LogRecord>): void {
    if (this.phase === Phase.Closed) return;
    this.keepAlive = false;
    this.writeClient(errorReply(status, true));
    this.exchangeDone(status, fields);
  }

  /** The exchange broke after the response started: nothing to do but close. */
  exchangeAborted(fields: Partial<LogRecord>): void {
    if (this.phase === Phase.Closed) return;
    this.logRequest(this.resStatus, fields);
    this.ex = undefined;
    this.close();
  }

  pauseClient(): void {
    this.client.pause();
  }

  resumeClient(): void {
    if (this.phase !== Phase.Closed && (this.buf === undefined || this.phase === Phase.Forward))
      this.client.resume();
  }

  // ---- local answers ----

  private finalRule(rule: HttpRequestRule): void {
    switch (rule.action) {
      case "deny":
        this.fe.counters.dreq++;
        this.drainRequestBody();
        return this.localReply(errorReply(rule.status, !this.keepAlive), rule.status, "<NOSRV>", "PR");
      case "return":
        return this.localReply(
          returnReply(rule.status, rule.contentType, rule.body),
          rule.status,
          "<NOSRV>",
          "LR",
        );
      case "redirect": {
        const req = this.req!;
        let loc = rule.target;
        if (rule.kind === "prefix") loc = rule.target.replace(/\/$/, "") + req.target;
        else if (rule.kind === "scheme") {
          const host = fieldValue(req, "host") ?? "";
          loc = `${rule.target}://${host}${req.target}`;
        }
        return this.localReply(redirectReply(rule.code, loc), rule.code, "<NOSRV>", "LR");
      }
      case "set-header":
        return;
    }
  }

  private statsRequest(body: Buffer): StatsRequest {
    const req = this.req!;
    return {
      method: req.method,
      target: req.target,
      header: (name) => fieldValue(req, name.toLowerCase()),
      src: this.src,
      body,
    };
  }

  private statsReply(r: StatsResponse): void {
    const out = simpleReply(r.status, r.headers, r.body, this.req!.method === "HEAD");
    this.localReply(out, r.status, "<STATS>", "LR");
  }

  /** The stats admin form is a small urlencoded POST: collect it (bounded), then answer. */
  private collectStats(): void {
    const body = this.reqBody!;
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (b: Buffer): void => {
      let n: number;
      try {
        n = body.feed(b, 0, b.length);
      } catch {
        this.collector = undefined;
        return this.badRequest(400);
      }
      size += n;
      chunks.push(b.subarray(0, n));
      if (n < b.length) this.hold(b.subarray(n));
      if (size > 65536) {
        this.collector = undefined;
        return this.badRequest(413);
      }
      if (body.done) {
        this.collector = undefined;
        const r = this.fe.stats!.handler(this.statsRequest(Buffer.concat(chunks)));
        if (r !== undefined) this.statsReply(r);
        else this.localReply(errorReply(404, true), 404, "<STATS>", "LR");
      }
    };
    const held = this.buf;
    this.buf = undefined;
    this.phase = Phase.Local;
    this.collector = collect;
    if (held !== undefined) collect(held);
  }

  /** Discard a request body we will not forward (deny, return); close if it is long. */
  private drainRequestBody(): void {
    const body = this.reqBody;
    if (body === undefined || body.done) return;
    this.keepAlive = false;
  }

  private localReply(bytes: Buffer, status: number, server: string, term: string): void {
    if (this.reqBody !== undefined && !this.reqBody.done) this.keepAlive = false;
    this.phase = Phase.Local;
    const out = this.keepAlive ? bytes : withClose(bytes);
    this.writeClient(out);
    countResponse(this.fe.counters, status);
    this.logRequest(status, { backend: this.fe.cfg.name, server, term });
    this.next();
  }

  private badRequest(status: number): void {
    this.fe.counters.ereq++;
    this.keepAlive = false;
    this.phase = Phase.Local;
    this.writeClient(errorReply(status, true));
    countResponse(this.fe.counters, status);
    this.logRequest(status, { backend: this.fe.cfg.name, server: "<NOSRV>", term: "PR" });
    this.buf = undefined;
    this.next();
  }

  /** After a response: next request (keep-alive) or close. */
  private next(): void {
    if (this.phase === Phase.Closed) return;
    this.req = undefined;
    this.reqBody = undefined;
    if (!this.keepAlive || this.draining) {
      this.phase = Phase.Closed;
      this.fe.streams.delete(this);
      this.fe.onStreamEnd?.();
      sessionEnd(this.fe.counters);
      // End our side; a client that never closes its own is dropped after a grace period.
      this.client.end();
      setTimeout(() => this.client.destroy(), CLOSE_GRACE_MS).unref();
      return;
    }
    this.phase = Phase.Head;
    this.startHeadWait();
    this.client.resume();
    if (this.buf !== undefined) this.tryHead();
    else if (this.clientEnded) this.close();
  }

  private logRequest(status: number, f: Partial<LogRecord>): void {
    const log = this.fe.log;
    if (log === undefined) return;
    const now = Date.now();
    const req = this.req;
    const a = this.client.address() as net.AddressInfo | Record<string, never>;
    log.log({
      clientAddr: this.src,
      clientPort: this.client.remotePort ?? 0,
      acceptAt: this.acceptAt,
      frontend: this.fe.cfg.name,
      backend: f.backend ?? this.fe.cfg.name,
      server: f.server ?? "<NOSRV>",
      tR: this.headAt > 0 ? this.headAt - this.acceptAt : -1,
      tW: f.tW ?? -1,
      tC: f.tC ?? -1,
      tr: f.tr ?? -1,
      tA: now - this.acceptAt,
      status,
      bytes: this.resBytes,
      term: f.term ?? "--",
      actconn: this.fe.streams.size,
      feconn: this.fe.counters.scur,
      beconn: f.beconn ?? 0,
      srvconn: f.srvconn ?? 0,
      retries: f.retries ?? 0,
      srvQueue: f.srvQueue ?? 0,
      beQueue: f.beQueue ?? 0,
      requestLine: req ? `${req.method} ${req.target} HTTP/1.${req.version === 11 ? 1 : 0}` : "<BADREQ>",
      localAddr: "address" in a ? a.address : "",
      localPort: "port" in a ? a.port : 0,
      mode: "http",
    });
    this.resBytes = 0;
    this.acceptAt = Date.now();
  }

  // ---- lifecycle ----

  tick(now: number): void {
    switch (this.phase) {
      case Phase.Head:
        if (now >= this.headDeadline) {
          if (this.buf !== undefined && this.buf.length > 0) {
            this.fe.counters.ereq++;
            this.keepAlive = false;
            this.phase = Phase.Local;
            this.writeClient(errorReply(408, true));
            countResponse(this.fe.counters, 408);
            this.logRequest(408, { term: "cR" });
            this.next();
          } else this.close();
        }
        return;
      case Phase.Forward:
      case Phase.Wait:
      case Phase.Tunnel: {
        const tc = this.fe.cfg.timeouts.client;
        if (this.ex !== undefined) this.ex.tick(now);
        // Client inactivity while it still owes us request bytes (or in a tunnel).
        if (
          tc !== undefined &&
          now - this.lastClientIO > tc &&
          this.phase !== Phase.Wait &&
          ((this.reqBody !== undefined && !this.reqBody.done) ||
            (this.phase === Phase.Tunnel && this.ex?.tunnelIdle(now, tc) === true))
        ) {
          this.fe.counters.cliAbrt++;
          this.abort();
        }
        return;
      }
      default:
        return;
    }
  }

  drain(): void {
    this.draining = true;
    this.keepAlive = false;
    if (this.phase === Phase.Head && (this.buf === undefined || this.buf.length === 0)) this.close();
  }

  /** Tear down both sides now. */
  abort(): void {
    this.ex?.abort();
    this.ex = undefined;
    this.close();
  }

  close(): void {
    if (this.phase === Phase.Closed) {
      if (!this.client.destroyed) this.client.destroy();
      return;
    }
    this.phase = Phase.Closed;
    this.fe.streams.delete(this);
    this.fe.onStreamEnd?.();
    sessionEnd(this.fe.counters);
    this.ex?.abort();
    this.ex = undefined;
    this.client.destroy();
  }
}

/** How long a client may keep its side open after we closed ours. */
const CLOSE_GRACE_MS = 5000;

function clientIp(a: string): string {
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

const CONN_CLOSE = Buffer.from("connection: close\r\n", "latin1");

/** Add `connection: close` to a complete locally built response (before the empty line). */
function withClose(bytes: Buffer): Buffer {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0 || bytes.subarray(0, end).toString("latin1").toLowerCase().includes("\r\nconnection:"))
    return bytes;
  return Buffer.concat([bytes.subarray(0, end + 2), CONN_CLOSE, bytes.subarray(end + 2)]);
}

/** Unexpected exceptions in a stream: counted and written once per kind to stderr. */
const seenBugs = new Set<string>();
export function reportBug(err: unknown): void {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (seenBugs.has(text)) return;
  seenBugs.add(text);
  process.stderr.write(`netsvc lb: internal error (connection closed): ${text}\n`);
}
