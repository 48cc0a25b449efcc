import { Reader } from "../../lib/bytes/reader.ts";
import { WireError } from "../../lib/errors.ts";

/**
 * RFC 4506 decoding on top of the bounds-checked byte Reader. Every item is a multiple of four
 * bytes; variable-length items carry a length that is checked against the declared maximum
 * (`<max>` in the RFC's notation) before anything is read. Any failure throws WireError, which the
 * RPC dispatcher turns into GARBAGE_ARGS.
 */
export class XdrReader {
  readonly r: Reader;

  constructor(src: Buffer | Reader) {
    this.r = src instanceof Reader ? src : new Reader(src);
  }

  get remaining(): number {
    return this.r.remaining;
  }

  get pos(): number {
    return this.r.pos;
  }

  // RFC 4506 §4.1 integer, §4.2 unsigned integer
  u32(): number {
    return this.r.u32();
  }

  i32(): number {
    return this.r.i32();
  }

  // RFC 4506 §4.5 hyper integer and unsigned hyper integer
  u64(): bigint {
    return this.r.u64();
  }

  i64(): bigint {
    return BigInt.asIntN(64, this.r.u64());
  }

  // RFC 4506 §4.3 enumeration: an int; the caller checks the value set.
  enum(allowed: ReadonlySet<number>, what = "enum"): number {
    const at = this.r.pos;
    const v = this.r.i32();
    if (!allowed.has(v)) throw new WireError(`invalid ${what} value ${v}`, at);
    return v;
  }

  // RFC 4506 §4.4 boolean: enum { FALSE = 0, TRUE = 1 }
  bool(): boolean {
    const at = this.r.pos;
    const v = this.r.u32();
    if (v > 1) throw new WireError(`invalid boolean ${v}`, at);
    return v === 1;
  }

  // RFC 4506 §4.9 fixed-length opaque data (a view, not a copy)
  opaqueFixed(n: number, what = "opaque"): Buffer {
    const v = this.r.bytes(n, what);
    this.r.skip(pad(n));
    return v;
  }

  // RFC 4506 §4.10 variable-length opaque data, opaque<max>
  opaque(max: number, what = "opaque"): Buffer {
    const at = this.r.pos;
    const n = this.r.u32();
    if (n > max) throw new WireError(`${what} length ${n} exceeds the maximum ${max}`, at);
    this.r.need(n + pad(n), what);
    return this.opaqueFixed(n, what);
  }

  // RFC 4506 §4.11 string<max> (decoded as UTF-8; use opaque() when the bytes matter)
  string(max: number, what = "string"): string {
    return this.opaque(max, what).toString("utf8");
  }

  // RFC 4506 §4.13 variable-length array, T<max>
  array<T>(max: number, item: (x: XdrReader) => T, what = "array"): T[] {
    const at = this.r.pos;
    const n = this.r.u32();
    if (n > max) throw new WireError(`${what} count ${n} exceeds the maximum ${max}`, at);
    // Each element takes at least 4 bytes: refuse impossible counts before allocating.
    if (n * 4 > this.r.remaining) throw new WireError(`${what} count ${n} exceeds the data left`, at);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }

  // RFC 4506 §4.19 optional-data: *T, encoded as a union on a boolean
  optional<T>(item: (x: XdrReader) => T): T | undefined {
    return this.bool() ? item(this) : undefined;
  }

  /** Linked-list style lists (`entry *next`) as used by MOUNT and READDIR replies. */
  list<T>(item: (x: XdrReader) => T, max = 1 << 20): T[] {
    const out: T[] = [];
    while (this.bool()) {
      if (out.length >= max) throw new WireError(`list longer than ${max}`, this.r.pos);
      out.push(item(this));
    }
    return out;
  }

  /** The rest of the buffer (a view). */
  rest(): Buffer {
    return this.r.bytes(this.r.remaining, "rest");
  }
}

/** Padding after n bytes of opaque data (RFC 4506 §3: units of four bytes). */
export function pad(n: number): number {
  return (4 - (n & 3)) & 3;
}
