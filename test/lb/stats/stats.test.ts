import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfigText } from "../../../src/lb/config/load.ts";
import { countResponse, sessionStart } from "../../../src/lb/engine/counters.ts";
import { dispatch } from "../../../src/lb/engine/backend.ts";
import { createLbState, type LbState } from "../../../src/lb/engine/runtime.ts";
import { applyOutcome } from "../../../src/lb/check/fsm.ts";
import { serversChanged } from "../../../src/lb/engine/backend.ts";
import { handleStats } from "../../../src/lb/stats/handler.ts";
import type { StatsContext, StatsRequest } from "../../../src/lb/stats/context.ts";
import { FIELDS, rowClass, rowsOf } from "../../../src/lb/stats/fields.ts";
import { TestClock } from "../engine/fixture.ts";

const CFG = `
defaults
    mode http
frontend web
    bind 127.0.0.1:7000
    default_backend workers
backend workers
    server w0 127.0.0.1:8080 check rise 2 fall 2
    server w1 127.0.0.1:8081 check rise 2 fall 2
    server b0 127.0.0.1:8082 backup
listen stats
    bind 127.0.0.1:7001
    stats uri /stats
    stats refresh 10s
    stats auth admin:s3cret
    stats realm Lab\\ stats
`;

function setup(): { state: LbState; clock: TestClock; ctx: (admin?: boolean) => StatsContext } {
  const clock = new TestClock();
  const config = parseConfigText(CFG, "t.cfg").config!;
  const state = createLbState(config, { clock });
  const proxy = state.byName.get("stats")!.config;
  return {
    state,
    clock,
    ctx: (admin = false) => ({ state: () => state, proxy, version: "9.9.9", pid: 4242, admin: () => admin }),
  };
}

const AUTH = `Basic ${Buffer.from("admin:s3cret").toString("base64")}`;

function get(
  target: string,
  headers: Record<string, string> = { authorization: AUTH },
  method = "GET",
  body = "",
): StatsRequest {
  return { method, target, header: (n) => headers[n], src: "127.0.0.1", body: Buffer.from(body) };
}

describe("stats column table", () => {
  it("has HAProxy 2.6's CSV columns in HAProxy's order, through `algo`", () => {
    // The header `haproxy -db` 2.6 prints for `;csv`, up to its 77th column.
    const haproxy =
      "pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo";
    assert.equal(FIELDS.map((f) => f.name).join(","), haproxy);
    assert.equal(new Set(FIELDS.map((f) => f.name)).size, FIELDS.length, "names are unique");
  });

  it("row classes follow HAProxy's colours", () => {
    const { state } = setup();
    const rows = rowsOf(state, 1, 0);
    const w0 = rows.find((r) => r.sv?.name === "w0")!;
    assert.equal(rowClass(w0), "active_going_down", "UP 1/2 before the first check");
    w0.sv!.check.health = 3;
    assert.equal(rowClass(w0), "active_up");
    w0.sv!.check.health = 1;
    assert.equal(rowClass(w0), "active_going_up");
    w0.sv!.check.health = 0;
    assert.equal(rowClass(w0), "active_down");
    w0.sv!.admin = "MAINT";
    assert.equal(rowClass(w0), "maintain");
    const b0 = rows.find((r) => r.sv?.name === "b0")!;
    assert.equal(rowClass(b0), "backup_no_check");
    b0.sv!.admin = "DRAIN";
    assert.equal(rowClass(b0), "backup_draining");
  });
});

describe("stats handler", () => {
  it("asks for Basic auth with the realm, and accepts the right user", () => {
    const { ctx } = setup();
    const r = handleStats(get("/stats", {}), ctx())!;
    assert.equal(r.status, 401);
    assert.equal(r.headers["www-authenticate"], 'Basic realm="Lab stats"');
    const bad = `Basic ${Buffer.from("admin:nope").toString("base64")}`;
    assert.equal(handleStats(get("/stats", { authorization: bad }), ctx())!.status, 401);
    assert.equal(handleStats(get("/stats"), ctx())!.status, 200);
  });

  it("leaves other URIs to the runtime", () => {
    const { ctx } = setup();
    assert.equal(handleStats(get("/"), ctx()), undefined);
    assert.equal(handleStats(get("/statsx/../"), ctx())?.status, 200, "prefix match as HAProxy");
  });

  it("serves the HTML page with a Refresh header and the version unless hidden", () => {
    const { ctx } = setup();
    const r = handleStats(get("/stats"), ctx())!;
    assert.equal(r.headers["content-type"], "text/html");
    assert.equal(r.headers.refresh, "10");
    const html = String(r.body);
    for (const n of ["web", "workers", "stats", "w0", "w1", "b0"]) assert.match(html, new RegExp(`>${n}<`));
    assert.match(html, /netsvc version 9\.9\.9/);
    assert.match(html, /pid = <\/b> 4242/);
    assert.doesNotMatch(html, /<form/, "no admin form without `stats admin`");
    assert.equal(handleStats(get("/stats;norefresh"), ctx())!.headers.refresh, undefined);
  });

  it("CSV: HAProxy's header line and one row per frontend, server and backend", () => {
    const { ctx, state, clock } = setup();
    const fe = state.byName.get("web")!.frontend!;
    sessionStart(fe.counters, clock.now());
    countResponse(fe.counters, 200);
    countResponse(fe.counters, 503);
    const be = state.byName.get("workers")!.backend!;
    applyOutcome(
      be.byName.get("w1")!,
      { status: "L4CON", info: "Connection refused", durationMs: 0 },
      clock.now(),
    );
    serversChanged(be);
    dispatch(be, { src: "1.2.3.4", method: "GET", uri: "/", headers: {} });
    const csv = String(handleStats(get("/stats;csv"), ctx())!.body);
    const [head, ...lines] = csv.trimEnd().split("\n");
    assert.match(head!, /^# pxname,svname,qcur,qmax,scur,/);
    assert.ok(head!.endsWith(","));
    const cols = head!.slice(2).split(",");
    const rows = lines.map((l) => l.split(","));
    assert.deepEqual(
      rows.map((r) => `${r[0]}/${r[1]}`),
      [
        "web/FRONTEND",
        "workers/w0",
        "workers/w1",
        "workers/b0",
        "workers/BACKEND",
        "stats/FRONTEND",
        "stats/BACKEND",
      ],
    );
    const at = (px: string, sv: string, col: string): string =>
      rows.find((r) => r[0] === px && r[1] === sv)![cols.indexOf(col)]!;
    assert.equal(at("workers", "w1", "status"), "DOWN");
    assert.equal(at("workers", "w1", "check_status"), "L4CON");
    assert.equal(at("workers", "w1", "last_chk"), "Connection refused");
    assert.equal(at("workers", "w1", "check_desc"), "Layer4 connection problem");
    assert.equal(at("workers", "w1", "chkdown"), "1");
    assert.equal(at("workers", "w0", "status"), "UP 1/2");
    assert.equal(at("workers", "w0", "scur"), "1");
    assert.equal(at("workers", "w0", "addr"), "127.0.0.1:8080");
    assert.equal(at("workers", "b0", "status"), "no check");
    assert.equal(at("workers", "b0", "bck"), "1");
    assert.equal(at("workers", "BACKEND", "status"), "UP");
    assert.equal(at("workers", "BACKEND", "act"), "1");
    assert.equal(at("web", "FRONTEND", "status"), "OPEN");
    assert.equal(at("web", "FRONTEND", "hrsp_2xx"), "1");
    assert.equal(at("web", "FRONTEND", "hrsp_5xx"), "1");
    assert.equal(at("web", "FRONTEND", "qcur"), "", "not applicable to a frontend");
    assert.equal(at("web", "FRONTEND", "iid"), "1");
    assert.equal(at("workers", "w1", "sid"), "2");
    assert.equal(at("workers", "w0", "type"), "2");
  });

  it("JSON: HAProxy's typed fields", () => {
    const { ctx } = setup();
    const j = JSON.parse(String(handleStats(get("/stats;json"), ctx())!.body)) as {
      objType: string;
      field: { pos: number; name: string };
      value: { type: string; value: unknown };
    }[][];
    assert.equal(j.length, 7);
    const sv = j[1]!;
    assert.equal(sv[0]!.objType, "Server");
    assert.deepEqual(sv.find((f) => f.field.name === "svname")!.value, { type: "str", value: "w0" });
    assert.deepEqual(sv.find((f) => f.field.name === "stot")!.value, { type: "u64", value: 0 });
    assert.equal(sv.find((f) => f.field.name === "status")!.field.pos, 17);
  });

  it("/metrics: Prometheus text with HAProxy exporter names", () => {
    const { ctx } = setup();
    const r = handleStats(get("/metrics"), ctx())!;
    assert.match(r.headers["content-type"]!, /^text\/plain; version=0\.0\.4/);
    const m = String(r.body);
    assert.match(m, /^# TYPE haproxy_frontend_current_sessions gauge$/m);
    assert.match(m, /^haproxy_server_status\{proxy="workers",server="w0"\} 1$/m);
    assert.match(m, /^haproxy_backend_http_responses_total\{proxy="workers",code="2xx"\} 0$/m);
    assert.match(m, /^haproxy_server_check_failures_total\{proxy="workers",server="w1"\} 0$/m);
    const families = [...m.matchAll(/^# TYPE (\S+)/gm)].map((x) => x[1]);
    assert.equal(new Set(families).size, families.length, "each family declared once");
  });

  it("admin POST changes server states only when `stats admin` allows it", () => {
    const { ctx, state } = setup();
    const be = state.byName.get("workers")!.backend!;
    const post = (admin: boolean, body: string) =>
      handleStats(get("/stats", { authorization: AUTH }, "POST", body), ctx(admin))!;
    const denied = post(false, "s=w0&action=maint&b=%232");
    assert.equal(denied.status, 303);
    assert.equal(denied.headers.location, "/stats;st=DENY");
    assert.equal(be.byName.get("w0")!.admin, "READY");
    const ok = post(true, "s=w0&s=w1&action=maint&b=%232");
    assert.equal(ok.headers.location, "/stats;st=DONE");
    assert.equal(be.byName.get("w0")!.admin, "MAINT");
    assert.equal(be.byName.get("w1")!.admin, "MAINT");
    assert.deepEqual(
      be.eligible.map((s) => s.name),
      ["b0"],
    );
    assert.equal(post(true, "s=w0&action=drain&b=workers").headers.location, "/stats;st=DONE");
    assert.equal(be.byName.get("w0")!.admin, "DRAIN");
    assert.equal(post(true, "s=w0&action=bogus&b=workers").headers.location, "/stats;st=ERRP");
    assert.equal(post(true, "s=nope&action=ready&b=workers").headers.location, "/stats;st=NONE");
    const page = String(handleStats(get("/stats;st=DONE"), ctx(true))!.body);
    assert.match(page, /Action processed successfully\./);
    assert.match(page, /<form method="post" action="\/stats">/);
    assert.match(page, /name="b" value="#2"/);
  });

  it(";up hides DOWN servers", () => {
    const { ctx, state } = setup();
    const be = state.byName.get("workers")!.backend!;
    be.byName.get("w1")!.check.health = 0;
    const page = String(handleStats(get("/stats;up"), ctx())!.body);
    assert.doesNotMatch(page, /workers\/w1/);
    assert.match(page, /workers\/w0/);
  });
});

describe("handleStatsRequest on node:http", () => {
  it("answers the stats URI and the admin POST, and leaves other paths alone", async () => {
    const { createServer } = await import("node:http");
    const { handleStatsRequest } = await import("../../../src/lb/stats/handler.ts");
    const { ctx, state } = setup();
    const srv = createServer((q, r) => {
      void handleStatsRequest(q, r, ctx(true)).then((done) => {
        if (!done) r.end("not stats");
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const { port } = srv.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    try {
      const csv = await fetch(`${base}/stats;csv`, { headers: { authorization: AUTH } });
      assert.equal(csv.status, 200);
      assert.match(await csv.text(), /^# pxname,svname,/);
      assert.equal(await (await fetch(`${base}/other`)).text(), "not stats");
      const post = await fetch(`${base}/stats`, {
        method: "POST",
        redirect: "manual",
        headers: { authorization: AUTH, "content-type": "application/x-www-form-urlencoded" },
        body: "s=w1&action=maint&b=workers",
      });
      assert.equal(post.status, 303);
      assert.equal(post.headers.get("location"), "/stats;st=DONE");
      assert.equal(state.byName.get("workers")!.backend!.byName.get("w1")!.admin, "MAINT");
    } finally {
      srv.close();
    }
  });
});
