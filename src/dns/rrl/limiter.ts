import { parseAddress } from "../../lib/acl.ts";

/**
 * Response rate limiting, as BIND's `rate-limit { }` does it (Vixie/Schryver RRL): responses are
 * accounted per client netblock (ipv4-prefix-length /24, ipv6-prefix-length /56 by default) and
 * per response — the same answer (qname, qtype), the same NXDOMAIN zone, the same referral, or
 * "an error" — in a credit bucket: +rate per second up to `rate`, -1 per response, never below
 * -window*rate (so a flood that stops is forgiven `window` seconds later). A response sent while
 * the bucket is negative is limited: dropped, except every `slip`-th one which goes out truncated
 * (TC=1, so a real client retries over TCP; slip 0 never slips, 1 always). `all-per-second` is a
 * second bucket per netblock for every response. TCP is never limited (the pipeline only asks for
 * UDP). Pure: the caller passes the time.
 */

export const Verdict = { SEND: 0, DROP: 1, SLIP: 2 } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** The response kinds BIND accounts separately, each with its own rate. */
export const Kind = { ANSWER: 0, REFERRAL: 1, NODATA: 2, NXDOMAIN: 3, ERROR: 4 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export interface RateLimitSettings {
  /** Per kind (index = Kind); 0 = that kind is not limited. */
  rates: readonly number[];
  allPerSecond: number;
  window: number;
  slip: number;
  ipv4PrefixLength: number;
  ipv6PrefixLength: number;
  logOnly: boolean;
  maxTableSize: number;
  /** `exempt-clients`: never limited. */
  exempt: ((address: string) => boolean) | undefined;
}

interface Bucket {
  credit: number;
  /** Seconds (fractional) of the last update. */
  last: number;
  limited: number;
}

export interface RrlStats {
  dropped: number;
  slipped: number;
  /** Responses that would have been limited in log-only mode. */
  wouldLimit: number;
}

export class RateLimiter {
  readonly settings: RateLimitSettings;
  readonly stats: RrlStats = { dropped: 0, slipped: 0, wouldLimit: 0 };
  private readonly table = new Map<string, Bucket>();
  private readonly prefixes = new Map<string, string>();

  constructor(settings: RateLimitSettings) {
    this.settings = settings;
  }

  /** The client's netblock as a string key ("" when the address cannot be read). */
  netblock(address: string): string {
    let p = this.prefixes.get(address);
    if (p !== undefined) return p;
    const a = parseAddress(address);
    if (a === undefined) p = "";
    else {
      const bits = a.family === 4 ? this.settings.ipv4PrefixLength : this.settings.ipv6PrefixLength;
      const bytes =
        a.family === 4 || a.v6 === undefined
          ? Uint8Array.from([a.v4 >>> 24, (a.v4 >>> 16) & 0xff, (a.v4 >>> 8) & 0xff, a.v4 & 0xff])
          : Uint8Array.from(a.v6);
      for (let i = 0; i < bytes.length; i++) {
        const keep = Math.max(0, Math.min(8, bits - i * 8));
        bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
      }
      p = `${a.family}:${Buffer.from(bytes).toString("hex")}`;
    }
    if (this.prefixes.size > 65536) this.prefixes.clear();
    this.prefixes.set(address, p);
    return p;
  }

  private debit(key: string, rate: number, nowSec: number): boolean {
    let b = this.table.get(key);
    if (b === undefined) {
      if (this.table.size >= this.settings.maxTableSize) {
        // drop the oldest tenth of the table (Map order = creation order)
        let n = Math.max(1, this.table.size >> 3);
        for (const k of this.table.keys()) {
          this.table.delete(k);
          if (--n === 0) break;
        }
      }
      b = { credit: rate, last: nowSec, limited: 0 };
      this.table.set(key, b);
    } else {
      b.credit = Math.min(rate, b.credit + (nowSec - b.last) * rate);
      b.last = nowSec;
    }
    b.credit = Math.max(-this.settings.window * rate, b.credit - 1);
    return b.credit < 0;
  }

  /**
   * Account one UDP response and decide its fate. `name` identifies the response within its kind
   * (qname/qtype for answers, the zone for NXDOMAIN, the cut for referrals, "" for errors).
   */
  check(address: string, kind: Kind, name: string, nowMs: number): Verdict {
    const s = this.settings;
    if (s.exempt?.(address) === true) return Verdict.SEND;
    const block = this.netblock(address);
    const now = nowMs / 1000;
    const rate = s.rates[kind] ?? 0;
    let limited = rate > 0 && this.debit(`${block}|${kind}|${name}`, rate, now);
    if (s.allPerSecond > 0 && this.debit(`${block}|all`, s.allPerSecond, now)) limited = true;
    if (!limited) return Verdict.SEND;
    if (s.logOnly) {
      this.stats.wouldLimit++;
      return Verdict.SEND;
    }
    const b = this.table.get(`${block}|${kind}|${name}`) ?? this.table.get(`${block}|all`)!;
    b.limited++;
    if (s.slip > 0 && b.limited % s.slip === 0) {
      this.stats.slipped++;
      return Verdict.SLIP;
    }
    this.stats.dropped++;
    return Verdict.DROP;
  }

  get size(): number {
    return this.table.size;
  }
}
