import { crc32 } from "node:zlib";

/**
 * The duplicate request cache (RFC 5531 §8 on retransmission; as Linux's nfsd/nfscache.c).
 *
 * A client that does not see a reply retransmits the call with the same xid. Doing a CREATE, REMOVE
 * or RENAME twice gives the wrong answer the second time (EEXIST, NOENT), so for non-idempotent
 * procedures the dispatcher remembers each call by (client address, xid, prog, vers, proc, CRC-32
 * of the argument bytes) and:
 * - while the first call still runs, drops the retransmission (the first reply will come);
 * - after it completed, answers with the cached reply bytes, without running it again.
 * The port is not part of the key: a TCP client that reconnects retransmits from a new port.
 * Entries are kept in insertion order and the oldest is evicted beyond `maxEntries`.
 */
export type DrcLookup = { state: "new" } | { state: "in-progress" } | { state: "done"; reply: Buffer | null };

interface Entry {
  reply: Buffer | null | undefined; // undefined = in progress; null = completed without a reply
}

export interface DrcStats {
  hits: number;
  inProgressDrops: number;
  misses: number;
  evictions: number;
}

export class DuplicateRequestCache {
  readonly maxEntries: number;
  private readonly entries = new Map<string, Entry>();
  readonly stats: DrcStats = { hits: 0, inProgressDrops: 0, misses: 0, evictions: 0 };

  constructor(maxEntries = 1024) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.entries.size;
  }

  static key(
    address: string,
    xid: number,
    prog: number,
    vers: number,
    proc: number,
    args: Uint8Array,
  ): string {
    return `${address}|${xid}|${prog}|${vers}|${proc}|${args.length}|${crc32(args)}`;
  }

  /** Look up a call; a new call is recorded as in progress. */
  begin(key: string): DrcLookup {
    const e = this.entries.get(key);
    if (e === undefined) {
      this.stats.misses++;
      this.entries.set(key, { reply: undefined });
      this.evict();
      return { state: "new" };
    }
    if (e.reply === undefined) {
      this.stats.inProgressDrops++;
      return { state: "in-progress" };
    }
    this.stats.hits++;
    return { state: "done", reply: e.reply };
  }

  /** Record the reply of a call begun with `begin` (a copy is kept). */
  complete(key: string, reply: Buffer | null): void {
    const e = this.entries.get(key);
    if (e === undefined) return; // evicted meanwhile
    e.reply = reply === null ? null : Buffer.from(reply);
  }

  /** Forget a call (e.g. it failed in a way a retransmission may fix). */
  abandon(key: string): void {
    this.entries.delete(key);
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) return;
      this.entries.delete(oldest);
      this.stats.evictions++;
    }
  }
}
