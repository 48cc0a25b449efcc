/**
 * Pre-encoded answers, per serving view (pipeline.ts keys a WeakMap on the view, so a reload that
 * swaps the view drops them). Authoritative answers depend only on the zone data, the question
 * (lower-cased) and a few header bits, so the bytes of a response can be replayed with the
 * query's ID and question letter case copied in. This is the one hand-tuned path of the server:
 * respond-bench.ts measures ~1.5M cached calls/s on one core against ~40k/s through the full
 * decode/lookup/encode path, and dnsperf needs ~100k/s to match BIND.
 */

import { COOKIE_OPTION } from "../engine/cookie.ts";

export interface CachedAnswer {
  /** The whole response (TCP, or UDP when it fits). */
  full: Buffer;
  /** Header + question + OPT with TC=1, for a UDP limit below full.length (absent when <= 512). */
  tc: Buffer | undefined;
}

/** Past either bound the cache is dropped all at once (a flood of distinct names, or of large
 *  answers over TCP, cannot grow memory without limit). */
const MAX_ENTRIES = 100_000;
const MAX_BYTES = 32 * 1024 * 1024;

export class AnswerCache {
  private readonly map = new Map<string, CachedAnswer>();
  private bytes = 0;

  get(key: string): CachedAnswer | undefined {
    return this.map.get(key);
  }

  put(key: string, full: Buffer, makeTc: () => Buffer): CachedAnswer {
    if (this.map.size >= MAX_ENTRIES || this.bytes >= MAX_BYTES) {
      this.map.clear();
      this.bytes = 0;
    }
    const e: CachedAnswer = { full, tc: full.length > 512 ? makeTc() : undefined };
    this.map.set(key, e);
    this.bytes += key.length + full.length + (e.tc?.length ?? 0) + 64;
    return e;
  }

  get size(): number {
    return this.map.size;
  }
}

export interface FastKey {
  key: string;
  /** Length of the question name in the packet (it starts at offset 12). */
  qnameLen: number;
  /** The EDNS payload size, or undefined without OPT. */
  ednsSize: number | undefined;
  /** Where the data of a COOKIE option sits in the query (not part of the key), if any. */
  cookieAt?: number;
  cookieLen?: number;
}

const scratch = Buffer.allocUnsafe(256 + 8);

/**
 * Recognise a plain query straight from the bytes (opcode QUERY, one question with an
 * uncompressed name, class IN, no answer/authority, at most an EDNS version 0 OPT, nothing after
 * it) and build its cache key: lower-cased qname wire + qtype + RD/CD/EDNS/DO/small-EDNS bits. Anything else
 * returns undefined and takes the slow path.
 */
export function fastKey(p: Buffer, udp: boolean): FastKey | undefined {
  const len = p.length;
  const f1 = p[2]!;
  const f2 = p[3]!;
  if ((f1 & 0xf8) !== 0) return undefined; // QR or opcode != QUERY
  if (p[4] !== 0 || p[5] !== 1 || p[6] !== 0 || p[7] !== 0 || p[8] !== 0 || p[9] !== 0 || p[10] !== 0)
    return undefined;
  const ar = p[11]!;
  if (ar > 1) return undefined;
  let pos = 12;
  let n = 0;
  for (;;) {
    if (pos >= len) return undefined;
    const l = p[pos]!;
    if (l > 63) return undefined;
    if (n + l + 1 > 255 || pos + l + 1 > len) return undefined;
    scratch[n++] = l;
    pos++;
    for (let i = 0; i < l; i++) {
      const c = p[pos++]!;
      scratch[n++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    if (l === 0) break;
  }
  const qnameLen = pos - 12;
  if (pos + 4 > len) return undefined;
  const qt1 = p[pos]!;
  const qt2 = p[pos + 1]!;
  if (p[pos + 2] !== 0 || p[pos + 3] !== 1) return undefined; // class IN only
  const qtype = (qt1 << 8) | qt2;
  if (qtype === 251 || qtype === 252 || qtype === 41 || qtype === 0) return undefined; // IXFR AXFR OPT
  pos += 4;
  let bits = (f1 & 0x01) | ((f2 & 0x10) >> 3); // RD, CD
  let ednsSize: number | undefined;
  let cookieAt: number | undefined;
  let cookieLen: number | undefined;
  if (ar === 1) {
    // root owner, type OPT, class = payload size, ext-rcode, version 0, flags, rdlength
    if (pos + 11 > len || p[pos] !== 0 || p[pos + 1] !== 0 || p[pos + 2] !== 41) return undefined;
    if (p[pos + 6] !== 0 || p[pos + 5] !== 0) return undefined; // version / ext-rcode
    ednsSize = (p[pos + 3]! << 8) | p[pos + 4]!;
    bits |= 0x04 | ((p[pos + 7]! & 0x80) >> 4) | (udp && ednsSize <= 512 ? 0x10 : 0);
    const rdlen = (p[pos + 9]! << 8) | p[pos + 10]!;
    pos += 11;
    // options: each must be well-formed (code, length, data), as the slow path checks
    const end = pos + rdlen;
    if (end !== len) return undefined;
    while (pos < end) {
      if (pos + 4 > end) return undefined;
      const olen = (p[pos + 2]! << 8) | p[pos + 3]!;
      if (p[pos] === 0 && p[pos + 1] === COOKIE_OPTION) {
        // one well-formed COOKIE rides along (engine/cookie.ts); anything odd: the slow path
        if (cookieAt !== undefined || (olen !== 8 && (olen < 16 || olen > 40))) return undefined;
        cookieAt = pos + 4;
        cookieLen = olen;
      }
      pos += 4 + olen;
    }
    if (pos !== end) return undefined;
  }
  if (pos !== len) return undefined;
  scratch[n++] = qt1;
  scratch[n++] = qt2;
  scratch[n++] = bits;
  const key = scratch.toString("latin1", 0, n);
  return cookieAt === undefined
    ? { key, qnameLen, ednsSize }
    : { key, qnameLen, ednsSize, cookieAt, cookieLen: cookieLen! };
}

/**
 * Add one EDNS option to an encoded response whose last record is its OPT (what encodeMessage
 * writes when not signing): OPT RDLENGTH grows, ARCOUNT does not change.
 */
export function appendOption(msg: Buffer, code: number, data: Buffer): Buffer {
  const opt = msg.length - 11;
  if (opt < 12 || msg[opt] !== 0 || msg.readUInt16BE(opt + 1) !== 41 || msg.readUInt16BE(opt + 9) !== 0)
    return msg;
  const out = Buffer.allocUnsafe(msg.length + 4 + data.length);
  msg.copy(out, 0);
  let at = msg.length;
  out.writeUInt16BE(code, at);
  out.writeUInt16BE(data.length, at + 2);
  data.copy(out, at + 4);
  at = msg.length - 2; // the OPT's RDLENGTH (it had no options: checked above)
  out.writeUInt16BE(out.readUInt16BE(at) + 4 + data.length, at);
  return out;
}

/** The cached answer for this query: ID and question letter case copied from the query. */
export function patchCached(e: CachedAnswer, query: Buffer, qnameLen: number, limit: number): Buffer {
  const src = e.full.length <= limit || e.tc === undefined ? e.full : e.tc;
  const out = Buffer.allocUnsafe(src.length);
  src.copy(out, 0, 0, src.length);
  out[0] = query[0]!;
  out[1] = query[1]!;
  query.copy(out, 12, 12, 12 + qnameLen);
  return out;
}
