import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/lb/config/index.ts";
import { banner } from "../../src/lab/banner.ts";
import { EMBEDDED_LAB, initLabDir, labUsers, parseUsers, prepareState } from "../../src/lab/files.ts";
import { expandExports, makePlan, rewriteHaproxy, statsProxyOf } from "../../src/lab/plan.ts";
import { formatProblems, probePorts } from "../../src/lab/probe.ts";
import { parseStatsCsv } from "../../src/lab/collect.ts";
import { ConfigErrors } from "../../src/lib/errors.ts";

describe("lab plan", () => {
  it("exports the private root as one line per user, same clients and options", () => {
    const text = [
      "# comment /opt/lab7/private",
      "/opt/lab7/public\t*(ro,all_squash)",
      "/opt/lab7/private/  127.0.0.0/8(rw,root_squash)",
      '"/opt/lab7/private" 10.0.0.0/8(rw)',
      "/opt/lab7/privateer *(ro)",
    ].join("\n");
    assert.equal(
      expandExports(text, ["alice", "bob"]),
      [
        "# comment /opt/lab7/private",
        "/opt/lab7/public\t*(ro,all_squash)",
        "/opt/lab7/private/alice  127.0.0.0/8(rw,root_squash)",
        "/opt/lab7/private/bob  127.0.0.0/8(rw,root_squash)",
        '"/opt/lab7/private/alice" 10.0.0.0/8(rw)',
        '"/opt/lab7/private/bob" 10.0.0.0/8(rw)',
        "/opt/lab7/privateer *(ro)",
      ].join("\n"),
    );
  });

  it("moves every bind and server port of haproxy.cfg and hands the stats bind to the lab", () => {
    const file = join(EMBEDDED_LAB, "haproxy.cfg");
    const text = readFileSync(file, "utf8");
    const { config } = loadConfig(file);
    const out = rewriteHaproxy(text, config, 10000);
    const dir = mkdtempSync(join(tmpdir(), "lab-plan-"));
    try {
      writeFileSync(join(dir, "haproxy.cfg"), out);
      const moved = loadConfig(join(dir, "haproxy.cfg")).config;
      const web = moved.proxies.find((p) => p.name === "web")!;
      assert.deepEqual(
        web.binds.map((b) => [b.host, b.port]),
        [["127.0.0.1", 17000]],
      );
      const workers = moved.proxies.find((p) => p.name === "workers")!;
      assert.deepEqual(
        workers.servers.map((s) => s.port),
        [18080, 18081, 18082, 18083, 18084, 18085],
      );
      assert.equal(statsProxyOf(moved)?.name, "stats");
      assert.deepEqual(
        statsProxyOf(moved)!.binds.map((b) => [b.host, b.port]),
        [["127.0.0.1", 0]],
      );
      // Comments and everything else unchanged.
      assert.equal(out.split("\n").length, text.split("\n").length);
      assert.match(out, /# Check: haproxy -c -f haproxy.cfg/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("plans every port moved by the offset, and the services' command lines", async () => {
    const state = mkdtempSync(join(tmpdir(), "lab-state-"));
    try {
      const users = labUsers(["alice", "bob"]);
      prepareState(state, EMBEDDED_LAB, users);
      const plan = await makePlan({ labDir: EMBEDDED_LAB, stateDir: state, offset: 20000, users });
      const ports = new Set(plan.ports.map((p) => `${p.what}:${p.proto}:${p.port}`));
      for (const want of [
        "DNS:udp:20053",
        "DNS:tcp:20053",
        "portmapper:tcp:20111",
        "NFS:udp:22049",
        "MOUNT:tcp:40048",
        "worker 0:tcp:28080",
        "worker 5:tcp:28085",
        "balancer web:tcp:27000",
        "stats page:tcp:27001",
      ])
        assert.ok(ports.has(want), want);
      assert.deepEqual(plan.nfs.exports, [
        "/opt/lab7/public",
        "/opt/lab7/private/alice",
        "/opt/lab7/private/bob",
      ]);
      assert.deepEqual(
        plan.services.map((s) => s.args[0]),
        ["dns", "nfs", "workers", "lb"],
      );
      assert.ok(plan.services[0]!.args.join(" ").includes("--port 20053 --workers 1"));
      assert.equal(plan.stats?.uri, "/stats");
      // The per-user folders exist, seeded with the lab's README; public is there.
      for (const u of ["alice", "bob"])
        assert.ok(existsSync(join(state, "data/opt/lab7/private", u, "README.txt")));
      assert.match(readFileSync(join(state, "data/opt/lab7/public/secret.txt"), "utf8"), /secret word/);
      if (process.getuid?.() === 0)
        assert.equal(statSync(join(state, "data/opt/lab7/private/bob")).uid, users[1]!.uid);
      const text = banner(plan, plan.stats);
      assert.match(text, /dig @127\.0\.0\.1 -p 20053 example\.com\n/);
      assert.match(text, /curl localhost:27000/);
      assert.match(text, /http:\/\/localhost:27001\/stats/);
      assert.match(
        text,
        /nfs-ls {2}'nfs:\/\/127\.0\.0\.1\/opt\/lab7\/public\?version=3&nfsport=22049&mountport=40048'/,
      );
      assert.match(
        text,
        /private\/bob\/notes\.txt\?version=3&nfsport=22049&mountport=40048&uid=\d+&gid=\d+'/,
      );
      assert.match(text, /Lab ready: press Ctrl-C to stop\.\n$/);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it("a user's data survives a restart; the public tree is refreshed from the lab", () => {
    const state = mkdtempSync(join(tmpdir(), "lab-state-"));
    try {
      const users = labUsers(["student"]);
      prepareState(state, EMBEDDED_LAB, users);
      writeFileSync(join(state, "data/opt/lab7/private/student/mine.txt"), "keep me");
      writeFileSync(join(state, "data/opt/lab7/public/secret.txt"), "changed");
      prepareState(state, EMBEDDED_LAB, users);
      assert.equal(readFileSync(join(state, "data/opt/lab7/private/student/mine.txt"), "utf8"), "keep me");
      assert.match(readFileSync(join(state, "data/opt/lab7/public/secret.txt"), "utf8"), /lighthouse/);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it("reports config errors of every lab file with file:line before starting anything", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-dir-"));
    const state = mkdtempSync(join(tmpdir(), "lab-state-"));
    try {
      initLabDir(dir);
      writeFileSync(
        join(dir, "haproxy.cfg"),
        readFileSync(join(dir, "haproxy.cfg"), "utf8") + "\nbogus_kw\n",
      );
      writeFileSync(join(dir, "exports"), "/opt/lab7/public *(ro,frobnicate)\n");
      // `netsvc dns` would serve with this zone SERVFAILing; the lab refuses to start instead
      writeFileSync(
        join(dir, "db.example.com"),
        readFileSync(join(dir, "db.example.com"), "utf8") + "oops IN A 1.2.3\n",
      );
      const users = labUsers(["student"]);
      prepareState(state, dir, users);
      await assert.rejects(makePlan({ labDir: dir, stateDir: state, offset: 0, users }), (err: unknown) => {
        assert.ok(err instanceof ConfigErrors);
        const text = err.errors.map((e) => e.toString()).join("\n");
        assert.match(text, /haproxy\.cfg:\d+/);
        assert.match(text, /exports:1/);
        assert.match(text, /db\.example\.com:\d+/);
        return true;
      });
      assert.throws(() => initLabDir(dir), /already holds/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    }
  });

  it("checks user names", () => {
    assert.deepEqual(parseUsers("alice, bob,alice"), ["alice", "bob"]);
    assert.throws(() => parseUsers("../etc"), /not a user name/);
    assert.throws(() => parseUsers(","), /at least one/);
  });

  it("names the ports it cannot bind, why, and how to proceed", async () => {
    const { createServer } = await import("node:net");
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as { port: number }).port;
    try {
      const problems = await probePorts([
        { proto: "tcp", host: "127.0.0.1", port, what: "balancer web" },
        { proto: "tcp", host: "127.0.0.1", port: 0, what: "free" },
      ]);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.code, "EADDRINUSE");
      assert.match(problems[0]!.holder ?? "", /\(pid \d+\)/);
      const text = formatProblems(
        [...problems, { proto: "udp", host: "127.0.0.1", port: 53, what: "DNS", code: "EACCES" }],
        0,
        10000,
      );
      assert.match(text, new RegExp(`${port}/tcp +balancer web +in use by .*pid ${process.pid}`));
      assert.match(text, /53\/udp +DNS +permission denied: ports below 1024 need root/);
      assert.match(text, /run it as root/);
      assert.match(text, /--port-offset 10000/);
    } finally {
      s.close();
    }
  });

  it("reads the balancer's CSV", () => {
    const rows = parseStatsCsv(
      "# pxname,svname,qcur,scur,stot,bin,bout,status,weight,check_status,lastchg,hrsp_2xx,hrsp_5xx\n" +
        "workers,w2,,0,7,10,20,DOWN,1,L4CON,3,7,\n",
    );
    assert.equal(rows[0]!.server, "w2");
    assert.equal(rows[0]!.status, "DOWN");
    assert.equal(rows[0]!.stot, 7);
    assert.equal(rows[0]!.hrsp["2xx"], 7);
  });
});
