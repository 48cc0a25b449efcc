import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startNetsvc, type Running } from "../helpers/proc.ts";
import { RawClient, get, portOf, sleep, startBackend, writeConfig } from "./lb-helpers.ts";

const DEFAULTS = `
defaults
    mode http
    timeout connect 500ms
    timeout client 5s
    timeout server 5s
`;

const STATS = `
listen stats
    bind 127.0.0.1:0
    stats uri /stats
    stats admin if TRUE
`;

/** The stats CSV as rows keyed "pxname/svname" -> column -> value. */
type Csv = Map<string, Record<string, string>>;

function parseCsv(text: string): Csv {
  const lines = text.trim().split("\n");
  const head = lines[0]!.replace(/^# /, "").split(",");
  const out: Csv = new Map();
  for (const l of lines.slice(1)) {
    const cells = l.split(",");
    out.set(`${cells[0]}/${cells[1]}`, Object.fromEntries(head.map((h, i) => [h, cells[i] ?? ""])));
  }
  return out;
}

/**
 * On one fresh connection (so on whichever worker the primary hands it to): the HTML page (for
 * the pid of the worker that serves this connection) then the CSV, both on that connection.
 */
async function statsVia(port: number): Promise<{ pid: number; csv: Csv }> {
  const c = await RawClient.connect(port);
  try {
    c.send(`GET /stats HTTP/1.1\r\nHost: x\r\n\r\n`);
    const page = await c.response();
    const pid = Number(/<b>pid = <\/b> (\d+)/.exec(page.body.toString())?.[1]);
    c.send(`GET /stats;csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const csv = await c.response();
    assert.equal(csv.status, 200);
    return { pid, csv: parseCsv(csv.body.toString()) };
  } finally {
    c.close();
  }
}

/**
 * Read the stats from `rounds` fresh connections until `ok` holds for every one of them and they
 * came from at least two workers; fails with the last views after `timeoutMs`.
 */
async function everyWorker(
  port: number,
  ok: (csv: Csv) => boolean,
  timeoutMs = 3000,
  rounds = 6,
): Promise<Set<number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last: { pid: number; csv: Csv }[] = [];
    for (let i = 0; i < rounds; i++) last.push(await statsVia(port));
    const pids = new Set(last.map((v) => v.pid));
    if (pids.size >= 2 && last.every((v) => ok(v.csv))) return pids;
    if (Date.now() > deadline)
      assert.fail(
        `not on every worker: ${JSON.stringify(last.map((v) => ({ pid: v.pid, rows: [...v.csv.entries()] })))}`,
      );
    await sleep(100);
  }
}

const logged = (lb: Running, re: RegExp): number =>
  lb.logs.filter((l) => typeof l.msg === "string" && re.test(l.msg)).length;

/** `--workers N`: several processes share the listeners; reload and stop go through the primary. */
describe("netsvc lb --workers", () => {
  it("serves from 2 processes, reloads on SIGHUP and exits 0 on SIGTERM", async () => {
    const a = await startBackend(1);
    const b = await startBackend(2);
    const text = (port: number): string => `
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:0
    default_backend be
backend be
    server s 127.0.0.1:${port}
`;
    const cfg = writeConfig(text(a.port));
    const lb = await startNetsvc(["lb", "-f", cfg, "--workers", "2"]);
    try {
      const port = portOf(lb.endpoints, "fe");
      const peers = new Set<number>();
      for (let i = 0; i < 6; i++) {
        assert.equal((await get(port)).body.toString(), "Hello, I am ID 1\n");
      }
      for (const s of a.seen) peers.add(s.peerPort);
      assert.ok(peers.size >= 2, "requests came through more than one process's pool");

      writeFileSync(cfg, "frontend fe\n    bind 127.0.0.1:0\n    bogus\n");
      lb.child.kill("SIGHUP");
      await lb.waitLog((l) => l.msg === "reload failed, keeping the running configuration", 5000);
      assert.equal((await get(port)).body.toString(), "Hello, I am ID 1\n");

      writeFileSync(cfg, text(b.port));
      lb.child.kill("SIGHUP");
      await lb.waitLog((l) => l.msg === "configuration reloaded", 5000);
      let ok = false;
      for (let i = 0; i < 40 && !ok; i++) {
        // Both workers apply the reload on their own; wait until each answers with the new backend.
        const bodies = await Promise.all([get(port), get(port), get(port), get(port)]);
        ok = bodies.every((r) => r.body.toString() === "Hello, I am ID 2\n");
        if (!ok) await sleep(100);
      }
      assert.ok(ok, "every worker uses the new configuration");
    } finally {
      assert.equal(await lb.stop("SIGTERM"), 0);
      await a.close();
      await b.close();
    }
  });

  it("rotates roundrobin as one balancer: each server once per turn, the same order every turn", async () => {
    const backends = await Promise.all([0, 1, 2, 3].map((i) => startBackend(i)));
    const cfg = writeConfig(`${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    default_backend be
backend be
    balance roundrobin
${backends.map((b, i) => `    server s${i} 127.0.0.1:${b.port}`).join("\n")}
`);
    const lb = await startNetsvc(["lb", "-f", cfg, "--workers", "2"]);
    try {
      const port = portOf(lb.endpoints, "fe");
      const ids: string[] = [];
      // one request per connection: the primary hands them to the two processes in turn
      for (let i = 0; i < 16; i++) ids.push(/ID (\d)/.exec((await get(port)).body.toString())?.[1] ?? "?");
      const turns = [0, 4, 8, 12].map((k) => ids.slice(k, k + 4).join(""));
      assert.deepEqual(ids.slice(0, 4).sort().join(""), "0123", ids.join(" "));
      assert.ok(
        turns.every((t) => t === turns[0]),
        ids.join(" "),
      );
    } finally {
      assert.equal(await lb.stop("SIGTERM"), 0);
      for (const b of backends) await b.close();
    }
  });

  it("shows the counters of every worker summed, from any worker", async () => {
    const a = await startBackend(1);
    const b = await startBackend(2);
    const cfg = writeConfig(`${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    default_backend be
backend be
    server a 127.0.0.1:${a.port}
    server b 127.0.0.1:${b.port}
${STATS}`);
    const lb = await startNetsvc(["lb", "-f", cfg, "--workers", "2"]);
    try {
      const port = portOf(lb.endpoints, "fe");
      const stats = portOf(lb.endpoints, "stats");
      const N = 24;
      for (let i = 0; i < N; i++) assert.equal((await get(port)).status, 200);
      // Both workers proxied some (each has its own pool: two client ports at least).
      assert.ok(new Set([...a.seen, ...b.seen].map((s) => s.peerPort)).size >= 2);
      const total = (csv: Csv): boolean => {
        const fe = csv.get("fe/FRONTEND")!;
        const be = csv.get("be/BACKEND")!;
        const servers = Number(csv.get("be/a")!.stot) + Number(csv.get("be/b")!.stot);
        return (
          Number(fe.stot) === N &&
          Number(fe.req_tot) === N &&
          Number(fe.hrsp_2xx) === N &&
          Number(be.stot) === N &&
          servers === N &&
          fe.scur === "0"
        );
      };
      // Within the snapshot delay (250 ms + relay), every worker shows the sum.
      const t0 = Date.now();
      await everyWorker(stats, total, 2000);
      assert.ok(Date.now() - t0 < 2000);
      // /metrics and ;json say the same.
      const metrics = (await get(stats, "/metrics")).body.toString();
      assert.match(metrics, new RegExp(`haproxy_frontend_http_requests_total\\{proxy="fe"\\} ${N}\\b`));
      const json = (await get(stats, "/stats;json")).body.toString();
      const rows = JSON.parse(json) as { field: { name: string }; value: { value: unknown } }[][];
      const feRow = rows.find((r) =>
        r.some((f) => f.field.name === "svname" && f.value.value === "FRONTEND"),
      )!;
      assert.equal(feRow.find((f) => f.field.name === "stot")!.value.value, N);
    } finally {
      assert.equal(await lb.stop("SIGTERM"), 0);
      await a.close();
      await b.close();
    }
  });

  it("checks from one worker: a crashed server is DOWN on every worker, logged once, no 5xx after", async () => {
    const workers = await startNetsvc(["workers", "-n", "2", "--base-port", "0"]);
    const ports = workers.endpoints.map((e) => e.port);
    const cfg = writeConfig(`${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    default_backend w
backend w
    option httpchk GET /health
${ports.map((p, i) => `    server w${i} 127.0.0.1:${p} check inter 150ms fall 1 rise 1`).join("\n")}
${STATS}`);
    const lb = await startNetsvc(["lb", "-f", cfg, "--workers", "2"]);
    try {
      const port = portOf(lb.endpoints, "fe");
      const stats = portOf(lb.endpoints, "stats");
      await everyWorker(stats, (csv) => csv.get("w/w1")!.check_status === "L7OK");
      assert.match((await get(ports[1]!, "/crash")).body.toString(), /Crashing ID 1/);
      await everyWorker(
        stats,
        (csv) => csv.get("w/w1")!.status === "DOWN" && csv.get("w/w0")!.status === "UP",
      );
      for (let i = 0; i < 12; i++) {
        const r = await get(port);
        assert.equal(r.status, 200, "no request goes to the DOWN server on any worker");
        assert.equal(r.body.toString(), "Hello, I am ID 0\n");
      }
      // A few more check intervals: still one DOWN line (the checker's), no duplicate from another worker.
      await sleep(600);
      assert.equal(logged(lb, /^Server w\/w1 is DOWN/), 1);
      assert.equal(logged(lb, /is UP/), 0);
      const views = await everyWorker(
        stats,
        (csv) => csv.get("w/w1")!.chkdown === "1" && csv.get("w/w1")!.check_status === "L4CON",
      );
      assert.ok(views.size >= 2);
    } finally {
      assert.equal(await lb.stop("SIGTERM"), 0);
      await workers.stop();
    }
  });

  it("applies an admin change made on one worker on every worker, across reloads and replaced workers", async () => {
    const a = await startBackend(1);
    const b = await startBackend(2);
    const text = (extra = ""): string => `${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    default_backend be
backend be
    server a 127.0.0.1:${a.port}
    server b 127.0.0.1:${b.port}
${extra}
${STATS}`;
    const cfg = writeConfig(text());
    const lb = await startNetsvc(["lb", "-f", cfg, "--workers", "2"]);
    const onlyA = async (port: number): Promise<void> => {
      for (let i = 0; i < 8; i++)
        assert.equal((await get(port)).body.toString(), "Hello, I am ID 1\n", "no worker sends to b");
    };
    /** Kill one worker; its replacement must start with b in MAINT (the primary's welcome). */
    const replaceOne = async (stats: number, pids: Set<number>): Promise<void> => {
      const victim = [...pids][0]!;
      const exits = logged(lb, /^worker exited/);
      process.kill(victim, "SIGKILL");
      await lb.waitLog(() => logged(lb, /^worker exited/) > exits, 3000);
      const after = await everyWorker(stats, (csv) => csv.get("be/b")!.status === "MAINT", 5000, 8);
      assert.ok(
        [...after].some((p) => !pids.has(p)),
        "the new worker answered too (and showed MAINT)",
      );
    };
    try {
      const port = portOf(lb.endpoints, "fe");
      const stats = portOf(lb.endpoints, "stats");
      const c = await RawClient.connect(stats);
      const form = "s=b&action=maint&b=be";
      c.send(
        `POST /stats HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
          `Content-Length: ${form.length}\r\nConnection: close\r\n\r\n${form}`,
      );
      const r = await c.response();
      c.close();
      assert.equal(r.status, 303);
      assert.match(r.headers.location ?? "", /st=DONE/);
      const pids = await everyWorker(stats, (csv) => csv.get("be/b")!.status === "MAINT", 2000);
      await onlyA(port);
      assert.equal(logged(lb, /be\/b is going DOWN for maintenance/), 1, "logged once");
      await replaceOne(stats, pids);
      await onlyA(port);
      // A reload keeps b in MAINT on every worker (states keyed by backend/server name) and adds c.
      writeFileSync(cfg, text(`    server c 127.0.0.1:${a.port}`));
      lb.child.kill("SIGHUP");
      await lb.waitLog((l) => l.msg === "configuration reloaded", 5000);
      const reloaded = await everyWorker(
        stats,
        (csv) => csv.get("be/b")!.status === "MAINT" && csv.get("be/c")?.status === "no check",
        5000,
      );
      await onlyA(port);
      await replaceOne(stats, reloaded);
      assert.equal(logged(lb, /be\/b is going DOWN for maintenance/), 1, "still logged once");
    } finally {
      assert.equal(await lb.stop("SIGTERM"), 0);
      await a.close();
      await b.close();
    }
  });

  it("sends the health checks from one process only", async () => {
    let checks = 0;
    const srv = http.createServer((req, res) => {
      if (req.method === "OPTIONS" && req.url === "/hc") checks++;
      res.end("ok\n");
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as AddressInfo).port;
    const cfg = writeConfig(`${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    default_backend be
backend be
    option httpchk OPTIONS /hc
    server s 127.0.0.1:${port} check inter 100ms
`);
    const lb = await startNetsvc(["lb", "-f", cfg, "--workers", "2"]);
    try {
      await sleep(300);
      const from = checks;
      const t0 = Date.now();
      await sleep(1500);
      const n = checks - from;
      const expected = (Date.now() - t0) / 100;
      // One checker: about 15 checks (a little fewer: each waits for the previous one's answer).
      // Two checkers would make about 30.
      assert.ok(n >= expected * 0.3 && n <= expected * 1.3, `${n} checks in ${Date.now() - t0} ms`);
    } finally {
      assert.equal(await lb.stop("SIGTERM"), 0);
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });
});
