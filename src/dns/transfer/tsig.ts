import { createHmac, timingSafeEqual } from "node:crypto";
import { Reader } from "../../lib/bytes/reader.ts";
import { WireError } from "../../lib/errors.ts";
import { keyOf, nameFromText, readName } from "../wire/name.ts";

/**
 * TSIG (RFC 8945): HMAC signatures over DNS messages, on the raw bytes (a TSIG MAC covers the
 * message exactly as sent, so this works on Buffers, not on decoded Messages). Pure: the caller
 * passes the time.
 *
 *   request    MAC = HMAC(message-without-TSIG || variables)
 *   response   MAC = HMAC(u16 len || request MAC || message-without-TSIG || variables)
 *   next msgs  MAC = HMAC(u16 len || prior MAC || messages since the prior MAC || timers)   (5.3.1)
 *
 * "message-without-TSIG" has ARCOUNT decremented and the ID set back to the TSIG's Original ID.
 */

export const TSIG_TYPE = 250;
const CLASS_ANY = 255;

// RFC 8945 §4.2 / RFC 2845 / RFC 8945 §5.3.2: TSIG error values
export const TsigError = { NOERROR: 0, BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;

export const ALGORITHMS: Record<string, { hash: string; size: number }> = {
  "hmac-sha256": { hash: "sha256", size: 32 },
  "hmac-sha1": { hash: "sha1", size: 20 },
  "hmac-sha512": { hash: "sha512", size: 64 },
  "hmac-sha384": { hash: "sha384", size: 48 },
  "hmac-sha224": { hash: "sha224", size: 28 },
  "hmac-md5.sig-alg.reg.int": { hash: "md5", size: 16 },
};

/** BIND accepts `hmac-md5` for the RFC 2845 name. */
export function algorithmName(text: string): string | undefined {
  const t = text.toLowerCase().replace(/\.$/, "");
  if (t === "hmac-md5") return "hmac-md5.sig-alg.reg.int";
  return ALGORITHMS[t] !== undefined ? t : undefined;
}

export interface TsigKey {
  /** Presentation form, lower case, no trailing dot (`xfr-key`). */
  name: string;
  /** Canonical (lower-case) wire form of the name. */
  nameWire: Buffer;
  /** A key of ALGORITHMS. */
  algorithm: string;
  secret: Buffer;
}

export function makeKey(name: string, algorithm: string, secret: Buffer): TsigKey {
  const n = name.toLowerCase().replace(/\.$/, "");
  const alg = algorithmName(algorithm);
  if (alg === undefined) throw new Error(`unknown TSIG algorithm '${algorithm}'`);
  return { name: n, nameWire: nameFromText(n + "."), algorithm: alg, secret };
}

/** The keys a server knows, by the key of their name (wire key, see name.ts). */
export type Keyring = ReadonlyMap<string, TsigKey>;

export interface TsigRecord {
  keyName: Buffer;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

function algWire(alg: string): Buffer {
  return nameFromText(alg + ".");
}

function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}

function u16b(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** TSIG rdata (RFC 8945 §4.2). */
export function encodeTsigRdata(r: TsigRecord): Buffer {
  return Buffer.concat([
    algWire(r.algorithm),
    u48(r.timeSigned),
    u16b(r.fudge),
    u16b(r.mac.length),
    r.mac,
    u16b(r.originalId),
    u16b(r.error),
    u16b(r.other.length),
    r.other,
  ]);
}

/** Skip one (possibly compressed) name without expanding it. */
function skipName(buf: Buffer, pos: number): number {
  for (;;) {
    if (pos >= buf.length) throw new WireError("truncated name", pos);
    const l = buf[pos]!;
    if (l >= 0xc0) return pos + 2;
    if (l > 63) throw new WireError("bad label type", pos);
    pos += 1 + l;
    if (l === 0) return pos;
  }
}

export interface FoundTsig {
  /** Offset where the TSIG RR starts (everything before it is what the MAC covers). */
  start: number;
  rec: TsigRecord;
}

/**
 * Find the TSIG record of a raw message: it must be the last record of the additional section
 * (RFC 8945 §5.1); one anywhere else is a FORMERR (thrown as WireError). Undefined when unsigned.
 */
export function findTsig(p: Buffer): FoundTsig | undefined {
  if (p.length < 12) return undefined;
  const qd = p.readUInt16BE(4);
  const total = p.readUInt16BE(6) + p.readUInt16BE(8) + p.readUInt16BE(10);
  let pos = 12;
  for (let i = 0; i < qd; i++) pos = skipName(p, pos) + 4;
  for (let i = 0; i < total; i++) {
    const start = pos;
    pos = skipName(p, pos);
    if (pos + 10 > p.length) throw new WireError("truncated record", pos);
    const type = p.readUInt16BE(pos);
    const rdlen = p.readUInt16BE(pos + 8);
    const end = pos + 10 + rdlen;
    if (end > p.length) throw new WireError("truncated rdata", pos);
    if (type === TSIG_TYPE) {
      if (i !== total - 1 || end !== p.length) throw new WireError("TSIG is not the last record", start);
      const r = new Reader(p, start, end);
      const keyName = readName(r);
      r.skip(10);
      const algorithm = keyOf(readName(r));
      const hi = r.u16();
      const timeSigned = hi * 0x100000000 + r.u32();
      const fudge = r.u16();
      const mac = Buffer.from(r.bytes(r.u16(), "TSIG MAC"));
      const originalId = r.u16();
      const error = r.u16();
      const other = Buffer.from(r.bytes(r.u16(), "TSIG other data"));
      if (r.remaining !== 0) throw new WireError("TSIG rdata too long", r.pos);
      return {
        start,
        rec: { keyName, algorithm: algText(algorithm), timeSigned, fudge, mac, originalId, error, other },
      };
    }
    pos = end;
  }
  return undefined;
}

/** Algorithm key (wire, latin1) -> presentation name without the trailing dot. */
function algText(key: string): string {
  const parts: string[] = [];
  for (let i = 0; i < key.length && key.charCodeAt(i) !== 0; i += 1 + key.charCodeAt(i))
    parts.push(key.slice(i + 1, i + 1 + key.charCodeAt(i)));
  return parts.join(".");
}

/** The message as the MAC sees it: without the TSIG RR, ARCOUNT - 1, the original ID. */
export function stripTsig(p: Buffer, found: FoundTsig): Buffer {
  const out = Buffer.from(p.subarray(0, found.start));
  out.writeUInt16BE(found.rec.originalId, 0);
  out.writeUInt16BE(out.readUInt16BE(10) - 1, 10);
  return out;
}

function variables(key: TsigKey, time: number, fudge: number, error: number, other: Buffer): Buffer {
  return Buffer.concat([
    key.nameWire,
    u16b(CLASS_ANY),
    Buffer.alloc(4), // TTL 0
    algWire(key.algorithm),
    u48(time),
    u16b(fudge),
    u16b(error),
    u16b(other.length),
    other,
  ]);
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const h = createHmac(ALGORITHMS[key.algorithm]!.hash, key.secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

export interface SignOptions {
  time: number;
  fudge?: number;
  /** For a response: the request's MAC (absent for a request). */
  requestMac?: Buffer | undefined;
  error?: number;
  other?: Buffer;
  /** Sign as a continuation of a multi-message answer (RFC 8945 §5.3.1): timers only, `prior` MAC. */
  prior?: Buffer | undefined;
  /** Messages since the prior MAC that went unsigned (continuation only). */
  unsigned?: Buffer[];
}

/** Compute the MAC for an unsigned message (its bytes as they will be sent, before the TSIG). */
export function computeMac(msg: Buffer, key: TsigKey, o: SignOptions): Buffer {
  const fudge = o.fudge ?? 300;
  if (o.prior !== undefined)
    return hmac(key, [u16b(o.prior.length), o.prior, ...(o.unsigned ?? []), msg, u48(o.time), u16b(fudge)]);
  const head = o.requestMac !== undefined ? [u16b(o.requestMac.length), o.requestMac] : [];
  return hmac(key, [...head, msg, variables(key, o.time, fudge, o.error ?? 0, o.other ?? Buffer.alloc(0))]);
}

/** Append a TSIG RR to a complete unsigned message. `mac` = null sends an empty MAC (BADKEY/BADSIG). */
export function appendTsig(msg: Buffer, key: TsigKey, o: SignOptions, mac: Buffer | null): Buffer {
  const rdata = encodeTsigRdata({
    keyName: key.nameWire,
    algorithm: key.algorithm,
    timeSigned: o.time,
    fudge: o.fudge ?? 300,
    mac: mac ?? Buffer.alloc(0),
    originalId: msg.readUInt16BE(0),
    error: o.error ?? 0,
    other: o.other ?? Buffer.alloc(0),
  });
  const rr = Buffer.alloc(10);
  rr.writeUInt16BE(TSIG_TYPE, 0);
  rr.writeUInt16BE(CLASS_ANY, 2);
  rr.writeUInt32BE(0, 4);
  rr.writeUInt16BE(rdata.length, 8);
  const out = Buffer.concat([msg, key.nameWire, rr, rdata]);
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
}

/** Sign a message; returns the signed bytes and the MAC (kept for the next message). */
export function sign(msg: Buffer, key: TsigKey, o: SignOptions): { buf: Buffer; mac: Buffer } {
  const mac = computeMac(msg, key, o);
  return { buf: appendTsig(msg, key, o, mac), mac };
}

export type VerifyResult =
  | { status: "unsigned" }
  | { status: "ok"; key: TsigKey; mac: Buffer; rec: TsigRecord }
  /** BADKEY / BADSIG / BADTIME: the error response must carry this TSIG error (RCODE NOTAUTH). */
  | { status: "error"; error: number; key: TsigKey | undefined; rec: TsigRecord }
  | { status: "formerr" };

function macOk(got: Buffer, want: Buffer): boolean {
  // RFC 8945 §5.2.2.1: a truncated MAC must keep at least max(10, half) bytes; netsvc compares
  // the full length only (BIND and Knot send full MACs by default).
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * Verify a signed request (RFC 8945 §5.2): key known and algorithm matching (else BADKEY), MAC
 * (else BADSIG), time within fudge (else BADTIME — checked last, as the RFC orders it).
 */
export function verifyRequest(p: Buffer, keys: Keyring, now: number): VerifyResult {
  let found: FoundTsig | undefined;
  try {
    found = findTsig(p);
  } catch {
    return { status: "formerr" };
  }
  if (found === undefined) return { status: "unsigned" };
  const rec = found.rec;
  const key = keys.get(keyOf(rec.keyName));
  if (key === undefined || key.algorithm !== rec.algorithm)
    return { status: "error", error: TsigError.BADKEY, key: undefined, rec };
  const want = computeMac(stripTsig(p, found), key, {
    time: rec.timeSigned,
    fudge: rec.fudge,
    error: rec.error,
    other: rec.other,
  });
  if (!macOk(rec.mac, want)) return { status: "error", error: TsigError.BADSIG, key: undefined, rec };
  if (Math.abs(now - rec.timeSigned) > rec.fudge)
    return { status: "error", error: TsigError.BADTIME, key, rec };
  return { status: "ok", key, mac: rec.mac, rec };
}

/**
 * The client side of a (possibly multi-message) signed answer: every message is fed in order; the
 * first must be signed, and at most 99 unsigned ones may follow a signed one (RFC 8945 §5.3.1).
 * `feed` returns an error string when the answer must be rejected; `done` checks the last was signed.
 */
export class ResponseVerifier {
  private prior: Buffer;
  private pending: Buffer[] = [];
  private first = true;
  private readonly key: TsigKey;

  constructor(key: TsigKey, requestMac: Buffer) {
    this.key = key;
    this.prior = requestMac;
  }

  feed(p: Buffer, now: number): string | undefined {
    let found: FoundTsig | undefined;
    try {
      found = findTsig(p);
    } catch (e) {
      return `malformed TSIG: ${String(e)}`;
    }
    if (found === undefined) {
      if (this.first) return "the answer is not signed";
      this.pending.push(p);
      if (this.pending.length >= 100) return "more than 99 unsigned messages in a row";
      return undefined;
    }
    const rec = found.rec;
    if (keyOf(rec.keyName) !== keyOf(this.key.nameWire) || rec.algorithm !== this.key.algorithm)
      return `answer signed with another key (${algText(keyOf(rec.keyName))})`;
    if (rec.error !== 0 && rec.mac.length === 0) return `TSIG error ${rec.error} from the server`;
    const msg = stripTsig(p, found);
    const want = this.first
      ? computeMac(msg, this.key, {
          time: rec.timeSigned,
          fudge: rec.fudge,
          requestMac: this.prior,
          error: rec.error,
          other: rec.other,
        })
      : computeMac(msg, this.key, {
          time: rec.timeSigned,
          fudge: rec.fudge,
          prior: this.prior,
          unsigned: this.pending,
        });
    if (!macOk(rec.mac, want)) return "bad TSIG signature on the answer (BADSIG)";
    if (rec.error !== 0) return `TSIG error ${rec.error} from the server`;
    if (Math.abs(now - rec.timeSigned) > rec.fudge) return "answer signed outside the time window (BADTIME)";
    this.first = false;
    this.pending = [];
    this.prior = rec.mac;
    return undefined;
  }

  /** Whether the answer ended on a signed message. */
  complete(): boolean {
    return !this.first && this.pending.length === 0;
  }
}

/**
 * The server side of a multi-message answer: the first message is signed with the request MAC,
 * every following one as a continuation (BIND signs every message; so does this).
 */
export class ResponseSigner {
  private prior: Buffer;
  private first = true;
  private readonly key: TsigKey;
  private readonly time: number;

  constructor(key: TsigKey, requestMac: Buffer, time: number) {
    this.key = key;
    this.prior = requestMac;
    this.time = time;
  }

  sign(msg: Buffer): Buffer {
    const o: SignOptions = this.first
      ? { time: this.time, requestMac: this.prior }
      : { time: this.time, prior: this.prior };
    const r = sign(msg, this.key, o);
    this.first = false;
    this.prior = r.mac;
    return r.buf;
  }
}
