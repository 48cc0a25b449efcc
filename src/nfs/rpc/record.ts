import { NetsvcError } from "../../lib/errors.ts";

/**
 * RFC 5531 §11 record marking for stream transports: a record is one or more fragments, each
 * preceded by a 4-byte header whose high bit marks the last fragment and whose low 31 bits give the
 * fragment length.
 *
 * RecordDecoder is fed the bytes as they arrive and returns each complete record. A record larger
 * than `maxRecord` throws RecordTooLarge before its bytes are buffered: the transport then closes
 * the connection (there is no way to answer a record we refused to read).
 */
export const LAST_FRAGMENT = 0x80000000;

export class RecordTooLarge extends NetsvcError {
  constructor(size: number, max: number) {
    super("ERECORDSIZE", `RPC record of at least ${size} bytes exceeds the maximum ${max}`);
  }
}

export class RecordDecoder {
  readonly maxRecord: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Fragments of the record being assembled. */
  private frags: Buffer[] = [];
  private recordLen = 0;

  constructor(maxRecord: number) {
    this.maxRecord = maxRecord;
  }

  /** Bytes received but not yet part of a complete record. */
  get buffered(): number {
    return this.pendingLen + this.recordLen;
  }

  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingLen += chunk.length;
    }
    const out: Buffer[] = [];
    for (;;) {
      if (this.pendingLen < 4) break;
      const head = this.peek(4);
      const word = head.readUInt32BE(0);
      const len = word & 0x7fffffff;
      const last = (word & LAST_FRAGMENT) !== 0;
      if (this.recordLen + len > this.maxRecord)
        throw new RecordTooLarge(this.recordLen + len, this.maxRecord);
      if (this.pendingLen < 4 + len) break;
      this.consume(4);
      const frag = this.consume(len);
      this.frags.push(frag);
      this.recordLen += len;
      if (last) {
        out.push(this.frags.length === 1 ? this.frags[0]! : Buffer.concat(this.frags, this.recordLen));
        this.frags = [];
        this.recordLen = 0;
      }
    }
    return out;
  }

  private peek(n: number): Buffer {
    const first = this.pending[0]!;
    if (first.length >= n) return first;
    this.pending = [Buffer.concat(this.pending, this.pendingLen)];
    return this.pending[0]!;
  }

  private consume(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.peek(n);
    const out = first.subarray(0, n);
    if (first.length === n) this.pending.shift();
    else this.pending[0] = first.subarray(n);
    this.pendingLen -= n;
    return out;
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
