import { WireError } from "../../lib/errors.ts";
import { FK, fieldTokens, hasKind, type RequestHead, type ResponseHead } from "./head.ts";

/**
 * Message body framing (RFC 9112 §6). Pure: decides how a body is delimited and finds where it ends
 * in a byte stream, so the proxy can stream bodies through without buffering them.
 */

export type Framing =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  /** Response delimited by the server closing the connection (RFC 9112 §6.3 rule 8). */
  | { kind: "close" };

const NONE: Framing = { kind: "none" };

function contentLength(h: RequestHead | ResponseHead): number | undefined {
  let len: number | undefined;
  if (!hasKind(h, FK.contentLength)) return undefined;
  for (let i = 0; i < h.count; i++) {
    if (h.kind(i) !== FK.contentLength) continue;
    // Fast path: plain digits.
    const s = h.f[i * 5 + 3]!;
    const e = h.f[i * 5 + 4]!;
    if (e > s && e - s <= 15) {
      let n = 0;
      let j = s;
      for (; j < e; j++) {
        const c = h.buf[j]! - 0x30;
        if (c < 0 || c > 9) break;
        n = n * 10 + c;
      }
      if (j === e) {
        if (len !== undefined && n !== len) throw new WireError("conflicting Content-Length", 0, "EHTTP");
        len = n;
        continue;
      }
    }
    // RFC 9110 §8.6: a list of identical values may be collapsed; anything else is invalid.
    for (const part of h.value(i).split(",")) {
      const t = part.trim();
      if (!/^\d{1,15}$/.test(t)) throw new WireError("invalid Content-Length", 0, "EHTTP");
      const n = Number(t);
      if (len !== undefined && n !== len) throw new WireError("conflicting Content-Length", 0, "EHTTP");
      len = n;
    }
  }
  return len;
}

/** RFC 9112 §6.3 for requests. Transfer-Encoding other than a final chunked is refused (400). */
export function requestFraming(h: RequestHead): Framing {
  if (hasKind(h, FK.transferEncoding)) {
    if (h.version === 10) throw new WireError("Transfer-Encoding in an HTTP/1.0 request", 0, "EHTTP");
    const te = fieldTokens(h, "transfer-encoding");
    if (te[te.length - 1] !== "chunked" || te.indexOf("chunked") !== te.length - 1)
      throw new WireError("unsupported Transfer-Encoding", 0, "EHTTP");
    return { kind: "chunked" };
  }
  const len = contentLength(h);
  return len === undefined || len === 0 ? NONE : { kind: "length", length: len };
}

/** RFC 9112 §6.3 for responses, given the request method. */
export function responseFraming(h: ResponseHead, method: string): Framing {
  if (method === "HEAD" || h.status < 200 || h.status === 204 || h.status === 304) return NONE;
  if (method === "CONNECT" && h.status < 300) return NONE;
  if (hasKind(h, FK.transferEncoding)) {
    const te = fieldTokens(h, "transfer-encoding");
    return te[te.length - 1] === "chunked" ? { kind: "chunked" } : { kind: "close" };
  }
  const len = contentLength(h);
  if (len === undefined) return { kind: "close" };
  return len === 0 ? NONE : { kind: "length", length: len };
}

const S_SIZE = 0;
const S_EXT = 1;
const S_SIZE_LF = 2;
const S_DATA = 3;
const S_DATA_CR = 4;
const S_DATA_LF = 5;
const S_TRAILER_START = 6;
const S_TRAILER_LINE = 7;
const S_TRAILER_LF = 8;
const S_END_LF = 9;
const S_DONE = 10;

/** Largest chunk size accepted: 2^53 would lose precision; 15 hex digits is far beyond any body. */
const MAX_SIZE_DIGITS = 15;

/**
 * Finds the end of a body in a stream of buffers. `feed` returns how many bytes of the input belong
 * to the body (the rest is the next message); `done` turns true at the end. With `onData`, chunked
 * data is also delivered de-chunked (for a peer that cannot take chunked, an HTTP/1.0 client).
 */
export class BodyTracker {
  done: boolean;
  private remaining: number;
  private state = S_SIZE;
  private digits = 0;
  private chunkLeft = 0;
  private lineLen = 0;
  readonly framing: Framing;
  onData: ((buf: Buffer, start: number, end: number) => void) | undefined;

  constructor(framing: Framing) {
    this.framing = framing;
    this.done = framing.kind === "none";
    this.remaining = framing.kind === "length" ? framing.length : 0;
  }

  /** Consume body bytes from buf[start, end); returns the number consumed. Throws WireError. */
  feed(buf: Buffer, start: number, end: number): number {
    if (this.done) return 0;
    const f = this.framing.kind;
    if (f === "close") {
      this.onData?.(buf, start, end);
      return end - start;
    }
    if (f === "length") {
      const n = Math.min(this.remaining, end - start);
      this.remaining -= n;
      if (this.remaining === 0) this.done = true;
      if (n > 0) this.onData?.(buf, start, start + n);
      return n;
    }
    return this.chunked(buf, start, end);
  }

  private chunked(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end && this.state !== S_DONE) {
      const c = buf[i]!;
      switch (this.state) {
        case S_SIZE: {
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new WireError("chunk size too large", i, "EHTTP");
            this.chunkLeft = this.chunkLeft * 16 + v;
          } else if (this.digits === 0) {
            throw new WireError("invalid chunk size", i, "EHTTP");
          } else if (c === 0x0d) this.state = S_SIZE_LF;
          else if (c === 0x3b || c === 0x20 || c === 0x09) this.state = S_EXT;
          else throw new WireError("invalid chunk size", i, "EHTTP");
          i++;
          break;
        }
        case S_EXT:
          if (c === 0x0d) this.state = S_SIZE_LF;
          else if (c === 0x0a || c === 0) throw new WireError("invalid chunk extension", i, "EHTTP");
          i++;
          break;
        case S_SIZE_LF:
          if (c !== 0x0a) throw new WireError("expected LF after chunk size", i, "EHTTP");
          i++;
          this.digits = 0;
          this.state = this.chunkLeft === 0 ? S_TRAILER_START : S_DATA;
          break;
        case S_DATA: {
          const n = Math.min(this.chunkLeft, end - i);
          if (n > 0) this.onData?.(buf, i, i + n);
          this.chunkLeft -= n;
          i += n;
          if (this.chunkLeft === 0) this.state = S_DATA_CR;
          break;
        }
        case S_DATA_CR:
          if (c !== 0x0d) throw new WireError("expected CRLF after chunk data", i, "EHTTP");
          this.state = S_DATA_LF;
          i++;
          break;
        case S_DATA_LF:
          if (c !== 0x0a) throw new WireError("expected CRLF after chunk data", i, "EHTTP");
          this.state = S_SIZE;
          i++;
          break;
        case S_TRAILER_START:
          // Either the final CRLF or a trailer field line.
          if (c === 0x0d) this.state = S_END_LF;
          else {
            this.lineLen = 1;
            this.state = S_TRAILER_LINE;
          }
          i++;
          break;
        case S_TRAILER_LINE:
          if (c === 0x0d) this.state = S_TRAILER_LF;
          else if (++this.lineLen > 16384 || c === 0x0a)
            throw new WireError("invalid trailer section", i, "EHTTP");
          i++;
          break;
        case S_TRAILER_LF:
          if (c !== 0x0a) throw new WireError("expected LF in trailer section", i, "EHTTP");
          this.state = S_TRAILER_START;
          i++;
          break;
        case S_END_LF:
          if (c !== 0x0a) throw new WireError("expected LF at end of chunked body", i, "EHTTP");
          this.state = S_DONE;
          this.done = true;
          i++;
          break;
      }
    }
    return i - start;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Encode one chunk (for re-framing a body the peer sent close-delimited to a keep-alive client). */
export function chunkHeader(len: number): Buffer {
  return Buffer.from(`${len.toString(16)}\r\n`, "latin1");
}

export const CRLF = Buffer.from("\r\n");
export const LAST_CHUNK = Buffer.from("0\r\n\r\n");
