/**
 * A small, bounded pool of large buffers: NFS READ replies and the arenas TCP records are read
 * into (a fresh 1 MiB Buffer per call costs page faults and GC: about twice the time of reusing one).
 *
 * Contract:
 * - take(size) returns a buffer of at least `size` bytes: its class size (a power of two from
 *   MIN_CLASS, plus `extra`), from the pool when one is free, else freshly allocated. Its contents
 *   are undefined. Sizes above the largest class are allocated exactly and never pooled.
 * - give(buf) hands a buffer back. The caller promises that NOTHING references its bytes any
 *   more (for READ: the transport has finished writing the reply that was assembled in it). A
 *   buffer that is never given back is simply garbage collected, so "do not give back" is always
 *   safe; giving back too early is not. At most `perClass` buffers are kept per class; a buffer
 *   given twice, or not of a class size, is ignored.
 */
export interface BufferPoolStats {
  /** take() served from the pool. */
  reused: number;
  /** take() allocated a new buffer. */
  allocated: number;
  /** give() kept the buffer. */
  returned: number;
}

export class BufferPool {
  static readonly MIN_CLASS = 32 * 1024;
  readonly maxClass: number;
  readonly extra: number;
  readonly perClass: number;
  private readonly free = new Map<number, Buffer[]>();
  readonly stats: BufferPoolStats = { reused: 0, allocated: 0, returned: 0 };

  /** Classes MIN_CLASS..maxClass (powers of two), each buffer `extra` bytes larger. */
  constructor(maxClass: number, extra: number, perClass = 8) {
    this.maxClass = maxClass;
    this.extra = extra;
    this.perClass = perClass;
  }

  private classOf(size: number): number {
    let c = BufferPool.MIN_CLASS;
    while (c < size) c *= 2;
    return c;
  }

  take(size: number): Buffer {
    const payload = size - this.extra;
    if (payload > this.maxClass) {
      this.stats.allocated++;
      return Buffer.allocUnsafe(size);
    }
    const c = this.classOf(Math.max(payload, 0));
    const b = this.free.get(c)?.pop();
    if (b !== undefined) {
      this.stats.reused++;
      return b;
    }
    this.stats.allocated++;
    return Buffer.allocUnsafeSlow(c + this.extra);
  }

  give(buf: Buffer): void {
    const c = buf.length - this.extra;
    if (c < BufferPool.MIN_CLASS || c > this.maxClass || (c & (c - 1)) !== 0) return;
    if (buf.byteOffset !== 0 || buf.buffer.byteLength !== buf.length) return; // not one of ours
    let list = this.free.get(c);
    if (list === undefined) this.free.set(c, (list = []));
    if (list.length >= this.perClass || list.includes(buf)) return;
    list.push(buf);
    this.stats.returned++;
  }

  /** Buffers currently free in the pool (all classes). */
  get size(): number {
    let n = 0;
    for (const l of this.free.values()) n += l.length;
    return n;
  }
}
