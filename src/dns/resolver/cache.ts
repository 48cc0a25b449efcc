import type { RR } from "../wire/message.ts";
import { keyOf } from "../wire/name.ts";
import { Rcode } from "../wire/message.ts";

/**
 * The resolver's RRset cache (RFC 1035 7.4, RFC 2181 5.4.1 trust ranking, RFC 2308 negative
 * caching). Pure: every call takes `now` (ms). TTLs count down: what comes out carries the
 * remaining time. Sizes are estimated per entry; past `maxBytes` the oldest entries go first
 * (insertion order, refreshed on replacement), BIND's `max-cache-size` in spirit.
 *
 * Keys: the name's key (lower-cased wire, see wire/name.ts) + the type as two chars; type 0 marks
 * "this name does not exist" (NXDOMAIN, RFC 2308 5: it covers every type at the name).
 */

/** RFC 2181 5.4.1, simplified: higher replaces lower; equal replaces (fresher data). */
export const Trust = {
  /** Additional-section addresses and referral glue. */
  GLUE: 1,
  /** NS RRsets of a referral, authority sections. */
  AUTHORITY: 2,
  /** The answer section of an authoritative answer (or a forwarder's answer). */
  ANSWER: 3,
} as const;

interface Positive {
  neg: false;
  rrs: RR[];
  expires: number;
  stored: number;
  trust: number;
  bytes: number;
}

interface Negative {
  neg: true;
  rcode: number;
  soa: RR[];
  expires: number;
  stored: number;
  bytes: number;
}

type Entry = Positive | Negative;

export interface CacheOptions {
  /** `max-cache-size` in bytes (estimated). */
  maxBytes: number;
  /** `max-cache-ttl` in seconds (BIND default 604800). */
  maxTtl: number;
  /** `max-ncache-ttl` in seconds (BIND default 10800). */
  maxNegTtl: number;
}

export const DEFAULT_CACHE_OPTIONS: CacheOptions = {
  maxBytes: 256 * 1024 * 1024,
  maxTtl: 604800,
  maxNegTtl: 10800,
};

const NXDOMAIN_TYPE = 0;

function typeKey(nameKey: string, type: number): string {
  return nameKey + String.fromCharCode(type >> 8, type & 0xff);
}

function estimate(rrs: readonly RR[]): number {
  let n = 96;
  for (const rr of rrs) n += 48 + rr.name.length + rr.rdata.length;
  return n;
}

/** A copy of the records with the TTL that is left at `now`. */
function decayed(rrs: readonly RR[], e: { expires: number }, now: number): RR[] {
  const left = Math.max(0, Math.floor((e.expires - now) / 1000));
  return rrs.map((rr) => ({ ...rr, ttl: Math.min(rr.ttl, left) }));
}

export interface CacheStats {
  entries: number;
  bytes: number;
  evictions: number;
}

export class RRCache {
  private readonly map = new Map<string, Entry>();
  private bytes = 0;
  private evictions = 0;
  readonly opts: CacheOptions;

  constructor(opts: Partial<CacheOptions> = {}) {
    this.opts = { ...DEFAULT_CACHE_OPTIONS, ...opts };
  }

  stats(): CacheStats {
    return { entries: this.map.size, bytes: this.bytes, evictions: this.evictions };
  }

  private set(key: string, e: Entry): void {
    this.drop(key);
    this.map.set(key, e);
    this.bytes += e.bytes;
    // evict the oldest entries (Map iteration order = insertion order)
    while (this.bytes > this.opts.maxBytes && this.map.size > 1) {
      const oldest = this.map.keys().next().value as string;
      this.drop(oldest);
      this.evictions++;
    }
  }

  private drop(key: string): void {
    const old = this.map.get(key);
    if (old === undefined) return;
    this.bytes -= old.bytes;
    this.map.delete(key);
  }

  private live(key: string, now: number): Entry | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.expires <= now) {
      this.drop(key);
      return undefined;
    }
    return e;
  }

  /**
   * Store one RRset (all records share owner and type; the smallest TTL wins, RFC 2181 5.2). Data
   * of lower trust never replaces live data of higher trust. A TTL of 0 is not stored.
   */
  putRRset(rrs: readonly RR[], trust: number, now: number): void {
    if (rrs.length === 0) return;
    const first = rrs[0]!;
    const key = typeKey(keyOf(first.name), first.type);
    const old = this.live(key, now);
    if (old !== undefined && !old.neg && old.trust > trust) return;
    let ttl = Math.min(this.opts.maxTtl, ...rrs.map((r) => r.ttl));
    if (ttl <= 0) {
      if (old !== undefined) this.drop(key);
      return;
    }
    ttl = Math.floor(ttl);
    const copy = rrs.map((r) => ({ ...r, ttl }));
    this.set(key, {
      neg: false,
      rrs: copy,
      expires: now + ttl * 1000,
      stored: now,
      trust,
      bytes: estimate(copy),
    });
    // a positive answer for the name cancels a cached NXDOMAIN
    this.drop(typeKey(keyOf(first.name), NXDOMAIN_TYPE));
  }

  /** Store every RRset found in a record list (grouped by owner and type). */
  putAll(rrs: readonly RR[], trust: number, now: number): void {
    const groups = new Map<string, RR[]>();
    for (const rr of rrs) {
      const k = typeKey(keyOf(rr.name), rr.type);
      let g = groups.get(k);
      if (g === undefined) groups.set(k, (g = []));
      g.push(rr);
    }
    for (const g of groups.values()) this.putRRset(g, trust, now);
  }

  /** The live RRset for name/type with decayed TTLs, or undefined. */
  get(nameKey: string, type: number, now: number): RR[] | undefined {
    const e = this.live(typeKey(nameKey, type), now);
    if (e === undefined || e.neg) return undefined;
    return decayed(e.rrs, e, now);
  }

  /** Like get(), but also tells the trust of what is there. */
  getWithTrust(nameKey: string, type: number, now: number): { rrs: RR[]; trust: number } | undefined {
    const e = this.live(typeKey(nameKey, type), now);
    if (e === undefined || e.neg) return undefined;
    return { rrs: decayed(e.rrs, e, now), trust: e.trust };
  }

  /**
   * RFC 2308 5: cache a negative answer. NXDOMAIN covers every type at the name (type ignored);
   * NODATA covers name/type. The TTL is the SOA's (already min(SOA TTL, MINIMUM) from the server),
   * capped by max-ncache-ttl. Without a SOA nothing is cached (RFC 2308 5).
   */
  putNegative(nameKey: string, type: number, rcode: number, soa: readonly RR[], now: number): void {
    if (soa.length === 0) return;
    const s = soa[0]!;
    let ttl = s.ttl;
    if (s.rdata.length >= 4) ttl = Math.min(ttl, s.rdata.readUInt32BE(s.rdata.length - 4));
    ttl = Math.min(ttl, this.opts.maxNegTtl);
    if (ttl <= 0) return;
    const t = rcode === Rcode.NXDOMAIN ? NXDOMAIN_TYPE : type;
    const copy = soa.map((r) => ({ ...r, ttl }));
    this.set(typeKey(nameKey, t), {
      neg: true,
      rcode,
      soa: copy,
      expires: now + ttl * 1000,
      stored: now,
      bytes: estimate(copy),
    });
  }

  /** A live negative answer for name/type: NXDOMAIN for the name first, then NODATA for the type. */
  getNegative(nameKey: string, type: number, now: number): { rcode: number; soa: RR[] } | undefined {
    for (const t of [NXDOMAIN_TYPE, type]) {
      const e = this.live(typeKey(nameKey, t), now);
      if (e !== undefined && e.neg) return { rcode: e.rcode, soa: decayed(e.soa, e, now) };
    }
    return undefined;
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}
