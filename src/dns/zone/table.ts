/**
 * An open-addressing hash table from name keys (latin1 strings, see zone.ts) to packed nodes
 * (node.ts), with keys and values stored off the V8 heap in 1 MiB arena chunks. A 100k-record
 * zone then costs about 60 bytes a record and no per-record JS objects: loading it leaves no
 * survivors in V8's young generation (a Map of strings doubled the RSS), the garbage collector
 * never scans it, and chunks are never reallocated (a doubling arena left freed holes that the
 * allocator kept in RSS).
 *
 * Entry layout: u8 keyLength, key bytes, u32 valueLength, value bytes. A slot holds
 * chunk * 2^20 + offset + 1 (0 = empty). Replacing a value appends a new entry; the old bytes
 * stay until compact(), which rewrites the table only when more than a quarter is stale.
 */
const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;

export class NodeTable {
  private chunks: Buffer[] = [];
  /** Bytes used in the last chunk. */
  private used = CHUNK;
  private liveBytes = 0;
  private allBytes = 0;
  private slots: Int32Array;
  private count = 0;

  constructor(expected = 16) {
    let n = 64;
    while (n < expected * 2) n *= 2;
    this.slots = new Int32Array(n);
  }

  get size(): number {
    return this.count;
  }

  private static hash(key: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return h >>> 0;
  }

  private chunkOf(ref: number): Buffer {
    return this.chunks[(ref - 1) >>> CHUNK_BITS]!;
  }

  private keyEquals(ref: number, key: string): boolean {
    const a = this.chunkOf(ref);
    const off = (ref - 1) & (CHUNK - 1);
    if (a[off] !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (a[off + 1 + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Slot index holding key, or the empty slot where it would go (then slots[i] === 0). */
  private slotOf(key: string): number {
    const mask = this.slots.length - 1;
    let i = NodeTable.hash(key) & mask;
    for (;;) {
      const v = this.slots[i]!;
      if (v === 0 || this.keyEquals(v, key)) return i;
      i = (i + 1) & mask;
    }
  }

  has(key: string): boolean {
    return this.slots[this.slotOf(key)] !== 0;
  }

  private valueAt(ref: number): Buffer {
    const a = this.chunkOf(ref);
    const off = (ref - 1) & (CHUNK - 1);
    const valAt = off + 1 + a[off]!;
    return a.subarray(valAt + 4, valAt + 4 + a.readUInt32BE(valAt));
  }

  /** A view of the packed value (read it before the next set), or undefined. */
  get(key: string): Buffer | undefined {
    const v = this.slots[this.slotOf(key)]!;
    return v === 0 ? undefined : this.valueAt(v);
  }

  private append(key: string, value: Uint8Array): number {
    const need = 1 + key.length + 4 + value.length;
    if (need > CHUNK) throw new RangeError("zone node larger than 1 MiB");
    if (this.used + need > CHUNK) {
      this.chunks.push(Buffer.allocUnsafeSlow(CHUNK));
      this.used = 0;
    }
    const a = this.chunks[this.chunks.length - 1]!;
    const off = this.used;
    a[off] = key.length;
    a.write(key, off + 1, "latin1");
    a.writeUInt32BE(value.length, off + 1 + key.length);
    a.set(value, off + 5 + key.length);
    this.used += need;
    this.allBytes += need;
    this.liveBytes += need;
    return ((this.chunks.length - 1) << CHUNK_BITS) + off + 1;
  }

  private entryLength(ref: number): number {
    const a = this.chunkOf(ref);
    const off = (ref - 1) & (CHUNK - 1);
    return 1 + a[off]! + 4 + a.readUInt32BE(off + 1 + a[off]!);
  }

  set(key: string, value: Uint8Array): void {
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const i = this.slotOf(key);
    const old = this.slots[i]!;
    if (old === 0) this.count++;
    else this.liveBytes -= this.entryLength(old);
    this.slots[i] = this.append(key, value);
  }

  private keyAt(ref: number): string {
    const a = this.chunkOf(ref);
    const off = (ref - 1) & (CHUNK - 1);
    return a.toString("latin1", off + 1, off + 1 + a[off]!);
  }

  private rehash(n: number): void {
    const old = this.slots;
    this.slots = new Int32Array(n);
    const mask = n - 1;
    for (const v of old) {
      if (v === 0) continue;
      let i = NodeTable.hash(this.keyAt(v)) & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = v;
    }
  }

  /** Every key. Do not set() while iterating. */
  *keys(): IterableIterator<string> {
    for (const v of this.slots) if (v !== 0) yield this.keyAt(v);
  }

  /** Once loading is done: drop stale entries when they are more than a quarter of the bytes. */
  compact(): void {
    if (this.allBytes - this.liveBytes <= this.allBytes / 4) return;
    const old = { chunks: this.chunks, slots: this.slots };
    this.chunks = [];
    this.used = CHUNK;
    this.allBytes = this.liveBytes = 0;
    this.slots = new Int32Array(old.slots.length);
    const keep = (ref: number): [string, Buffer] => {
      const a = old.chunks[(ref - 1) >>> CHUNK_BITS]!;
      const off = (ref - 1) & (CHUNK - 1);
      const valAt = off + 1 + a[off]!;
      return [a.toString("latin1", off + 1, valAt), a.subarray(valAt + 4, valAt + 4 + a.readUInt32BE(valAt))];
    };
    this.count = 0;
    for (const v of old.slots) {
      if (v === 0) continue;
      const [k, val] = keep(v);
      this.set(k, val);
    }
  }
}
