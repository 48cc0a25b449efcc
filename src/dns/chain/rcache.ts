/**
 * Pre-encoded answers that came from the resolver, the recursive twin of cache.ts: same key (the
 * query's bytes: qname, qtype, RD/CD/EDNS/DO bits), but each entry remembers where the TTL fields
 * are, so a hit is a copy plus a few 32-bit writes that count the TTLs down, and it expires with
 * its shortest TTL. Per serving view (a reload drops them; the resolver's RRset cache stays), and
 * bounded like the authoritative answer cache.
 */

export interface RecursiveAnswer {
  full: Buffer;
  /** Header + question + OPT with TC=1 (for UDP limits below full.length). */
  tc: Buffer | undefined;
  ttlAt: Uint16Array;
  ttls: Uint32Array;
  /** When it was encoded, and when its shortest TTL runs out (ms). */
  stored: number;
  expires: number;
}

const MAX_ENTRIES = 100_000;
/** Encoded bytes kept at most (answers can be 64 KiB over TCP): past it the cache starts over. */
const MAX_BYTES = 64 * 1024 * 1024;

/** Skip a (possibly compressed) name in an encoded message; returns the offset after it. */
function skipName(b: Buffer, pos: number): number {
  for (;;) {
    const l = b[pos]!;
    if (l === 0) return pos + 1;
    if ((l & 0xc0) === 0xc0) return pos + 2;
    pos += l + 1;
  }
}

/** The offsets and values of every TTL in a message we encoded ourselves (OPT excluded). */
export function ttlFields(b: Buffer): { at: number[]; ttls: number[] } {
  const at: number[] = [];
  const ttls: number[] = [];
  const qd = b.readUInt16BE(4);
  const rrs = b.readUInt16BE(6) + b.readUInt16BE(8) + b.readUInt16BE(10);
  let pos = 12;
  for (let i = 0; i < qd; i++) pos = skipName(b, pos) + 4;
  for (let i = 0; i < rrs; i++) {
    pos = skipName(b, pos);
    const type = b.readUInt16BE(pos);
    if (type !== 41) {
      at.push(pos + 4);
      ttls.push(b.readUInt32BE(pos + 4));
    }
    pos += 10 + b.readUInt16BE(pos + 8);
  }
  return { at, ttls };
}

export class RecursiveAnswerCache {
  private readonly map = new Map<string, RecursiveAnswer>();
  private bytes = 0;

  get(key: string, now: number): RecursiveAnswer | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.expires <= now) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  /** Keep an answer; one whose shortest TTL is 0 (or with no records and no TTL) is not kept. */
  put(key: string, full: Buffer, makeTc: () => Buffer, now: number): void {
    const { at, ttls } = ttlFields(full);
    if (ttls.length === 0) return;
    const min = Math.min(...ttls);
    if (min <= 0) return;
    if (this.map.size >= MAX_ENTRIES || this.bytes > MAX_BYTES) {
      this.map.clear();
      this.bytes = 0;
    }
    this.bytes += full.length + 64;
    this.map.set(key, {
      full,
      tc: full.length > 512 ? makeTc() : undefined,
      ttlAt: Uint16Array.from(at),
      ttls: Uint32Array.from(ttls),
      stored: now,
      expires: now + min * 1000,
    });
  }

  get size(): number {
    return this.map.size;
  }
}

/** The cached answer for this query: ID, question case and the TTLs left at `now` patched in. */
export function patchRecursive(
  e: RecursiveAnswer,
  query: Buffer,
  qnameLen: number,
  limit: number,
  now: number,
): Buffer {
  const useTc = e.full.length > limit && e.tc !== undefined;
  const src = useTc ? e.tc! : e.full;
  const out = Buffer.allocUnsafe(src.length);
  src.copy(out, 0, 0, src.length);
  out[0] = query[0]!;
  out[1] = query[1]!;
  query.copy(out, 12, 12, 12 + qnameLen);
  const elapsed = Math.floor((now - e.stored) / 1000);
  if (!useTc && elapsed > 0) {
    const at = e.ttlAt;
    const ttls = e.ttls;
    for (let i = 0; i < at.length; i++) out.writeUInt32BE(Math.max(0, ttls[i]! - elapsed), at[i]);
  }
  return out;
}
