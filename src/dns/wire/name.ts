import type { Reader } from "../../lib/bytes/reader.ts";
import type { Writer } from "../../lib/bytes/writer.ts";
import { NetsvcError, WireError } from "../../lib/errors.ts";

/**
 * Domain names (RFC 1035 3.1, 4.1.4). A name is carried as its uncompressed wire form in a Buffer
 * (labels with length bytes, ending in the root's zero byte), in its original case. Its *key* is the
 * same bytes lower-cased (ASCII only, RFC 4343) as a latin1 string: what zones and caches index by.
 */

export const MAX_NAME = 255;
export const MAX_LABEL = 63;
export const ROOT = Buffer.from([0]);

/** Thrown for a name that cannot be written in presentation form (zone files, tests). */
export class NameError extends NetsvcError {
  constructor(message: string) {
    super("EBADNAME", message);
    this.name = "NameError";
  }
}

const scratch = Buffer.allocUnsafe(MAX_NAME + 1);

/** Lower-case (ASCII) the bytes buf[start..end) into a latin1 key string. */
export function keyOfBytes(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  for (let i = 0; i < n; i++) {
    const c = buf[start + i]!;
    scratch[i] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
  }
  return scratch.toString("latin1", 0, n);
}

export function keyOf(wire: Buffer): string {
  return keyOfBytes(wire, 0, wire.length);
}

/** The parent of a key ("" past the root). */
export function parentKey(key: string): string {
  return key.slice(1 + key.charCodeAt(0));
}

export function labelCount(key: string): number {
  let n = 0;
  for (let i = 0; i < key.length && key.charCodeAt(i) !== 0; i += 1 + key.charCodeAt(i)) n++;
  return n;
}

/** True when `key` equals `ancestor` or lies below it. */
export function isSubdomain(key: string, ancestor: string): boolean {
  if (!key.endsWith(ancestor)) return false;
  // must end on a label boundary
  let i = 0;
  const cut = key.length - ancestor.length;
  while (i < cut) i += 1 + key.charCodeAt(i);
  return i === cut;
}

/** Replace the first `skip` bytes (leading labels) of wire `name` by `prefix` wire labels. */
export function concatNames(prefixLabels: Buffer, suffix: Buffer): Buffer | undefined {
  if (prefixLabels.length + suffix.length > MAX_NAME) return undefined;
  return Buffer.concat([prefixLabels, suffix]);
}

// ---------------------------------------------------------------------------- wire

/**
 * Read a possibly compressed name at r.pos (RFC 1035 4.1.4). Pointers must point backwards (so a
 * loop is impossible) and the expanded name must fit 255 bytes. Returns the uncompressed wire form.
 */
export function readName(r: Reader): Buffer {
  const buf = r.buf;
  let pos = r.pos;
  let out = 0;
  let jumped = false;
  let limit = pos; // pointers must go strictly below the position of the current name part
  for (;;) {
    if (pos >= r.end) throw new WireError("truncated name", pos);
    const len = buf[pos]!;
    if (len >= 0xc0) {
      if (pos + 1 >= r.end) throw new WireError("truncated compression pointer", pos);
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= limit) throw new WireError("compression pointer does not point backwards", pos);
      if (!jumped) r.pos = pos + 2;
      jumped = true;
      limit = target;
      pos = target;
      continue;
    }
    if (len > MAX_LABEL) throw new WireError(`bad label type 0x${len.toString(16)}`, pos);
    if (pos + 1 + len > r.end) throw new WireError("truncated label", pos);
    if (out + 1 + len > MAX_NAME) throw new WireError("name longer than 255 bytes", pos);
    buf.copy(scratch, out, pos, pos + 1 + len);
    out += 1 + len;
    pos += 1 + len;
    if (len === 0) break;
  }
  if (!jumped) r.pos = pos;
  return Buffer.from(scratch.subarray(0, out));
}

/**
 * Name compression for one message being written: remembers where each suffix was written.
 * Only offsets below 0x4000 can be pointed at.
 */
export class Compressor {
  private readonly seen = new Map<string, number>();

  reset(): void {
    this.seen.clear();
  }

  /** Remember a name already present in the message at `offset` (e.g. the question). */
  note(wire: Buffer, offset: number): void {
    let i = 0;
    while (wire[i] !== 0 && i < wire.length) {
      if (offset + i >= 0x4000) return;
      const k = keyOfBytes(wire, i, wire.length);
      if (!this.seen.has(k)) this.seen.set(k, offset + i);
      i += 1 + wire[i]!;
    }
  }

  write(w: Writer, wire: Buffer): void {
    let i = 0;
    while (i < wire.length && wire[i] !== 0) {
      const k = keyOfBytes(wire, i, wire.length);
      const at = this.seen.get(k);
      if (at !== undefined) {
        w.u16(0xc000 | at);
        return;
      }
      if (w.pos < 0x4000) this.seen.set(k, w.pos);
      const len = wire[i]!;
      w.bytes(wire.subarray(i, i + 1 + len));
      i += 1 + len;
    }
    w.u8(0);
  }
}

// ---------------------------------------------------------------------------- text

const SPECIAL = new Set([0x2e, 0x5c, 0x22, 0x3b, 0x28, 0x29, 0x40, 0x24, 0x20]); // . \ " ; ( ) @ $ space

/** Presentation form of one label's bytes (RFC 1035 5.1 escapes). */
export function labelToText(buf: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c <= 0x20 || c >= 0x7f) s += "\\" + String(c).padStart(3, "0");
    else if (SPECIAL.has(c)) s += "\\" + String.fromCharCode(c);
    else s += String.fromCharCode(c);
  }
  return s;
}

/** Absolute presentation form (`www.example.com.`, `.` for the root). */
export function nameToText(wire: Uint8Array, start = 0): string {
  let s = "";
  let i = start;
  while (i < wire.length && wire[i] !== 0) {
    const len = wire[i]!;
    s += labelToText(wire, i + 1, i + 1 + len) + ".";
    i += 1 + len;
  }
  return s === "" ? "." : s;
}

/**
 * Parse a presentation-form name. A name without a trailing dot is relative to `origin` (wire
 * form); without an origin it is an error. Escapes: `\X` (X literal) and `\DDD` (decimal byte).
 * `@` is the zone parser's business, not this function's.
 */
export function nameFromText(text: string, origin?: Buffer): Buffer {
  if (text === ".") return ROOT;
  if (text === "") throw new NameError("empty name");
  const out: number[] = [];
  let label: number[] = [];
  let absolute = false;
  const endLabel = (): void => {
    if (label.length === 0) throw new NameError(`empty label in '${text}'`);
    if (label.length > MAX_LABEL) throw new NameError(`label longer than 63 bytes in '${text}'`);
    out.push(label.length, ...label);
    label = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c) {
      const d = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d)) {
        const v = Number(d);
        if (v > 255) throw new NameError(`bad escape '\\${d}' in '${text}'`);
        label.push(v);
        i += 3;
      } else if (i + 1 < text.length) {
        label.push(text.charCodeAt(i + 1) & 0xff);
        i += 1;
      } else throw new NameError(`trailing backslash in '${text}'`);
    } else if (ch === 0x2e) {
      endLabel();
      if (i === text.length - 1) absolute = true;
    } else {
      if (ch > 0xff) throw new NameError(`non-latin1 character in '${text}'`);
      label.push(ch);
    }
  }
  if (!absolute) endLabel();
  let wire: Buffer;
  if (absolute) {
    out.push(0);
    wire = Buffer.from(out);
  } else {
    if (origin === undefined) throw new NameError(`relative name '${text}' without an origin`);
    wire = Buffer.concat([Buffer.from(out), origin]);
  }
  if (wire.length > MAX_NAME) throw new NameError(`name '${text}' is longer than 255 bytes`);
  return wire;
}

/** The key of a presentation-form name (absolute; a missing trailing dot is allowed). */
export function keyFromText(text: string): string {
  return keyOf(nameFromText(text.endsWith(".") ? text : text + ".", ROOT));
}
