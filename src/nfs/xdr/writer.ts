import { Writer } from "../../lib/bytes/writer.ts";
import { NetsvcError } from "../../lib/errors.ts";
import { pad } from "./reader.ts";

/**
 * RFC 4506 encoding on top of the growable byte Writer. Encoders trust their typed input except for
 * declared maxima, which are checked so that we never send what a peer must reject.
 */
export class XdrWriter {
  readonly w: Writer;

  constructor(w: Writer = new Writer(512)) {
    this.w = w;
  }

  get pos(): number {
    return this.w.pos;
  }

  u32(v: number): void {
    this.w.u32(v);
  }

  i32(v: number): void {
    this.w.i32(v);
  }

  u64(v: bigint | number): void {
    this.w.u64(BigInt(v));
  }

  i64(v: bigint | number): void {
    this.w.u64(BigInt.asUintN(64, BigInt(v)));
  }

  bool(v: boolean): void {
    this.w.u32(v ? 1 : 0);
  }

  opaqueFixed(b: Uint8Array): void {
    this.w.bytes(b);
    this.w.zeros(pad(b.length));
  }

  opaque(b: Uint8Array, max = 0xffffffff): void {
    if (b.length > max) throw new NetsvcError("EXDR", `opaque length ${b.length} exceeds the maximum ${max}`);
    this.w.u32(b.length);
    this.opaqueFixed(b);
  }

  string(s: string, max = 0xffffffff): void {
    this.opaque(Buffer.from(s, "utf8"), max);
  }

  array<T>(items: readonly T[], item: (x: XdrWriter, v: T) => void): void {
    this.w.u32(items.length);
    for (const v of items) item(this, v);
  }

  optional<T>(v: T | undefined, item: (x: XdrWriter, v: T) => void): void {
    this.bool(v !== undefined);
    if (v !== undefined) item(this, v);
  }

  /** `entry *next` lists: TRUE before each element, FALSE at the end. */
  list<T>(items: Iterable<T>, item: (x: XdrWriter, v: T) => void): void {
    for (const v of items) {
      this.bool(true);
      item(this, v);
    }
    this.bool(false);
  }

  /** Raw bytes already in XDR form (e.g. a cached reply body). */
  raw(b: Uint8Array): void {
    this.w.bytes(b);
  }

  /** A view of what was written (valid until the next write). */
  view(): Buffer {
    return this.w.view();
  }

  finish(): Buffer {
    return this.w.finish();
  }
}
