import { ttlFromText } from "../wire/rdata.ts";
import type { Aml, Where } from "./model.ts";
import { describe, type Stmt } from "./parse.ts";
import { type Errs, isText, noMore, readAml, readBool, readPort, readUint, where } from "./values.ts";

/**
 * The named.conf options of the resolver side (the resolver, its cache, response rate limiting)
 * and the `statistics-channels` statement, in BIND's syntax. The options table (RECURSION_OPTIONS)
 * is dispatched from build.ts's options loop; values land in `Options.recursionConf`.
 */
export interface RateLimitConf {
  responsesPerSecond: number;
  referralsPerSecond: number | undefined;
  nodataPerSecond: number | undefined;
  nxdomainsPerSecond: number | undefined;
  errorsPerSecond: number | undefined;
  allPerSecond: number;
  window: number;
  slip: number;
  ipv4PrefixLength: number;
  ipv6PrefixLength: number;
  exemptClients: Aml | undefined;
  logOnly: boolean;
  maxTableSize: number;
  at: Where;
}

export interface StatsChannel {
  /** "*" = every address (as BIND: `inet *`). */
  host: string;
  port: number;
  allow: Aml | undefined;
  at: Where;
}

export interface RecursionConf {
  /** BIND's `port`: the default listen port, and the port of the servers the resolver asks. */
  port: number | undefined;
  /** `max-cache-size` in bytes (Infinity = unlimited). */
  maxCacheSize: number | undefined;
  maxCacheTtl: number | undefined;
  maxNcacheTtl: number | undefined;
  resolverQueryTimeoutMs: number | undefined;
  rateLimit: RateLimitConf | undefined;
  statisticsChannels: StatsChannel[];
}

export function newRecursionConf(): RecursionConf {
  return {
    port: undefined,
    maxCacheSize: undefined,
    maxCacheTtl: undefined,
    maxNcacheTtl: undefined,
    resolverQueryTimeoutMs: undefined,
    rateLimit: undefined,
    statisticsChannels: [],
  };
}

type Reader = (s: Stmt, errs: Errs, rc: RecursionConf) => void;

/** BIND sizes: `unlimited`, `default`, N, Nk, Nm, Ng, or a percentage of physical memory. */
export function readSize(s: Stmt, errs: Errs, totalMem: number): number | undefined {
  const v = s.items[1];
  const t = isText(v) ? v.text.toLowerCase() : "";
  if (!noMore(s, 2, errs)) return undefined;
  if (t === "unlimited" || t === "0") return Infinity;
  if (t === "default") return undefined;
  const pct = /^(\d+)%$/.exec(t);
  if (pct) {
    const p = Number(pct[1]);
    if (p > 100) {
      errs.err(where(v!), `percentage '${t}' is out of range`);
      return undefined;
    }
    return Math.floor((totalMem * p) / 100);
  }
  const m = /^(\d+)([kmg]?)$/.exec(t);
  if (!m) {
    errs.err(where(v ?? s), `expected size near ${v ? describe(v) : "';'"}`);
    return undefined;
  }
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2] as "" | "k" | "m" | "g"];
  return Number(m[1]) * mult;
}

function readTtl(s: Stmt, errs: Errs, max: number): number | undefined {
  const v = s.items[1];
  const n = isText(v) ? ttlFromText(v.text) : undefined;
  if (n === undefined) {
    errs.err(where(v ?? s), `expected a TTL near ${v ? describe(v) : "';'"}`);
    return undefined;
  }
  if (!noMore(s, 2, errs)) return undefined;
  return Math.min(n, max);
}

const RATE_LIMIT_NUMBERS: Record<string, [keyof RateLimitConf, number, number]> = {
  "responses-per-second": ["responsesPerSecond", 0, 1000],
  "referrals-per-second": ["referralsPerSecond", 0, 1000],
  "nodata-per-second": ["nodataPerSecond", 0, 1000],
  "nxdomains-per-second": ["nxdomainsPerSecond", 0, 1000],
  "errors-per-second": ["errorsPerSecond", 0, 1000],
  "all-per-second": ["allPerSecond", 0, 1000],
  window: ["window", 1, 3600],
  slip: ["slip", 0, 10],
  "ipv4-prefix-length": ["ipv4PrefixLength", 0, 32],
  "ipv6-prefix-length": ["ipv6PrefixLength", 0, 128],
  "max-table-size": ["maxTableSize", 1, 10_000_000],
};

/** BIND rate-limit options netsvc does not implement: an error naming them. */
const RATE_LIMIT_UNSUPPORTED = new Set(["qps-scale", "min-table-size"]);

function readRateLimit(s: Stmt, errs: Errs, rc: RecursionConf): void {
  const b = s.items[1];
  if (b?.kind !== "block") {
    errs.err(where(b ?? s), `expected '{' near ${b ? describe(b) : "';'"}`);
    return;
  }
  noMore(s, 2, errs);
  const r: RateLimitConf = {
    responsesPerSecond: 0,
    referralsPerSecond: undefined,
    nodataPerSecond: undefined,
    nxdomainsPerSecond: undefined,
    errorsPerSecond: undefined,
    allPerSecond: 0,
    window: 15,
    slip: 2,
    ipv4PrefixLength: 24,
    ipv6PrefixLength: 56,
    exemptClients: undefined,
    logOnly: false,
    maxTableSize: 20_000,
    at: where(s),
  };
  const seen = new Set<string>();
  let ok = true;
  for (const o of b.stmts) {
    const h = o.items[0];
    const k = h?.kind === "word" ? h.text.toLowerCase() : undefined;
    if (k === undefined) {
      errs.err(where(o), `unexpected ${describe(h!)}`);
      ok = false;
      continue;
    }
    if (seen.has(k)) {
      errs.err(where(o), `'${k}' redefined near '${k}'`);
      ok = false;
      continue;
    }
    seen.add(k);
    const num = RATE_LIMIT_NUMBERS[k];
    if (num !== undefined) {
      const n = readUint(o.items[1], where(o), errs, num[1], num[2]);
      if (n === undefined || !noMore(o, 2, errs)) ok = false;
      else (r as unknown as Record<string, number>)[num[0]] = n;
    } else if (k === "exempt-clients") {
      const aml = readAml(o.items[1], where(o), errs);
      if (aml === undefined || !noMore(o, 2, errs)) ok = false;
      else r.exemptClients = aml;
    } else if (k === "log-only") {
      const v = readBool(o, errs);
      if (v === undefined) ok = false;
      else r.logOnly = v;
    } else if (RATE_LIMIT_UNSUPPORTED.has(k)) {
      errs.err(where(o), `rate-limit option '${k}' is not supported by netsvc`, "ECONF_UNSUPPORTED");
      ok = false;
    } else {
      errs.err(where(o), `unknown rate-limit option '${k}'`, "ECONF_UNKNOWN");
      ok = false;
    }
  }
  if (ok) rc.rateLimit = r;
}

export const RECURSION_OPTIONS: Record<string, Reader> = {
  port: (s, errs, rc) => {
    const p = readPort(s.items[1], where(s), errs);
    if (p !== undefined && noMore(s, 2, errs)) rc.port = p;
  },
  "max-cache-size": (s, errs, rc) => {
    const n = readSize(s, errs, 8 * 1024 ** 3);
    if (n !== undefined) rc.maxCacheSize = n;
  },
  "max-cache-ttl": (s, errs, rc) => {
    const n = readTtl(s, errs, 0xffffffff);
    if (n !== undefined) rc.maxCacheTtl = n;
  },
  "max-ncache-ttl": (s, errs, rc) => {
    // BIND caps max-ncache-ttl at 7 days
    const n = readTtl(s, errs, 604800);
    if (n !== undefined) rc.maxNcacheTtl = n;
  },
  "resolver-query-timeout": (s, errs, rc) => {
    // BIND: seconds (10-30), or milliseconds when above 300 (301-30000)
    const n = readUint(s.items[1], where(s), errs, 0, 30000);
    if (n === undefined || !noMore(s, 2, errs)) return;
    const ms = n > 300 ? n : n * 1000;
    rc.resolverQueryTimeoutMs = Math.min(30_000, Math.max(ms === 0 ? 10_000 : 301, ms));
  },
  "qname-minimization": (s, errs) => {
    const v = s.items[1];
    const t = isText(v) ? v.text.toLowerCase() : "";
    if (!noMore(s, 2, errs)) return;
    // netsvc's resolver sends the full name to every server, which is what `off`/`disabled` ask for
    if (t !== "off" && t !== "disabled")
      errs.err(
        where(v ?? s),
        `qname-minimization '${t}' is not supported by netsvc (only 'off' or 'disabled')`,
        "ECONF_UNSUPPORTED",
      );
  },
  "rate-limit": readRateLimit,
};

/** `statistics-channels { inet (ADDR|*) [port N] [allow { AML }]; ... };` */
export function readStatisticsChannels(s: Stmt, errs: Errs, rc: RecursionConf): void {
  const b = s.items[1];
  if (b?.kind !== "block") {
    errs.err(where(b ?? s), `expected '{' near ${b ? describe(b) : "';'"}`);
    return;
  }
  noMore(s, 2, errs);
  for (const o of b.stmts) {
    const h = o.items[0];
    if (h?.kind !== "word" || h.text.toLowerCase() !== "inet") {
      errs.err(where(o), `expected 'inet' near ${h ? describe(h) : "';'"}`);
      continue;
    }
    const a = o.items[1];
    if (!isText(a) || !(a.text === "*" || /^\d+(\.\d+){3}$/.test(a.text) || a.text.includes(":"))) {
      errs.err(where(a ?? o), `expected IP address near ${a ? describe(a) : "';'"}`);
      continue;
    }
    let port = 80;
    let allow: Aml | undefined;
    let i = 2;
    let ok = true;
    while (i < o.items.length && ok) {
      const w = o.items[i]!;
      const t = isText(w) ? w.text.toLowerCase() : "";
      if (t === "port") {
        const p = readPort(o.items[i + 1], where(o), errs);
        if (p === undefined) ok = false;
        else port = p;
        i += 2;
      } else if (t === "allow") {
        allow = readAml(o.items[i + 1], where(o), errs);
        if (allow === undefined) ok = false;
        i += 2;
      } else {
        errs.err(where(w), `unexpected ${describe(w)}`);
        ok = false;
      }
    }
    if (ok) rc.statisticsChannels.push({ host: a.text, port, allow, at: where(o) });
  }
}
