/**
 * The stats service: routes a request on a stats-enabled proxy to the HTML page, `;csv`, `;json`,
 * `/metrics` or the admin POST, with `stats auth` (HTTP Basic, `stats realm`) checked first.
 * See context.ts for the contract with the runtime. handleStats() is pure over its inputs except
 * for the admin action, which changes server admin states through the engine.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { setAdmin } from "../engine/backend.ts";
import type { AdminState } from "../engine/server.ts";
import type { StatsContext, StatsRequest, StatsResponse } from "./context.ts";
import { renderCsv } from "./csv.ts";
import { rowsOf } from "./fields.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderPrometheus } from "./prometheus.ts";

const ACTIONS: Record<string, AdminState> = {
  ready: "READY",
  enable: "READY",
  drain: "DRAIN",
  maint: "MAINT",
  disable: "MAINT",
};

const MESSAGES: Record<string, string> = {
  DONE: "Action processed successfully.",
  PART: "Action not processed for some servers.",
  NONE: "Nothing has changed.",
  ERRP: "Action not processed because of invalid parameters.",
  EXCD: "Action not processed: the buffer couldn't store all the data.",
  DENY: "Action denied.",
};

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authorized(req: StatsRequest, ctx: StatsContext): boolean {
  const auth = ctx.proxy.stats?.auth ?? [];
  if (auth.length === 0) return true;
  const h = req.header("authorization");
  const m = h === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h);
  if (m === null) return false;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return false;
  const user = decoded.slice(0, i);
  const pass = decoded.slice(i + 1);
  return auth.some((a) => equal(a.user, user) && equal(a.password, pass));
}

function text(
  status: number,
  body: string,
  type = "text/plain",
  extra: Record<string, string> = {},
): StatsResponse {
  return { status, headers: { "content-type": type, "cache-control": "no-cache", ...extra }, body };
}

/** Apply an admin POST (`s=SERVER&...&action=ready|drain|maint&b=#IID|NAME`); returns the status code. */
function adminAction(body: string, ctx: StatsContext): keyof typeof MESSAGES {
  const form = new URLSearchParams(body);
  const action = ACTIONS[form.get("action") ?? ""];
  const b = form.get("b") ?? "";
  const state = ctx.state();
  const px = b.startsWith("#")
    ? state.proxies.find((p) => String(p.config.id) === b.slice(1))
    : state.byName.get(b);
  const servers = form.getAll("s");
  if (action === undefined || px?.backend === undefined) return "ERRP";
  if (servers.length === 0) return "NONE";
  let done = 0;
  for (const name of servers) {
    const s = px.backend.byName.get(name);
    if (s === undefined) continue;
    if (s.admin !== action) {
      const from = s.admin;
      setAdmin(px.backend, s, action);
      ctx.onAdmin?.(px.backend, s, from);
    }
    done++;
  }
  return done === servers.length ? "DONE" : done === 0 ? "NONE" : "PART";
}

/** Answer a stats request, or undefined when the request is not for stats. */
export function handleStats(req: StatsRequest, ctx: StatsContext): StatsResponse | undefined {
  const cfg = ctx.proxy.stats;
  if (cfg === undefined) return undefined;
  const target = req.target;
  const isMetrics = target === "/metrics" || target.startsWith("/metrics?");
  if (!isMetrics && !target.startsWith(cfg.uri)) return undefined;
  if (!authorized(req, ctx))
    return text(
      401,
      "<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n",
      "text/html",
      {
        "www-authenticate": `Basic realm="${cfg.realm.replace(/"/g, "")}"`,
      },
    );
  const state = ctx.state();
  const now = state.clock.now();
  const rows = rowsOf(state, ctx.pid, now, ctx.peers?.());
  if (isMetrics) return text(200, renderPrometheus(rows), "text/plain; version=0.0.4; charset=utf-8");

  const flags = target
    .slice(cfg.uri.length)
    .split(/[;?&]/)
    .filter((f) => f !== "");
  const admin = ctx.admin?.(req) === true;
  if (req.method === "POST") {
    if (!admin) return text(303, "", "text/plain", { location: `${cfg.uri};st=DENY` });
    const st = adminAction(req.body.toString("utf8"), ctx);
    return text(303, "", "text/plain", { location: `${cfg.uri};st=${st}` });
  }
  if (req.method !== "GET" && req.method !== "HEAD")
    return text(405, "Method Not Allowed\n", "text/plain", { allow: "GET, HEAD, POST" });
  if (flags.includes("csv")) return text(200, renderCsv(rows), "text/plain");
  if (flags.includes("json")) return text(200, renderJson(rows), "application/json");
  const st = flags.find((f) => f.startsWith("st="))?.slice(3);
  const currentConns = rows.reduce((n, r) => n + (r.type === "frontend" ? r.counters.scur : 0), 0);
  const html = renderHtml(rows, {
    stats: cfg,
    version: ctx.version,
    pid: ctx.pid,
    uptimeMs: now - state.startedAt,
    globalMaxconn: state.config.global.maxconn,
    currentConns,
    admin,
    upOnly: flags.includes("up"),
    ...(st !== undefined && MESSAGES[st] !== undefined ? { message: MESSAGES[st] } : {}),
  });
  const extra: Record<string, string> = {};
  if (cfg.refresh !== undefined && !flags.includes("norefresh"))
    extra.refresh = String(Math.max(1, Math.round(cfg.refresh / 1000)));
  return text(200, html, "text/html", extra);
}

/** handleStats for a plain node:http server; resolves true when it answered. */
export async function handleStatsRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: StatsContext,
): Promise<boolean> {
  const chunks: Buffer[] = [];
  if (req.method === "POST") for await (const c of req) chunks.push(c as Buffer);
  const sreq: StatsRequest = {
    method: req.method ?? "GET",
    target: req.url ?? "/",
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    },
    src: req.socket.remoteAddress ?? "",
    body: Buffer.concat(chunks),
  };
  const r = handleStats(sreq, ctx);
  if (r === undefined) return false;
  const body = typeof r.body === "string" ? Buffer.from(r.body) : r.body;
  res.writeHead(r.status, { ...r.headers, "content-length": String(body.length) });
  res.end(req.method === "HEAD" ? undefined : body);
  return true;
}
