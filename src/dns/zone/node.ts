/**
 * The packed form of one zone node, stored in the zone's NodeTable arena (table.ts):
 *
 *   u8 ownerLen, ownerLen bytes   the owner's wire form in its original case (0 = same as the key)
 *   then per RRset:  u16 type, u32 ttl, u16 count, count x (u16 rdlength, rdata)
 *
 * rdata is the uncompressed wire form. An empty non-terminal packs to zero bytes.
 */

export interface RRset {
  type: number;
  ttl: number;
  /** Uncompressed wire rdata, one Buffer per record, in zone-file order. */
  rdata: Buffer[];
}

function start(p: Buffer): number {
  return p.length === 0 ? 0 : 1 + p[0]!;
}

/** Decode a node. The rdata Buffers are copies: they stay valid whatever the table does. */
export function decodeNode(p: Buffer): RRset[] {
  const out: RRset[] = [];
  let i = start(p);
  while (i < p.length) {
    const type = (p[i]! << 8) | p[i + 1]!;
    const ttl = p.readUInt32BE(i + 2);
    const count = (p[i + 6]! << 8) | p[i + 7]!;
    i += 8;
    const rdata: Buffer[] = [];
    for (let n = 0; n < count; n++) {
      const len = (p[i]! << 8) | p[i + 1]!;
      rdata.push(Buffer.from(p.subarray(i + 2, i + 2 + len)));
      i += 2 + len;
    }
    out.push({ type, ttl, rdata });
  }
  return out;
}

export function nodeHasType(p: Buffer, type: number): boolean {
  let i = start(p);
  while (i < p.length) {
    if (((p[i]! << 8) | p[i + 1]!) === type) return true;
    const count = (p[i + 6]! << 8) | p[i + 7]!;
    i += 8;
    for (let n = 0; n < count; n++) i += 2 + ((p[i]! << 8) | p[i + 1]!);
  }
  return false;
}

/** Pack a node. `owner` is the original-case wire name, or undefined when it equals the key. */
export function encodeNode(owner: Buffer | undefined, sets: readonly RRset[]): Buffer {
  if (sets.length === 0 && owner === undefined) return Buffer.alloc(0);
  let size = 1 + (owner?.length ?? 0);
  for (const s of sets) {
    size += 8;
    for (const r of s.rdata) size += 2 + r.length;
  }
  const out = Buffer.allocUnsafe(size);
  let i = 0;
  out[i++] = owner?.length ?? 0;
  if (owner !== undefined) i += owner.copy(out, i);
  for (const s of sets) {
    out.writeUInt16BE(s.type, i);
    out.writeUInt32BE(s.ttl >>> 0, i + 2);
    out.writeUInt16BE(s.rdata.length, i + 6);
    i += 8;
    for (const r of s.rdata) {
      out.writeUInt16BE(r.length, i);
      i += 2 + r.copy(out, i + 2);
    }
  }
  return out;
}

/** The owner part of a packed node, or undefined when it equals the key. */
export function nodeOwner(p: Buffer): Buffer | undefined {
  return p.length === 0 || p[0] === 0 ? undefined : Buffer.from(p.subarray(1, 1 + p[0]!));
}
