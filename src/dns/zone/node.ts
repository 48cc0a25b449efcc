/**
 * The packed form of one zone node: a latin1 string (one byte per char), far smaller in V8 than an
 * object graph of RRsets and Buffers.
 *
 *   u8 ownerLen, ownerLen bytes   the owner's wire form in its original case (0 = same as the key)
 *   then per RRset:  u16 type, u32 ttl, u16 count, count x (u16 rdlength, rdata)
 *
 * rdata is the uncompressed wire form. An empty non-terminal packs to "" (no owner byte at all).
 */

export interface RRset {
  type: number;
  ttl: number;
  /** Uncompressed wire rdata, one Buffer per record, in zone-file order. */
  rdata: Buffer[];
}

function u16(s: string, i: number): number {
  return (s.charCodeAt(i) << 8) | s.charCodeAt(i + 1);
}

function u32(s: string, i: number): number {
  return ((u16(s, i) << 16) >>> 0) + u16(s, i + 2);
}

function start(packed: string): number {
  return packed.length === 0 ? 0 : 1 + packed.charCodeAt(0);
}

export function decodeNode(packed: string): RRset[] {
  const out: RRset[] = [];
  let i = start(packed);
  while (i < packed.length) {
    const type = u16(packed, i);
    const ttl = u32(packed, i + 2);
    const count = u16(packed, i + 6);
    i += 8;
    const rdata: Buffer[] = [];
    for (let n = 0; n < count; n++) {
      const len = u16(packed, i);
      rdata.push(Buffer.from(packed.slice(i + 2, i + 2 + len), "latin1"));
      i += 2 + len;
    }
    out.push({ type, ttl, rdata });
  }
  return out;
}

export function nodeHasType(packed: string, type: number): boolean {
  let i = start(packed);
  while (i < packed.length) {
    if (u16(packed, i) === type) return true;
    const count = u16(packed, i + 6);
    i += 8;
    for (let n = 0; n < count; n++) i += 2 + u16(packed, i);
  }
  return false;
}

function h16(v: number): string {
  return String.fromCharCode((v >>> 8) & 0xff, v & 0xff);
}

/** Pack a node. `owner` is the original-case wire name as latin1, or "" when it equals the key. */
export function encodeNode(owner: string, sets: readonly RRset[]): string {
  if (sets.length === 0 && owner === "") return "";
  const parts: string[] = [String.fromCharCode(owner.length), owner];
  for (const s of sets) {
    parts.push(h16(s.type), h16(s.ttl >>> 16), h16(s.ttl & 0xffff), h16(s.rdata.length));
    for (const r of s.rdata) parts.push(h16(r.length), r.toString("latin1"));
  }
  return parts.join("");
}

/** The owner part of a packed node ("" when it equals the key). */
export function nodeOwner(packed: string): string {
  return packed.length === 0 ? "" : packed.slice(1, 1 + packed.charCodeAt(0));
}
