/**
 * READDIR cookies for stores whose directories have no stable offsets of their own: a listing is
 * read once into a snapshot, cookie n means "after the n-th entry of the snapshot", and the cookie
 * verifier names the snapshot (8 bytes: the directory's change stamp). While a snapshot is held a
 * client can page through it even if the directory changes meanwhile (what `rm -r` does); a cookie
 * whose snapshot was dropped and whose verifier no longer matches the directory is BAD_COOKIE.
 * Cookie 0 always reads the directory afresh.
 */
import { Status, fail } from "./status.ts";

export interface SnapEntry {
  name: string;
  fileid: bigint;
}

export interface Snapshot {
  verifier: Buffer;
  entries: SnapEntry[];
}

export class SnapshotCache {
  private readonly max: number;
  private readonly map = new Map<string, Snapshot>();

  constructor(max = 32) {
    this.max = max;
  }

  /**
   * The snapshot to page through. `current` is the directory's verifier now; `read` lists it.
   * A non-zero cookie with a verifier we hold continues in that snapshot.
   */
  get(dirKey: string, cookie: bigint, verifier: Buffer, current: Buffer, read: () => SnapEntry[]): Snapshot {
    if (cookie !== 0n) {
      const held = this.map.get(`${dirKey}:${verifier.toString("hex")}`);
      if (held) {
        this.touch(dirKey, held);
        return held;
      }
      if (!verifier.equals(current) && !isZero(verifier)) fail(Status.BAD_COOKIE);
    }
    const snap: Snapshot = { verifier: current, entries: read() };
    this.touch(dirKey, snap);
    return snap;
  }

  private touch(dirKey: string, s: Snapshot): void {
    const key = `${dirKey}:${s.verifier.toString("hex")}`;
    this.map.delete(key);
    this.map.set(key, s);
    while (this.map.size > this.max) {
      const first = this.map.keys().next().value;
      if (first === undefined) break;
      this.map.delete(first);
    }
  }
}

function isZero(b: Buffer): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}

/** Entries from `cookie` on (cookie n = after entry n-1), at most `limit`, and whether that ends it. */
export function page(s: Snapshot, cookie: bigint, limit: number): { from: number; to: number; eof: boolean } {
  const from = Number(cookie);
  if (from > s.entries.length) fail(Status.BAD_COOKIE);
  const to = Math.min(s.entries.length, from + Math.max(0, limit));
  return { from, to, eof: to === s.entries.length };
}

/** A verifier from a change stamp (ns); never all zero. */
export function verifierOf(stamp: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, stamp === 0n ? 1n : stamp));
  return b;
}
