/**
 * ONE column table for every stats view (HAProxy's stat_cols_px[] in src/stats.c, in its order, so
 * that CSV positions match HAProxy's): the CSV name, the Prometheus metric (as HAProxy's exporter
 * names it, prefixed haproxy_frontend_ / haproxy_backend_ / haproxy_server_), a description, which
 * rows it applies to, the JSON typing, how to read it from a row, and, for columns the HTML page
 * shows, how the page prints it. html.ts, csv.ts, json.ts and prometheus.ts iterate over this.
 *
 * Empty value (undefined) = the column does not apply to that row or the feature is not configured,
 * as HAProxy leaves such cells empty.
 */
import type { BackendState } from "../engine/backend.ts";
import { rateRead, type Counters } from "../engine/counters.ts";
import type { LbState, ProxyState } from "../engine/runtime.ts";
import { downtimeAt, isUp, isUsable, statusText, type ServerState } from "../engine/server.ts";
import { CHECK_STATUSES } from "../check/status.ts";
import { mergeParts, objKey, type PeerLookup } from "./peers.ts";

export type RowType = "frontend" | "backend" | "server";

export interface Row {
  type: RowType;
  px: ProxyState;
  be: BackendState | undefined;
  sv: ServerState | undefined;
  /** This process's counters, plus the other workers' when the stats are shared (peers.ts). */
  counters: Counters;
  /** Current queue length (summed over the workers likewise). */
  qcur: number;
  state: LbState;
  now: number;
  pid: number;
}

export type Value = string | number | undefined;

/** JSON typing, as HAProxy's typed output (`;json`). */
export type Nature = "Name" | "Gauge" | "Max" | "Limit" | "Counter" | "Output" | "Duration" | "Age" | "Rate";

export interface Field {
  /** CSV column name. */
  name: string;
  desc: string;
  /** Rows the column applies to: F frontend, B backend, S server. */
  on: "F" | "B" | "S" | "FB" | "BS" | "FBS";
  nature: Nature;
  get: (r: Row) => Value;
  /** Prometheus metric suffix and type (absent: not exported). */
  metric?: { name: string; type: "gauge" | "counter" };
  /** The metric's value when it is not the column's number (status as 1/0, ms as seconds). */
  metricValue?: (r: Row) => number | undefined;
  /** The HTML page's cell for this column (default: the value; "" when undefined). */
  html?: (r: Row) => string;
}

const sec = (ms: number): number => Math.max(0, Math.floor(ms / 1000));
const http = (r: Row): boolean => r.px.config.mode === "http";
const checked = (r: Row): boolean => r.sv?.check.enabled === true;

/** HAProxy's human durations: 3s, 1m20s, 2h5m, 1d3h. */
export function humanTime(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

function backendWeight(be: BackendState): number {
  return be.eligible.reduce((n, s) => n + s.weight, 0);
}

/** Backend `slim`: HAProxy's default fullconn, 10% of the maxconn of the frontends using it. */
function backendLimit(r: Row): number {
  let sum = 0;
  for (const p of r.state.proxies) {
    const c = p.config;
    if (!c.isFrontend) continue;
    const uses =
      c.defaultBackend === r.px.name || c.useBackends.some((u) => u.backend === r.px.name) || p === r.px;
    if (uses) sum += c.maxconn > 0 ? c.maxconn : r.state.config.global.maxconn;
  }
  return Math.max(1, Math.ceil(sum / 10));
}

function status(r: Row): string {
  if (r.type === "frontend") {
    const max = r.px.config.maxconn > 0 ? r.px.config.maxconn : r.state.config.global.maxconn;
    return r.counters.scur >= max ? "FULL" : "OPEN";
  }
  // HAProxy: a backend is UP while it has usable servers, or when it has none at all (stats).
  if (r.type === "backend") return r.be!.eligible.length > 0 || r.be!.servers.length === 0 ? "UP" : "DOWN";
  return statusText(r.sv!);
}

function hrsp(i: number, label: string): Field {
  return {
    name: `hrsp_${label}`,
    desc: `HTTP responses with ${label === "other" ? "other codes (protocol error)" : `${label} code`}`,
    on: "FBS",
    nature: "Counter",
    get: (r) => (http(r) ? r.counters.hrsp[i] : undefined),
    metric: { name: `http_responses_total{code="${label}"}`, type: "counter" },
  };
}

const empty = (name: string, desc: string, on: Field["on"] = "FBS"): Field => ({
  name,
  desc: `${desc} (not provided by netsvc)`,
  on,
  nature: "Output",
  get: () => undefined,
});

export const FIELDS: readonly Field[] = [
  { name: "pxname", desc: "Proxy name", on: "FBS", nature: "Name", get: (r) => r.px.name },
  {
    name: "svname",
    desc: "Service name (FRONTEND, BACKEND or the server name)",
    on: "FBS",
    nature: "Name",
    get: (r) => (r.type === "frontend" ? "FRONTEND" : r.type === "backend" ? "BACKEND" : r.sv!.name),
  },
  {
    name: "qcur",
    desc: "Number of current queued connections",
    on: "BS",
    nature: "Gauge",
    get: (r) => r.qcur,
    metric: { name: "current_queue", type: "gauge" },
  },
  {
    name: "qmax",
    desc: "Highest value of queued connections encountered since process started",
    on: "BS",
    nature: "Max",
    get: (r) => r.counters.qmax,
    metric: { name: "max_queue", type: "gauge" },
  },
  {
    name: "scur",
    desc: "Number of current sessions",
    on: "FBS",
    nature: "Gauge",
    get: (r) => r.counters.scur,
    metric: { name: "current_sessions", type: "gauge" },
  },
  {
    name: "smax",
    desc: "Highest value of current sessions encountered since process started",
    on: "FBS",
    nature: "Max",
    get: (r) => r.counters.smax,
    metric: { name: "max_sessions", type: "gauge" },
  },
  {
    name: "slim",
    desc: "Maximum number of current sessions (limit)",
    on: "FBS",
    nature: "Limit",
    get: (r) =>
      r.type === "frontend"
        ? r.px.config.maxconn > 0
          ? r.px.config.maxconn
          : r.state.config.global.maxconn
        : r.type === "backend"
          ? backendLimit(r)
          : r.sv!.config.maxconn > 0
            ? r.sv!.config.maxconn
            : undefined,
    metric: { name: "limit_sessions", type: "gauge" },
    html: (r) => {
      const v = FIELD.slim!.get(r);
      return v === undefined ? "-" : String(v);
    },
  },
  {
    name: "stot",
    desc: "Total number of sessions since process started",
    on: "FBS",
    nature: "Counter",
    get: (r) => r.counters.stot,
    metric: { name: "sessions_total", type: "counter" },
  },
  {
    name: "bin",
    desc: "Total number of request bytes since process started",
    on: "FBS",
    nature: "Counter",
    get: (r) => r.counters.bin,
    metric: { name: "bytes_in_total", type: "counter" },
  },
  {
    name: "bout",
    desc: "Total number of response bytes since process started",
    on: "FBS",
    nature: "Counter",
    get: (r) => r.counters.bout,
    metric: { name: "bytes_out_total", type: "counter" },
  },
  {
    name: "dreq",
    desc: "Total number of denied requests since process started",
    on: "FB",
    nature: "Counter",
    get: (r) => r.counters.dreq,
    metric: { name: "requests_denied_total", type: "counter" },
  },
  {
    name: "dresp",
    desc: "Total number of denied responses since process started",
    on: "FBS",
    nature: "Counter",
    get: (r) => r.counters.dresp,
    metric: { name: "responses_denied_total", type: "counter" },
  },
  {
    name: "ereq",
    desc: "Total number of invalid requests since process started",
    on: "F",
    nature: "Counter",
    get: (r) => r.counters.ereq,
    metric: { name: "request_errors_total", type: "counter" },
  },
  {
    name: "econ",
    desc: "Total number of failed connections to server since the worker process started",
    on: "BS",
    nature: "Counter",
    get: (r) => r.counters.econ,
    metric: { name: "connection_errors_total", type: "counter" },
  },
  {
    name: "eresp",
    desc: "Total number of invalid responses since the worker process started",
    on: "BS",
    nature: "Counter",
    get: (r) => r.counters.eresp,
    metric: { name: "response_errors_total", type: "counter" },
  },
  {
    name: "wretr",
    desc: "Total number of server connection retries since the worker process started",
    on: "BS",
    nature: "Counter",
    get: (r) => r.counters.wretr,
    metric: { name: "retry_warnings_total", type: "counter" },
  },
  {
    name: "wredis",
    desc: "Total number of server redispatches due to connection failures since the worker process started",
    on: "BS",
    nature: "Counter",
    get: (r) => r.counters.wredis,
    metric: { name: "redispatch_warnings_total", type: "counter" },
  },
  {
    name: "status",
    desc: "Frontend/listen status: OPEN/WAITING/FULL/STOP; backend: UP/DOWN; server: last check status",
    on: "FBS",
    nature: "Output",
    get: status,
    metric: { name: "status", type: "gauge" },
    metricValue: (r) => {
      const v = status(r);
      return v === "OPEN" || v.startsWith("UP") || v === "no check" || v === "DRAIN" ? 1 : 0;
    },
    html: (r) => {
      if (r.type === "frontend") return status(r);
      const since = humanTime(sec(r.now - (r.sv?.lastChange ?? r.be!.lastChange)));
      return `${since} ${status(r)}`;
    },
  },
  {
    name: "weight",
    desc: "Server's effective weight, or sum of active servers' effective weights for a backend",
    on: "BS",
    nature: "Gauge",
    get: (r) => (r.sv !== undefined ? r.sv.weight : backendWeight(r.be!)),
    metric: { name: "weight", type: "gauge" },
    html: (r) =>
      r.sv !== undefined
        ? `${r.sv.weight}/${r.sv.config.weight}`
        : `${backendWeight(r.be!)}/${r.be!.servers.reduce((n, s) => n + s.config.weight, 0)}`,
  },
  {
    name: "act",
    desc: "Total number of active UP servers with a non-zero weight",
    on: "BS",
    nature: "Gauge",
    get: (r) =>
      r.sv !== undefined
        ? r.sv.config.backup
          ? 0
          : 1
        : r.be!.servers.filter((s) => !s.config.backup && isUsable(s)).length,
    metric: { name: "active_servers", type: "gauge" },
    html: (r) => (r.sv !== undefined ? (r.sv.config.backup ? "-" : "Y") : String(FIELD.act!.get(r))),
  },
  {
    name: "bck",
    desc: "Total number of backup UP servers with a non-zero weight",
    on: "BS",
    nature: "Gauge",
    get: (r) =>
      r.sv !== undefined
        ? r.sv.config.backup
          ? 1
          : 0
        : r.be!.servers.filter((s) => s.config.backup && isUsable(s)).length,
    metric: { name: "backup_servers", type: "gauge" },
    html: (r) => (r.sv !== undefined ? (r.sv.config.backup ? "Y" : "-") : String(FIELD.bck!.get(r))),
  },
  {
    name: "chkfail",
    desc: "Total number of failed individual health checks per server/backend, since the worker process started",
    on: "S",
    nature: "Counter",
    get: (r) => (checked(r) ? r.sv!.check.failed : undefined),
    metric: { name: "check_failures_total", type: "counter" },
  },
  {
    name: "chkdown",
    desc: "Total number of failed checks causing UP to DOWN server transitions, per server/backend",
    on: "BS",
    nature: "Counter",
    get: (r) =>
      r.sv !== undefined
        ? checked(r)
          ? r.sv.check.downs
          : undefined
        : r.be!.servers.reduce((n, s) => n + s.check.downs, 0),
    metric: { name: "check_up_down_total", type: "counter" },
  },
  {
    name: "lastchg",
    desc: "How long ago the last server state changed, in seconds",
    on: "BS",
    nature: "Age",
    get: (r) => sec(r.now - (r.sv?.lastChange ?? r.be!.lastChange)),
    metric: { name: "check_last_change_seconds", type: "gauge" },
  },
  {
    name: "downtime",
    desc: "Total time spent in DOWN state, for server or backend",
    on: "BS",
    nature: "Duration",
    get: (r) => {
      if (r.sv !== undefined) return checked(r) ? sec(downtimeAt(r.sv, r.now)) : undefined;
      const be = r.be!;
      return sec(be.downtime + (be.downSince >= 0 ? r.now - be.downSince : 0));
    },
    metric: { name: "downtime_seconds_total", type: "counter" },
    html: (r) => {
      const v = FIELD.downtime!.get(r);
      return v === undefined ? "" : humanTime(Number(v));
    },
  },
  empty("qlimit", "Limit on the number of connections in queue (maxqueue)", "S"),
  { name: "pid", desc: "Relative worker process number (1)", on: "FBS", nature: "Name", get: () => 1 },
  {
    name: "iid",
    desc: "Frontend or Backend numeric identifier ('id' setting)",
    on: "FBS",
    nature: "Name",
    get: (r) => r.px.config.id,
  },
  {
    name: "sid",
    desc: "Server numeric identifier",
    on: "FBS",
    nature: "Name",
    get: (r) => r.sv?.config.id ?? 0,
  },
  empty(
    "throttle",
    "Throttling ratio applied to a server's maxconn and weight during the slowstart period",
    "S",
  ),
  {
    name: "lbtot",
    desc: "Total number of requests routed by load balancing since the worker process started",
    on: "BS",
    nature: "Counter",
    get: (r) => r.counters.lbtot,
    metric: { name: "loadbalanced_total", type: "counter" },
  },
  empty("tracked", "Unique identifier of the server being tracked", "S"),
  {
    name: "type",
    desc: "Type of the object (0=frontend, 1=backend, 2=server)",
    on: "FBS",
    nature: "Output",
    get: (r) => (r.type === "frontend" ? 0 : r.type === "backend" ? 1 : 2),
  },
  {
    name: "rate",
    desc: "Total number of sessions processed by this object over the last second",
    on: "FBS",
    nature: "Rate",
    get: (r) => rateRead(r.counters.rate, r.now),
    metric: { name: "current_session_rate", type: "gauge" },
  },
  empty("rate_lim", "Limit on the number of sessions accepted in a second (rate-limit sessions)", "F"),
  {
    name: "rate_max",
    desc: "Highest value of sessions per second observed since the worker process started",
    on: "FBS",
    nature: "Max",
    get: (r) => r.counters.rate.max,
    metric: { name: "max_session_rate", type: "gauge" },
  },
  {
    name: "check_status",
    desc: "Status report of the server's latest health check",
    on: "S",
    nature: "Output",
    get: (r) => (checked(r) ? r.sv!.check.status : undefined),
  },
  {
    name: "check_code",
    desc: "HTTP/SMTP/LDAP status code reported by the latest server health check",
    on: "S",
    nature: "Output",
    get: (r) => (checked(r) ? r.sv!.check.code : undefined),
    metric: { name: "check_code", type: "gauge" },
  },
  {
    name: "check_duration",
    desc: "Total duration of the latest server health check, in milliseconds",
    on: "S",
    nature: "Duration",
    get: (r) => (checked(r) && r.sv!.check.lastAt >= 0 ? r.sv!.check.durationMs : undefined),
    metric: { name: "check_duration_seconds", type: "gauge" },
    metricValue: (r) => (checked(r) && r.sv!.check.lastAt >= 0 ? r.sv!.check.durationMs / 1000 : undefined),
  },
  hrsp(0, "1xx"),
  hrsp(1, "2xx"),
  hrsp(2, "3xx"),
  hrsp(3, "4xx"),
  hrsp(4, "5xx"),
  hrsp(5, "other"),
  {
    name: "hanafail",
    desc: "Failed health analyses (observe)",
    on: "S",
    nature: "Counter",
    get: (r) => (checked(r) ? 0 : undefined),
  },
  {
    name: "req_rate",
    desc: "Number of HTTP requests processed over the last second",
    on: "F",
    nature: "Rate",
    get: (r) => (http(r) ? rateRead(r.counters.reqRate, r.now) : undefined),
    metric: { name: "http_requests_rate_current", type: "gauge" },
  },
  {
    name: "req_rate_max",
    desc: "Highest value of http requests observed since the worker process started",
    on: "F",
    nature: "Max",
    get: (r) => (http(r) ? r.counters.reqRate.max : undefined),
    metric: { name: "http_requests_rate_max", type: "gauge" },
  },
  {
    name: "req_tot",
    desc: "Total number of HTTP requests processed by this object since the worker process started",
    on: "FBS",
    nature: "Counter",
    get: (r) => (http(r) ? r.counters.reqTot : undefined),
    metric: { name: "http_requests_total", type: "counter" },
  },
  {
    name: "cli_abrt",
    desc: "Total number of requests or connections aborted by the client since the worker process started",
    on: "BS",
    nature: "Counter",
    get: (r) => r.counters.cliAbrt,
    metric: { name: "client_aborts_total", type: "counter" },
  },
  {
    name: "srv_abrt",
    desc: "Total number of requests or connections aborted by the server since the worker process started",
    on: "BS",
    nature: "Counter",
    get: (r) => r.counters.srvAbrt,
    metric: { name: "server_aborts_total", type: "counter" },
  },
  empty("comp_in", "Total number of bytes submitted to the HTTP compressor", "FB"),
  empty("comp_out", "Total number of bytes emitted by the HTTP compressor", "FB"),
  empty("comp_byp", "Total number of bytes that bypassed HTTP compression", "FB"),
  empty("comp_rsp", "Total number of HTTP responses that were compressed", "FB"),
  {
    name: "lastsess",
    desc: "How long ago some traffic was seen on this object on this worker process, in seconds",
    on: "BS",
    nature: "Age",
    get: (r) => (r.counters.lastSess < 0 ? -1 : sec(r.now - r.counters.lastSess)),
    metric: { name: "last_session_seconds", type: "gauge" },
    html: (r) => (r.counters.lastSess < 0 ? "?" : humanTime(sec(r.now - r.counters.lastSess))),
  },
  {
    name: "last_chk",
    desc: "Short description of the latest health check report for this server",
    on: "S",
    nature: "Output",
    get: (r) => (checked(r) ? r.sv!.check.info : undefined),
    html: (r) => {
      if (!checked(r)) return "";
      const c = r.sv!.check;
      return c.lastAt < 0
        ? c.status
        : `${c.status}${c.code !== undefined ? `/${c.code}` : ""} in ${c.durationMs}ms`;
    },
  },
  empty("last_agt", "Short description of the latest agent check report", "S"),
  empty("qtime", "Average queue time over the last 1024 requests", "BS"),
  empty("ctime", "Average connect time over the last 1024 requests", "BS"),
  empty("rtime", "Average response time over the last 1024 requests", "BS"),
  empty("ttime", "Average total session time over the last 1024 requests", "BS"),
  empty("agent_status", "Status report of the latest agent check", "S"),
  empty("agent_code", "Status code reported by the latest agent check", "S"),
  empty("agent_duration", "Total duration of the latest agent check", "S"),
  {
    name: "check_desc",
    desc: "Textual description of the latest health check report for this server",
    on: "S",
    nature: "Output",
    get: (r) => (checked(r) ? CHECK_STATUSES[r.sv!.check.status].desc : undefined),
  },
  empty("agent_desc", "Textual description of the latest agent check", "S"),
  {
    name: "check_rise",
    desc: "Number of successful health checks before declaring a server UP",
    on: "S",
    nature: "Output",
    get: (r) => (checked(r) ? r.sv!.check.rise : undefined),
  },
  {
    name: "check_fall",
    desc: "Number of failed health checks before declaring a server DOWN",
    on: "S",
    nature: "Output",
    get: (r) => (checked(r) ? r.sv!.check.fall : undefined),
  },
  {
    name: "check_health",
    desc: "Current server health check level (0..fall-1=DOWN, fall..rise-1=UP)",
    on: "S",
    nature: "Output",
    get: (r) => (checked(r) ? r.sv!.check.health : undefined),
  },
  empty("agent_rise", "Agent rise", "S"),
  empty("agent_fall", "Agent fall", "S"),
  empty("agent_health", "Agent health", "S"),
  {
    name: "addr",
    desc: "Server's address:port",
    on: "S",
    nature: "Output",
    get: (r) => {
      const c = r.sv!.config;
      return c.host.includes(":") ? `[${c.host}]:${c.port}` : `${c.host}:${c.port}`;
    },
  },
  empty("cookie", "Server's cookie", "BS"),
  { name: "mode", desc: "Proxy mode (tcp, http)", on: "FBS", nature: "Output", get: (r) => r.px.config.mode },
  {
    name: "algo",
    desc: "Load balancing algorithm",
    on: "B",
    nature: "Output",
    get: (r) =>
      r.px.config.balance.algorithm === "hdr"
        ? `hdr(${r.px.config.balance.header ?? ""})`
        : r.px.config.balance.algorithm,
  },
];

/** Columns by name, for renderers that need a specific one. */
export const FIELD: Readonly<Record<string, Field>> = Object.fromEntries(FIELDS.map((f) => [f.name, f]));

export function applies(f: Field, type: RowType): boolean {
  return f.on.includes(type === "frontend" ? "F" : type === "backend" ? "B" : "S");
}

/** The value of a column for a row, undefined when the column does not apply. */
export function valueOf(f: Field, r: Row): Value {
  return applies(f, r.type) ? f.get(r) : undefined;
}

/**
 * Every row in HAProxy's order: per proxy, FRONTEND, then each server, then BACKEND. With `peers`
 * (the other workers of a `--workers N` balancer) each row's counters are the sum over the workers.
 */
export function rowsOf(state: LbState, pid: number, now: number, peers?: PeerLookup): Row[] {
  const rows: Row[] = [];
  const part = (key: string, counters: Counters, qcur: number): { counters: Counters; qcur: number } => {
    const other = peers?.(key);
    if (other === undefined) return { counters, qcur };
    const m = mergeParts([{ c: counters, qcur }, other], now);
    return { counters: m.c, qcur: m.qcur };
  };
  for (const px of state.proxies) {
    const base = { px, state, now, pid };
    if (px.frontend !== undefined)
      rows.push({
        ...base,
        type: "frontend",
        be: undefined,
        sv: undefined,
        ...part(objKey("F", px.name), px.frontend.counters, 0),
      });
    const be = px.backend;
    if (be !== undefined) {
      for (const sv of be.servers)
        rows.push({
          ...base,
          type: "server",
          be,
          sv,
          ...part(objKey("S", px.name, sv.name), sv.counters, sv.queue.length),
        });
      rows.push({
        ...base,
        type: "backend",
        be,
        sv: undefined,
        ...part(objKey("B", px.name), be.counters, be.queue.length),
      });
    }
  }
  return rows;
}

/** The CSS class of a server row (HAProxy's colours: active_up, backup_going_down, maintain...). */
export function rowClass(r: Row): string {
  if (r.type !== "server") return r.type;
  const s = r.sv!;
  if (s.admin === "MAINT") return "maintain";
  const side = s.config.backup ? "backup" : "active";
  if (s.admin === "DRAIN" && isUp(s)) return `${side}_draining`;
  const c = s.check;
  if (!c.enabled) return `${side}_no_check`;
  if (c.health >= c.rise) return c.health === c.rise + c.fall - 1 ? `${side}_up` : `${side}_going_down`;
  return c.health === 0 ? `${side}_down` : `${side}_going_up`;
}
