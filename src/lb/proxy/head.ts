import { WireError } from "../../lib/errors.ts";

/**
 * HTTP/1.x message heads (RFC 9112 §2-§5), parsed from raw bytes in one pass. Pure: no sockets.
 *
 * The parser is deliberately strict where laxity enables request smuggling (RFC 9112 §11.2):
 * obs-fold, whitespace before the colon, bare CR, invalid tokens and control characters are errors
 * (WireError, code EHTTP; the proxy answers 400 for a request, 502 for a response). A bare LF line
 * ending is accepted as RFC 9112 §2.2 allows.
 *
 * Speed matters here (every proxied request and response goes through it): fields are kept as
 * offsets into the buffer; the few names the proxy itself looks at (framing, hop-by-hop, Host) are
 * recognised while scanning, and strings for the others are only made when something asks
 * (ACLs, set-header, the hdr balance algorithm).
 */

/** Field kinds recognised while scanning (FK.other for every other name). */
export const FK = {
  other: 0,
  contentLength: 1,
  transferEncoding: 2,
  connection: 3,
  keepAlive: 4,
  te: 5,
  trailer: 6,
  upgrade: 7,
  proxy: 8,
  host: 9,
} as const;
export type FieldKind = (typeof FK)[keyof typeof FK];

export const KIND_BY_NAME: ReadonlyMap<string, FieldKind> = new Map<string, FieldKind>([
  ["content-length", FK.contentLength],
  ["transfer-encoding", FK.transferEncoding],
  ["connection", FK.connection],
  ["keep-alive", FK.keepAlive],
  ["te", FK.te],
  ["trailer", FK.trailer],
  ["upgrade", FK.upgrade],
  ["host", FK.host],
]);

/** Fields removed at each hop (RFC 9110 §7.6.1) and those that restate framing. */
export const HOP_KINDS =
  (1 << FK.connection) |
  (1 << FK.keepAlive) |
  (1 << FK.te) |
  (1 << FK.trailer) |
  (1 << FK.upgrade) |
  (1 << FK.proxy) |
  (1 << FK.transferEncoding);

export class Head {
  readonly buf: Buffer;
  /** Offsets of the head in buf: [start, end) including the final empty line. */
  readonly start: number;
  readonly end: number;
  version: 10 | 11 = 11;
  /** 5 numbers per field: kind, name start, name end, value start, value end. */
  readonly f: number[] = [];
  /** Bit set of the kinds present. */
  kinds = 0;
  /** Some line ended with a bare LF (the head must be re-serialised before it is forwarded). */
  bareLf = false;
  private _names: string[] | undefined;
  private _lower: string[] | undefined;
  private _values: string[] | undefined;

  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf;
    this.start = start;
    this.end = end;
  }

  get length(): number {
    return this.end - this.start;
  }

  get count(): number {
    return this.f.length / 5;
  }

  kind(i: number): FieldKind {
    return this.f[i * 5] as FieldKind;
  }

  name(i: number): string {
    return this.buf.toString("latin1", this.f[i * 5 + 1], this.f[i * 5 + 2]);
  }

  value(i: number): string {
    return this.buf.toString("latin1", this.f[i * 5 + 3], this.f[i * 5 + 4]);
  }

  /** Field names as received, lower-cased names and values: made on first use. */
  get names(): string[] {
    if (this._names === undefined) {
      const n: string[] = [];
      for (let i = 0; i < this.count; i++) n.push(this.name(i));
      this._names = n;
    }
    return this._names;
  }

  get lower(): string[] {
    this._lower ??= this.names.map((s) => s.toLowerCase());
    return this._lower;
  }

  get values(): string[] {
    if (this._values === undefined) {
      const v: string[] = [];
      for (let i = 0; i < this.count; i++) v.push(this.value(i));
      this._values = v;
    }
    return this._values;
  }
}

export class RequestHead extends Head {
  method = "";
  target = "";
}

export class ResponseHead extends Head {
  status = 0;
  /** Offsets of the reason phrase. */
  reasonStart = 0;
  reasonEnd = 0;
  get reason(): string {
    return this.buf.toString("latin1", this.reasonStart, this.reasonEnd);
  }
}

/** tchar (RFC 9110 §5.6.2) */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (TCHAR[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/**
 * Find the end of a head that starts at `start`. Returns the offset just past the empty line, or -1
 * if the head is not complete yet.
 */
export function findHeadEnd(buf: Buffer, start: number, end: number): number {
  // Every line ends with LF; the head ends at the first LF followed by LF or CRLF.
  for (let i = start; i < end; i++) {
    if (buf[i] !== 10) continue;
    const c = buf[i + 1];
    if (c === 10) return i + 2 <= end ? i + 2 : -1;
    if (c === 13 && buf[i + 2] === 10) return i + 3 <= end ? i + 3 : -1;
  }
  return -1;
}

const bad = (msg: string, at: number): WireError => new WireError(msg, at, "EHTTP");

/** End of the line starting at `pos` (offset of its LF) and its content end (CR stripped). */
function lineEnd(buf: Buffer, pos: number, end: number): number {
  for (let i = pos; i < end; i++) if (buf[i] === 10) return i;
  throw bad("unterminated line", pos);
}

/** Known names by length, so that most fields are classified by one comparison or none. */
const KIND_BY_LEN: (readonly [string, FieldKind])[][] = [];
for (const [name, kind] of KIND_BY_NAME) (KIND_BY_LEN[name.length] ??= []).push([name, kind]);

/** buf[s, s+name.length) equals `name` (lower-case ASCII) ignoring ASCII case. */
function eqLower(buf: Buffer, s: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    let c = buf[s + i]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== name.charCodeAt(i)) return false;
  }
  return true;
}

/** Kind of the field name buf[s, e) (ASCII case-insensitive). */
function kindOf(buf: Buffer, s: number, e: number): FieldKind {
  const len = e - s;
  if (len > 6 && eqLower(buf, s, "proxy-")) return FK.proxy;
  const list = KIND_BY_LEN[len];
  if (list === undefined) return FK.other;
  for (const [name, kind] of list) if (eqLower(buf, s, name)) return kind;
  return FK.other;
}

/** Parse the field lines from `pos` up to the empty line at the end of the head. */
function parseFields(h: Head, pos: number): void {
  const buf = h.buf;
  const end = h.end;
  for (;;) {
    if (pos >= end) throw bad("unterminated head", pos);
    const c = buf[pos]!;
    // The empty line ends the head.
    if (c === 10) return;
    if (c === 13 && buf[pos + 1] === 10) return;
    if (c === 0x20 || c === 0x09) throw bad("obsolete line folding", pos);
    let i = pos;
    while (i < end && TCHAR[buf[i]!] === 1) i++;
    if (i === pos || i >= end || buf[i] !== 0x3a) throw bad("malformed header line", pos);
    const nameEnd = i;
    i++;
    while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
    // One pass over the value: validate, find the line end, remember the last non-blank byte.
    let ve = i;
    let j = i;
    for (; j < end; j++) {
      const b = buf[j]!;
      if (b >= 0x21 && b !== 0x7f) ve = j + 1;
      else if (b === 10) break;
      else if (b === 13) {
        if (buf[j + 1] !== 10) throw bad("bare CR in header value", j);
      } else if (b !== 0x20 && b !== 0x09) throw bad("invalid character in header value", j);
    }
    if (j >= end) throw bad("unterminated line", pos);
    const lf = j;
    if (buf[lf - 1] !== 13) h.bareLf = true;
    const kind = kindOf(buf, pos, nameEnd);
    h.kinds |= 1 << kind;
    h.f.push(kind, pos, nameEnd, i, ve);
    pos = lf + 1;
  }
}

function parseVersion(buf: Buffer, s: number, e: number): 10 | 11 {
  if (
    e - s === 8 &&
    buf[s] === 0x48 &&
    buf[s + 1] === 0x54 &&
    buf[s + 2] === 0x54 &&
    buf[s + 3] === 0x50 &&
    buf[s + 4] === 0x2f &&
    buf[s + 5] === 0x31 &&
    buf[s + 6] === 0x2e
  ) {
    if (buf[s + 7] === 0x31) return 11;
    if (buf[s + 7] === 0x30) return 10;
  }
  throw bad("unsupported protocol version", s);
}

/** Parse a request head occupying buf[start, headEnd). */
export function parseRequestHead(buf: Buffer, start: number, headEnd: number): RequestHead {
  const h = new RequestHead(buf, start, headEnd);
  const lf = lineEnd(buf, start, headEnd);
  const le = lf > start && buf[lf - 1] === 13 ? lf - 1 : lf;
  if (le === lf) h.bareLf = true;
  let i = start;
  while (i < le && TCHAR[buf[i]!] === 1) i++;
  if (i === start || buf[i] !== 0x20) throw bad("malformed request line", start);
  h.method = buf.toString("latin1", start, i);
  const ts = i + 1;
  let j = ts;
  while (j < le) {
    const b = buf[j]!;
    if (b === 0x20) break;
    if (b <= 0x20 || b === 0x7f) throw bad("invalid request target", j);
    j++;
  }
  if (j === ts || j >= le) throw bad("malformed request line", start);
  h.target = buf.toString("latin1", ts, j);
  h.version = parseVersion(buf, j + 1, le);
  parseFields(h, lf + 1);
  return h;
}

/** Parse a response head occupying buf[start, headEnd). */
export function parseResponseHead(buf: Buffer, start: number, headEnd: number): ResponseHead {
  const h = new ResponseHead(buf, start, headEnd);
  const lf = lineEnd(buf, start, headEnd);
  const le = lf > start && buf[lf - 1] === 13 ? lf - 1 : lf;
  if (le - start < 12 || buf[start + 8] !== 0x20) throw bad("malformed status line", start);
  h.version = parseVersion(buf, start, start + 8);
  const d0 = buf[start + 9]! - 0x30;
  const d1 = buf[start + 10]! - 0x30;
  const d2 = buf[start + 11]! - 0x30;
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) throw bad("invalid status code", start + 9);
  h.status = d0 * 100 + d1 * 10 + d2;
  if (le > start + 12 && buf[start + 12] !== 0x20) throw bad("malformed status line", start);
  h.reasonStart = Math.min(start + 13, le);
  h.reasonEnd = le;
  for (let j = h.reasonStart; j < le; j++) {
    const b = buf[j]!;
    if (b < 0x20 ? b !== 0x09 : b === 0x7f) throw bad("invalid reason phrase", j);
  }
  parseFields(h, lf + 1);
  return h;
}

function kindOfLower(lower: string): FieldKind | undefined {
  if (lower.startsWith("proxy-")) return undefined;
  return KIND_BY_NAME.get(lower);
}

/** Index of the first field with this lower-case name, or -1. */
export function fieldIndex(h: Head, lower: string): number {
  const k = kindOfLower(lower);
  if (k !== undefined) {
    if ((h.kinds & (1 << k)) === 0) return -1;
    for (let i = 0; i < h.count; i++) if (h.f[i * 5] === k) return i;
    return -1;
  }
  return h.lower.indexOf(lower);
}

/** All values of a field joined as a list (RFC 9110 §5.3), or undefined when absent. */
export function fieldValue(h: Head, lower: string): string | undefined {
  const k = kindOfLower(lower);
  if (k !== undefined && (h.kinds & (1 << k)) === 0) return undefined;
  let out: string | undefined;
  for (let i = 0; i < h.count; i++) {
    const match = k !== undefined ? h.f[i * 5] === k : h.lower[i] === lower;
    if (match) out = out === undefined ? h.value(i) : `${out}, ${h.value(i)}`;
  }
  return out;
}

/** The comma-separated tokens of a list field, lower-cased. */
export function fieldTokens(h: Head, lower: string): string[] {
  const v = fieldValue(h, lower);
  if (v === undefined) return [];
  const out: string[] = [];
  for (const s of v.split(",")) {
    const t = s.trim().toLowerCase();
    if (t !== "") out.push(t);
  }
  return out;
}

/** True when the head has a field of this kind. */
export function hasKind(h: Head, k: FieldKind): boolean {
  return (h.kinds & (1 << k)) !== 0;
}
