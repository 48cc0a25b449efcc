import {
  FK,
  HOP_KINDS,
  fieldTokens,
  hasKind,
  type Head,
  type RequestHead,
  type ResponseHead,
} from "./head.ts";

/**
 * Rewriting heads between the two hops (RFC 9110 §7.6.1): the Connection field and every field it
 * names, Keep-Alive, TE, Trailer, Upgrade, Proxy-* and Transfer-Encoding belong to one connection
 * and are removed; framing is then stated again for the next hop. Pure.
 *
 * Kept fields are copied as byte ranges of the received head (runs of adjacent CRLF-terminated
 * lines in one piece), so rewriting a typical head costs a few slices and one allocation.
 */

/** True when the head has a field that must not be forwarded as is. */
export function hasHopFields(h: Head): boolean {
  return (h.kinds & HOP_KINDS) !== 0;
}

/** Collects the pieces of a new head: byte ranges of the received one, then added text. */
class Out {
  /** Pairs of [start, end) offsets in h.buf, each followed by a CRLF unless `raw`. */
  private readonly ranges: number[] = [];
  private first = "";
  private runStart = -1;
  private runEnd = -1;
  private readonly h: Head;
  constructor(h: Head) {
    this.h = h;
  }
  /** The start line as text (when the received one cannot be reused). */
  startLine(s: string): void {
    this.first = s;
  }
  /** Reuse bytes [s, e) as they are (the received start line with its CRLF). */
  raw(s: number, e: number): void {
    this.ranges.push(s, e, 0);
  }
  /** Keep field i. */
  field(i: number): void {
    const f = this.h.f;
    const s = f[i * 5 + 1]!;
    const e = f[i * 5 + 4]!;
    const buf = this.h.buf;
    // Extend the current run when this line follows it directly after a CRLF.
    if (
      this.runStart >= 0 &&
      s === this.runEnd + 2 &&
      buf[this.runEnd] === 13 &&
      buf[this.runEnd + 1] === 10
    ) {
      this.runEnd = e;
      return;
    }
    this.flush();
    this.runStart = s;
    this.runEnd = e;
  }
  private flush(): void {
    if (this.runStart < 0) return;
    this.ranges.push(this.runStart, this.runEnd, 1);
    this.runStart = -1;
  }
  done(extra: string): Buffer {
    this.flush();
    const r = this.ranges;
    let n = this.first.length + extra.length + 2;
    for (let i = 0; i < r.length; i += 3) n += r[i + 1]! - r[i]! + 2 * r[i + 2]!;
    const out = Buffer.allocUnsafe(n);
    let o = this.first === "" ? 0 : out.write(this.first, 0, "latin1");
    const buf = this.h.buf;
    for (let i = 0; i < r.length; i += 3) {
      o += buf.copy(out, o, r[i], r[i + 1]);
      if (r[i + 2] === 1) {
        out[o++] = 13;
        out[o++] = 10;
      }
    }
    if (extra !== "") o += out.write(extra, o, "latin1");
    out[o] = 13;
    out[o + 1] = 10;
    return out;
  }
}

/** Names listed in Connection (lower-case), which are hop-by-hop too; [] when none. */
function connectionNamed(h: Head): string[] {
  if (!hasKind(h, FK.connection)) return [];
  // Fast path: a single `Connection: keep-alive` or `close` names nothing.
  if (h.count > 0) {
    let only = -1;
    for (let i = 0; i < h.count; i++)
      if (h.f[i * 5] === FK.connection) {
        if (only >= 0) {
          only = -2;
          break;
        }
        only = i;
      }
    if (only >= 0) {
      const len = h.f[only * 5 + 4]! - h.f[only * 5 + 3]!;
      if (len === 5 || len === 10) {
        const v = h.value(only).toLowerCase();
        if (v === "close" || v === "keep-alive") return [];
      }
    }
  }
  return fieldTokens(h, "connection").filter((t) => t !== "close" && t !== "keep-alive" && t !== "upgrade");
}

function dropped(h: Head, i: number, named: readonly string[], also: readonly string[] | undefined): boolean {
  const k = h.f[i * 5]!;
  if (((1 << k) & HOP_KINDS) !== 0) return true;
  if (named.length === 0 && also === undefined) return false;
  const l = h.lower[i]!;
  return named.includes(l) || (also !== undefined && also.includes(l));
}

export interface RequestRewrite {
  /** Fields set by `http-request set-header` (replace every field of that name). */
  set?: readonly (readonly [string, string])[] | undefined;
  /** `option forwardfor`: the header name (X-Forwarded-For) and the client address. */
  forwardFor?: { header: string; addr: string } | undefined;
  /** The body is chunked (re-stated as `Transfer-Encoding: chunked`). */
  chunked: boolean;
  /** Upgrade tokens to keep (a WebSocket handshake): `Connection: upgrade` + `Upgrade`. */
  upgrade?: string | undefined;
}

/** Serialise the request head for the server. */
export function requestHeadFor(req: RequestHead, rw: RequestRewrite): Buffer {
  const named = connectionNamed(req);
  const setNames = rw.set?.map(([n]) => n.toLowerCase());
  const out = new Out(req);
  out.startLine(`${req.method} ${req.target} HTTP/1.${req.version === 11 ? "1" : "0"}\r\n`);
  for (let i = 0; i < req.count; i++) {
    if (dropped(req, i, named, setNames)) continue;
    if (rw.chunked && req.f[i * 5] === FK.contentLength) continue; // RFC 9112 §6.3 rule 3
    out.field(i);
  }
  let extra = "";
  if (rw.set) for (const [n, v] of rw.set) extra += `${n}: ${v}\r\n`;
  if (rw.forwardFor) extra += `${rw.forwardFor.header}: ${rw.forwardFor.addr}\r\n`;
  if (rw.chunked) extra += "Transfer-Encoding: chunked\r\n";
  if (rw.upgrade !== undefined) extra += `Connection: upgrade\r\nUpgrade: ${rw.upgrade}\r\n`;
  else if (req.version === 10) extra += "Connection: keep-alive\r\n";
  return out.done(extra);
}

export interface ResponseRewrite {
  /** How the body goes to the client: as received, re-chunked (close-delimited from the server,
   * keep-alive client) or close-delimited (chunked from the server, HTTP/1.0 client). */
  body: "same" | "chunk" | "unchunk";
  /** What the client is told about the connection after this response. */
  connection: "keep-alive" | "close" | "default";
}

/** Serialise the response head for the client (always `HTTP/1.1`, as HAProxy does). */
export function responseHeadFor(res: ResponseHead, rw: ResponseRewrite): Buffer {
  const buf = res.buf;
  const out = new Out(res);
  // The status line as received when it is already `HTTP/1.1 ...` with CRLF.
  let lf = res.count > 0 ? res.f[1]! - 1 : res.start;
  while (buf[lf] !== 10) lf++;
  if (res.version === 11 && buf[lf - 1] === 13) out.raw(res.start, lf + 1);
  else out.startLine(`HTTP/1.1 ${res.status} ${res.reason}\r\n`);
  const named = connectionNamed(res);
  const keepTe = rw.body === "same";
  for (let i = 0; i < res.count; i++) {
    const k = res.f[i * 5];
    if (k === FK.transferEncoding && keepTe) {
      out.field(i);
      continue;
    }
    if (k === FK.contentLength && rw.body === "unchunk") continue;
    if (dropped(res, i, named, undefined)) continue;
    out.field(i);
  }
  let extra = "";
  if (rw.body === "chunk") extra += "Transfer-Encoding: chunked\r\n";
  if (rw.connection === "close") extra += "Connection: close\r\n";
  else if (rw.connection === "keep-alive") extra += "Connection: keep-alive\r\n";
  return out.done(extra);
}
