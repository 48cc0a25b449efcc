import { lookupService } from "node:dns/promises";

/**
 * Reverse names of client addresses, for host-name and wildcard client specs (mountd looks the
 * client's address up the same way). getnameinfo (via lookupService) consults /etc/hosts first.
 * Matching is synchronous, so the cache answers what it knows and refreshes in the background;
 * MNT awaits `resolve` first, so the very first mount of a client already sees its name.
 */
export class ReverseNames {
  private readonly cache = new Map<string, { names: string[]; at: number }>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(ttlMs = 300_000, max = 4096) {
    this.ttlMs = ttlMs;
    this.max = max;
  }

  namesOf(address: string): readonly string[] {
    const e = this.cache.get(address);
    if (e === undefined || Date.now() - e.at > this.ttlMs) void this.resolve(address);
    return e?.names ?? [];
  }

  resolve(address: string): Promise<void> {
    const e = this.cache.get(address);
    if (e !== undefined && Date.now() - e.at <= this.ttlMs) return Promise.resolve();
    let p = this.inflight.get(address);
    if (p !== undefined) return p;
    p = lookupService(address.replace(/^::ffff:/, ""), 0)
      .then(
        (r) => [r.hostname.toLowerCase()],
        () => [] as string[],
      )
      .then((names) => {
        this.cache.set(address, { names, at: Date.now() });
        if (this.cache.size > this.max) {
          const oldest = this.cache.keys().next().value;
          if (oldest !== undefined) this.cache.delete(oldest);
        }
        this.inflight.delete(address);
      });
    this.inflight.set(address, p);
    return p;
  }
}
