import { BufferPool } from "../../lib/bufpool.ts";
import { NetsvcError } from "../../lib/errors.ts";

/**
 * RFC 5531 §11 record marking for stream transports: a record is one or more fragments, each
 * preceded by a 4-byte header whose high bit marks the last fragment and whose low 31 bits give the
 * fragment length.
 *
 * RecordDecoder reassembles records in place. Bytes are read into an *arena* (a large buffer the
 * decoder owns), and a record that arrives as one fragment is handed out as a view of the arena: no
 * copy and no allocation per record, which is what keeps a stream of 1 MiB WRITEs from spending its
 * time in Buffer.concat and the garbage collector. Two ways to feed it:
 *
 * - target() / filled(n): the transport reads straight into target() (node:net `onread`), then
 *   says how many bytes landed there. This is the zero-copy path.
 * - push(chunk): the bytes are copied into the arena (clients, tests, and the fallback when the
 *   socket cannot be read with `onread`).
 *
 * Arenas: when a fragment's header shows it will not fit in the rest of the current arena, or the
 * arena has less than MIN_ROOM left at a record boundary, the decoder moves on to a new one sized
 * for what is coming and copies over only the bytes of the unfinished fragment already read. With
 * a `pool`, arenas are recycled: each record holds its arena until the record's release() is
 * called, so a record's bytes stay valid exactly until then. Without a pool, arenas are never
 * reused and records stay valid for as long as anyone holds them (release() does nothing).
 *
 * A record of several fragments is joined by copying (rare: clients send one fragment).
 *
 * A record larger than `maxRecord` throws RecordTooLarge before its bytes are buffered: the
 * transport then closes the connection (there is no way to answer a record we refused to read).
 */
export const LAST_FRAGMENT = 0x80000000;

export class RecordTooLarge extends NetsvcError {
  constructor(size: number, max: number) {
    super("ERECORDSIZE", `RPC record of at least ${size} bytes exceeds the maximum ${max}`);
  }
}

export interface ReceivedRecord {
  readonly bytes: Buffer;
  /** The caller is done with `bytes` (call once; later calls are ignored). */
  readonly release: () => void;
}

interface Arena {
  readonly buf: Buffer;
  /** Records handed out of it and not yet released, plus one while it is the current arena. */
  refs: number;
}

const NOOP = (): void => undefined;

export class RecordDecoder {
  /** Below this much room at a record boundary, reading moves on to a fresh arena. */
  static readonly MIN_ROOM = 4096;
  /** The arena taken at a record boundary, and the slack added beyond an announced fragment. */
  static readonly SMALL = 64 * 1024;

  readonly maxRecord: number;
  private readonly pool: BufferPool | undefined;
  private arena: Arena;
  /** Next unparsed byte of the arena (a fragment header, or the start of an unfinished fragment). */
  private start = 0;
  /** Bytes written into the arena. */
  private fill = 0;
  /** Length of the fragment whose header sits at `start`, or -1 while that header is unread. */
  private fragLen = -1;
  private fragLast = false;
  /** Earlier fragments of a record of several (copies), and their total length. */
  private parts: Buffer[] = [];
  private partsLen = 0;

  constructor(maxRecord: number, pool?: BufferPool) {
    this.maxRecord = maxRecord;
    this.pool = pool;
    this.arena = this.newArena(RecordDecoder.SMALL);
  }

  /** Bytes received but not yet part of a complete record. */
  get buffered(): number {
    return this.fill - this.start + this.partsLen;
  }

  /**
   * Where the next bytes should be written: the free part of the current arena (never empty).
   * The buffer is valid until the next call of filled(), push() or close().
   */
  target(): Buffer {
    const a = this.arena.buf;
    const need = this.fragLen < 0 ? 4 : 4 + this.fragLen;
    const fits = a.length - this.start >= need;
    const boundaryRoomLow = this.fragLen < 0 && a.length - this.fill < RecordDecoder.MIN_ROOM;
    if (!fits || boundaryRoomLow) this.moveOn(need);
    return this.arena.buf.subarray(this.fill);
  }

  /** `n` bytes were written at the start of the last target(): the records now complete. */
  filled(n: number): ReceivedRecord[] {
    if (n < 0 || this.fill + n > this.arena.buf.length)
      throw new RangeError(`filled(${n}) beyond the target`);
    this.fill += n;
    return this.parse();
  }

  /** Copy `chunk` in; the records now complete. */
  push(chunk: Uint8Array): ReceivedRecord[] {
    const out: ReceivedRecord[] = [];
    let off = 0;
    do {
      const t = this.target();
      const n = Math.min(t.length, chunk.length - off);
      t.set(chunk.subarray(off, off + n));
      off += n;
      for (const r of this.filled(n)) out.push(r);
    } while (off < chunk.length);
    return out;
  }

  /** The connection is gone: give up the current arena (records already handed out stay valid). */
  close(): void {
    this.unref(this.arena);
    this.arena = { buf: Buffer.alloc(0), refs: 1 };
    this.start = this.fill = 0;
    this.fragLen = -1;
    this.parts = [];
    this.partsLen = 0;
  }

  private parse(): ReceivedRecord[] {
    const out: ReceivedRecord[] = [];
    const a = this.arena.buf;
    for (;;) {
      const avail = this.fill - this.start;
      if (this.fragLen < 0) {
        if (avail < 4) break;
        const word = a.readUInt32BE(this.start);
        const len = word & 0x7fffffff;
        if (this.partsLen + len > this.maxRecord)
          throw new RecordTooLarge(this.partsLen + len, this.maxRecord);
        this.fragLen = len;
        this.fragLast = (word & LAST_FRAGMENT) !== 0;
      }
      if (avail < 4 + this.fragLen) break;
      const frag = a.subarray(this.start + 4, this.start + 4 + this.fragLen);
      this.start += 4 + this.fragLen;
      this.fragLen = -1;
      if (this.fragLast && this.parts.length === 0) {
        out.push(this.hold(frag));
      } else {
        this.parts.push(Buffer.from(frag));
        this.partsLen += frag.length;
        if (this.fragLast) {
          out.push({ bytes: Buffer.concat(this.parts, this.partsLen), release: NOOP });
          this.parts = [];
          this.partsLen = 0;
        }
      }
    }
    return out;
  }

  private hold(bytes: Buffer): ReceivedRecord {
    if (this.pool === undefined) return { bytes, release: NOOP };
    const arena = this.arena;
    arena.refs++;
    let done = false;
    return {
      bytes,
      release: () => {
        if (done) return;
        done = true;
        this.unref(arena);
      },
    };
  }

  /** Continue in a fresh arena with room for `need` bytes from its start, plus slack for reads. */
  private moveOn(need: number): void {
    const old = this.arena;
    const keep = this.fill - this.start;
    const size = Math.max(need, keep);
    const next = this.newArena(
      size <= RecordDecoder.SMALL ? RecordDecoder.SMALL : size + RecordDecoder.SMALL,
    );
    old.buf.copy(next.buf, 0, this.start, this.fill);
    this.arena = next;
    this.start = 0;
    this.fill = keep;
    this.unref(old);
  }

  private newArena(size: number): Arena {
    const buf = this.pool ? this.pool.take(size) : Buffer.allocUnsafe(size);
    return { buf, refs: 1 };
  }

  private unref(a: Arena): void {
    if (--a.refs === 0 && this.pool !== undefined && a.buf.length > 0) this.pool.give(a.buf);
  }
}

/** The 4-byte mark of a record sent as one fragment (write it, then the body: no copy). */
export function recordMark(length: number): Buffer {
  const h = Buffer.allocUnsafe(4);
  h.writeUInt32BE((LAST_FRAGMENT | length) >>> 0, 0);
  return h;
}

/** Frame a record, in fragments of at most `maxFragment` bytes (one fragment by default). */
export function encodeRecord(body: Buffer, maxFragment = 0x7fffffff): Buffer {
  if (body.length <= maxFragment) {
    const out = Buffer.allocUnsafe(4 + body.length);
    out.writeUInt32BE((LAST_FRAGMENT | body.length) >>> 0, 0);
    body.copy(out, 4);
    return out;
  }
  const parts: Buffer[] = [];
  for (let off = 0; off < body.length || parts.length === 0; off += maxFragment) {
    const frag = body.subarray(off, Math.min(off + maxFragment, body.length));
    const last = off + maxFragment >= body.length;
    const h = Buffer.allocUnsafe(4);
    h.writeUInt32BE(((last ? LAST_FRAGMENT : 0) | frag.length) >>> 0, 0);
    parts.push(h, frag);
  }
  return Buffer.concat(parts);
}
