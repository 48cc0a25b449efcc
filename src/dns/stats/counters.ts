/**
 * The DNS server's counters: plain typed arrays bumped on the hot path (a few array increments per
 * query, no maps, no strings), read by the statistics channel. One process-wide set; with
 * node:cluster each worker sends its snapshot to the primary, which adds them up (server/run.ts).
 *
 * ONE table (SCALARS) names every scalar counter: its index, its Prometheus metric (with labels)
 * and its name in BIND's JSON statistics (`/json/v1`), so both views read the same list.
 */
export const SCALARS = [
  {
    name: "queriesUdp",
    metric: 'netsvc_dns_queries_total{transport="udp"}',
    bind: "QryUDP",
    help: "Queries received",
  },
  {
    name: "queriesTcp",
    metric: 'netsvc_dns_queries_total{transport="tcp"}',
    bind: "QryTCP",
    help: "Queries received",
  },
  {
    name: "responsesUdp",
    metric: 'netsvc_dns_responses_total{transport="udp"}',
    bind: "RespUDP",
    help: "Responses sent",
  },
  {
    name: "responsesTcp",
    metric: 'netsvc_dns_responses_total{transport="tcp"}',
    bind: "RespTCP",
    help: "Responses sent",
  },
  {
    name: "answerCacheHits",
    metric: "netsvc_dns_answer_cache_hits_total",
    bind: "AnswerCacheHits",
    help: "Queries answered from pre-encoded answers (authoritative)",
  },
  {
    name: "cacheHits",
    metric: "netsvc_dns_cache_hits_total",
    bind: "CacheHits",
    help: "Recursive queries answered from the cache",
  },
  {
    name: "cacheMisses",
    metric: "netsvc_dns_cache_misses_total",
    bind: "CacheMisses",
    help: "Recursive queries that needed upstream queries",
  },
  {
    name: "recursion",
    metric: "netsvc_dns_recursive_queries_total",
    bind: "QryRecursion",
    help: "Queries that caused recursion",
  },
  {
    name: "refusedRecursion",
    metric: "netsvc_dns_recursion_refused_total",
    bind: "RecQryRej",
    help: "Recursive queries rejected by allow-recursion",
  },
  {
    name: "rrlDropped",
    metric: "netsvc_dns_rrl_dropped_total",
    bind: "RateDropped",
    help: "Responses dropped by rate limiting",
  },
  {
    name: "rrlSlipped",
    metric: "netsvc_dns_rrl_slipped_total",
    bind: "RateSlipped",
    help: "Truncated responses sent by rate limiting",
  },
  {
    name: "dropped",
    metric: "netsvc_dns_dropped_total",
    bind: "QryDropped",
    help: "Queries not answered (malformed or responses)",
  },
] as const;

export type ScalarName = (typeof SCALARS)[number]["name"];

/** Index of each scalar in Stats.scalar. */
export const S = Object.fromEntries(SCALARS.map((c, i) => [c.name, i])) as Record<ScalarName, number>;

/** RFC 1035 / 6895 rcode names (index = rcode; 16 = BADVERS). */
export const RCODES = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
  "RESERVED11",
  "RESERVED12",
  "RESERVED13",
  "RESERVED14",
  "RESERVED15",
  "BADVERS",
];

/** qtype counters: codes 0..255 each, 256 = any larger code. */
export const QTYPE_SLOTS = 257;

export class Stats {
  readonly scalar = new Float64Array(SCALARS.length);
  readonly rcode = new Float64Array(RCODES.length);
  readonly qtype = new Float64Array(QTYPE_SLOTS);

  /** Count a query's type (the 2 bytes after the question name at `at`). */
  qtypeAt(packet: Buffer, at: number): void {
    if (at + 2 > packet.length) return;
    const hi = packet[at]!;
    this.qtype[hi === 0 ? packet[at + 1]! : 256]!++;
  }

  /** Count a response by its header's rcode. */
  response(out: Buffer, udp: boolean): void {
    this.scalar[udp ? S.responsesUdp : S.responsesTcp]!++;
    this.rcode[out[3]! & 0x0f]!++;
  }

  snapshot(): StatsSnapshot {
    return { scalar: [...this.scalar], rcode: [...this.rcode], qtype: [...this.qtype] };
  }

  reset(): void {
    this.scalar.fill(0);
    this.rcode.fill(0);
    this.qtype.fill(0);
  }
}

export interface StatsSnapshot {
  scalar: number[];
  rcode: number[];
  qtype: number[];
  /** Gauges that are not counters (cache entries and bytes, ...), by metric name. */
  gauges?: Record<string, number>;
}

/** Add snapshots (the primary sums its workers'). */
export function sumSnapshots(list: readonly StatsSnapshot[]): StatsSnapshot {
  const out: StatsSnapshot = {
    scalar: new Array<number>(SCALARS.length).fill(0),
    rcode: new Array<number>(RCODES.length).fill(0),
    qtype: new Array<number>(QTYPE_SLOTS).fill(0),
    gauges: {},
  };
  for (const s of list) {
    s.scalar.forEach((v, i) => (out.scalar[i] = (out.scalar[i] ?? 0) + v));
    s.rcode.forEach((v, i) => (out.rcode[i] = (out.rcode[i] ?? 0) + v));
    s.qtype.forEach((v, i) => (out.qtype[i] = (out.qtype[i] ?? 0) + v));
    for (const [k, v] of Object.entries(s.gauges ?? {})) out.gauges![k] = (out.gauges![k] ?? 0) + v;
  }
  return out;
}

/** The process's counters. */
export const STATS = new Stats();
