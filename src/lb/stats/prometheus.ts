/**
 * `/metrics` on the stats listener: Prometheus text format 0.0.4 with HAProxy exporter names
 * (haproxy_frontend_current_sessions{proxy="web"}, haproxy_server_status{proxy="workers",
 * server="w1"}, haproxy_backend_http_responses_total{proxy="workers",code="2xx"}, ...), one family
 * per column of the table that has a metric, for each kind of row it applies to.
 */
import { FIELDS, applies, type Field, type Row, type RowType } from "./fields.ts";

const esc = (s: string): string => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function split(metric: string): { base: string; labels: string } {
  const i = metric.indexOf("{");
  return i < 0 ? { base: metric, labels: "" } : { base: metric.slice(0, i), labels: metric.slice(i + 1, -1) };
}

function sample(f: Field, r: Row): number | undefined {
  if (f.metricValue !== undefined) return f.metricValue(r);
  const v = f.get(r);
  return typeof v === "number" ? v : undefined;
}

export function renderPrometheus(rows: readonly Row[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const type of ["frontend", "backend", "server"] as RowType[]) {
    const of = rows.filter((r) => r.type === type);
    for (const f of FIELDS) {
      if (f.metric === undefined || !applies(f, type)) continue;
      const { base, labels } = split(f.metric.name);
      const family = `haproxy_${type}_${base}`;
      const body: string[] = [];
      for (const r of of) {
        const v = sample(f, r);
        if (v === undefined) continue;
        let l = `proxy="${esc(r.px.name)}"`;
        if (r.sv !== undefined) l += `,server="${esc(r.sv.name)}"`;
        if (labels !== "") l += `,${labels}`;
        body.push(`${family}{${l}} ${v}`);
      }
      if (body.length === 0) continue;
      if (!seen.has(family)) {
        seen.add(family);
        lines.push(`# HELP ${family} ${f.desc}`, `# TYPE ${family} ${f.metric.type}`);
      }
      lines.push(...body);
    }
  }
  return lines.join("\n") + "\n";
}
