import { typeToText } from "../wire/rrtypes.ts";
import { QTYPE_SLOTS, RCODES, SCALARS, type StatsSnapshot } from "./counters.ts";

/**
 * The two views of the counters, both read from counters.ts's tables: Prometheus text exposition
 * (version 0.0.4) for `/metrics`, and a JSON summary shaped like BIND's statistics channel
 * `/json/v1` (rcodes, qtypes, nsstats, cachestats).
 */
function qtypeName(i: number): string {
  return i === QTYPE_SLOTS - 1 ? "OTHER" : typeToText(i);
}

export function prometheus(s: StatsSnapshot): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  SCALARS.forEach((c, i) => {
    const base = c.metric.split("{")[0]!;
    if (!seen.has(base)) {
      seen.add(base);
      lines.push(`# HELP ${base} ${c.help}`, `# TYPE ${base} counter`);
    }
    lines.push(`${c.metric} ${s.scalar[i] ?? 0}`);
  });
  lines.push(
    "# HELP netsvc_dns_responses_by_rcode_total Responses by RCODE",
    "# TYPE netsvc_dns_responses_by_rcode_total counter",
  );
  RCODES.forEach((name, i) => {
    const v = s.rcode[i] ?? 0;
    if (v > 0 || i <= 5) lines.push(`netsvc_dns_responses_by_rcode_total{rcode="${name}"} ${v}`);
  });
  lines.push(
    "# HELP netsvc_dns_queries_by_qtype_total Queries by QTYPE",
    "# TYPE netsvc_dns_queries_by_qtype_total counter",
  );
  s.qtype.forEach((v, i) => {
    if (v > 0) lines.push(`netsvc_dns_queries_by_qtype_total{qtype="${qtypeName(i)}"} ${v}`);
  });
  for (const [k, v] of Object.entries(s.gauges ?? {})) lines.push(`# TYPE ${k} gauge`, `${k} ${v}`);
  return lines.join("\n") + "\n";
}

export function bindJson(s: StatsSnapshot, bootTime: Date): unknown {
  const rcodes: Record<string, number> = {};
  RCODES.forEach((name, i) => {
    const v = s.rcode[i] ?? 0;
    if (v > 0) rcodes[name] = v;
  });
  const qtypes: Record<string, number> = {};
  s.qtype.forEach((v, i) => {
    if (v > 0) qtypes[qtypeName(i)] = v;
  });
  const nsstats: Record<string, number> = {};
  SCALARS.forEach((c, i) => (nsstats[c.bind] = s.scalar[i] ?? 0));
  const q = (nsstats.QryUDP ?? 0) + (nsstats.QryTCP ?? 0);
  nsstats.Requestv4 = q;
  nsstats.Response = (nsstats.RespUDP ?? 0) + (nsstats.RespTCP ?? 0);
  return {
    "json-stats-version": "1.7",
    "boot-time": bootTime.toISOString(),
    "current-time": new Date().toISOString(),
    opcodes: { QUERY: q },
    rcodes,
    qtypes,
    nsstats,
    cachestats: {
      CacheHits: nsstats.CacheHits ?? 0,
      CacheMisses: nsstats.CacheMisses ?? 0,
      ...(s.gauges ?? {}),
    },
  };
}
