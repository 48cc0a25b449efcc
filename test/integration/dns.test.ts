import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import dnsPacket from "dns-packet";
import { ROOT, runNetsvc, startNetsvc, type Running } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";
import { dig, kdig, sleep, tcpPipeline, wireQuery } from "./dns-helpers.ts";

/**
 * `netsvc dns` as users run it, asked by dig and kdig over UDP and TCP: the conformance zone from
 * test/fixtures/dns/conformance, on 127.0.0.1 and a port chosen at run time.
 */
const FIXTURE = join(ROOT, "test/fixtures/dns/conformance");

function copyFixture(extraOptions = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-dns-it-"));
  cpSync(FIXTURE, dir, { recursive: true });
  if (extraOptions !== "") {
    const conf = join(dir, "named.conf");
    writeFileSync(conf, readFileSync(conf, "utf8").replace("options {", `options {\n  ${extraOptions}`));
  }
  return dir;
}

function portOf(r: Running, proto = "udp"): number {
  const e = r.endpoints.find((x) => x.proto === proto);
  assert.ok(e, `no ${proto} endpoint in the ready line`);
  return e.port;
}

describe("netsvc dns with dig and kdig", () => {
  let srv: Running;
  let port: number;
  const dir = copyFixture("allow-query { 127.0.0.1; ::1; };");

  before(async () => {
    srv = await startNetsvc(["dns", "-c", join(dir, "named.conf"), "--port", "0", "--workers", "1"]);
    port = portOf(srv);
  });
  after(async () => {
    assert.equal(await srv.stop("SIGTERM"), 0, "SIGTERM ends with exit 0");
  });

  it("lists UDP and TCP on the same port in the ready line", () => {
    assert.equal(portOf(srv, "tcp"), port);
    assert.ok(srv.endpoints.every((e) => e.host === "127.0.0.1" && e.role === "dns"));
  });

  it("answers dig over UDP and TCP", async (t) => {
    if (!needTool(t, "dig")) return;
    for (const tcp of ["+notcp", "+tcp"]) {
      const r = await dig(port, tcp, "+norec", "test.example.com", "A");
      assert.match(r.out, /status: NOERROR/);
      assert.match(r.out, /flags: qr aa;/);
      assert.match(r.out, /test\.example\.com\.\s+604800\s+IN\s+A\s+93\.184\.216\.34/);
    }
    const nx = await dig(port, "nosuch.example.com", "A");
    assert.match(nx.out, /status: NXDOMAIN/);
    const out = await dig(port, "www.google.com", "A");
    assert.match(out.out, /status: REFUSED/);
  });

  it("answers kdig over UDP and TCP, several queries on one TCP connection", async (t) => {
    if (!needTool(t, "kdig")) return;
    const u = await kdig(port, "+notcp", "example.com", "MX");
    assert.match(u.out, /status: NOERROR/);
    assert.match(u.out, /example\.com\.\s+604800\s+IN\s+MX\s+10 mail\.example\.com\./);
    const tcp = await kdig(
      port,
      "+tcp",
      "+keepopen",
      "test.example.com",
      "A",
      "mail.example.com",
      "AAAA",
      "example.com",
      "SOA",
    );
    assert.match(tcp.out, /93\.184\.216\.34/);
    assert.match(tcp.out, /2001:db8::10/);
    assert.match(tcp.out, /IN\s+SOA\s+ns\.example\.com\. root\.example\.com\. 1 604800/);
    assert.doesNotMatch(tcp.out, /failed|timed out/);
  });

  it("answers pipelined TCP queries, each one in order on the same connection", async () => {
    const qs = [
      wireQuery(11, "test.example.com", 1),
      wireQuery(12, "nosuch.example.com", 1),
      wireQuery(13, "example.com", 15, true),
      wireQuery(14, "big.example.com", 1),
    ];
    const answers = await tcpPipeline(port, qs);
    assert.equal(answers.length, 4);
    const dec = answers.map((a) => dnsPacket.decode(a));
    assert.deepEqual(
      dec.map((d) => d.id),
      [11, 12, 13, 14],
    );
    assert.equal((dec[1] as unknown as { rcode: string }).rcode, "NXDOMAIN");
    assert.equal(dec[3]!.answers?.length, 40, "TCP carries the whole 40-record RRset");
  });

  it("sets TC over UDP when the answer exceeds 512 bytes, and dig retries over TCP", async (t) => {
    if (!needTool(t, "dig")) return;
    const tc = await dig(port, "+norec", "+noedns", "+ignore", "big.example.com", "A");
    assert.match(tc.out, /flags: qr aa tc;/);
    const retried = await dig(port, "+noedns", "big.example.com", "A");
    assert.match(retried.out, /Truncated, retrying in TCP mode/);
    assert.match(retried.out, /ANSWER: 40,/);
  });

  it("refuses clients outside allow-query (dig -b 127.0.0.2)", async (t) => {
    if (!needTool(t, "dig")) return;
    const refused = await dig(port, "-b", "127.0.0.2", "test.example.com", "A");
    assert.match(refused.out, /status: REFUSED/);
    const tcpRefused = await dig(port, "-b", "127.0.0.2", "+tcp", "test.example.com", "A");
    assert.match(tcpRefused.out, /status: REFUSED/);
    const ok = await dig(port, "-b", "127.0.0.1", "test.example.com", "A");
    assert.match(ok.out, /status: NOERROR/);
  });

  it("serves AXFR over TCP to allowed clients", async (t) => {
    if (!needTool(t, "dig")) return;
    const r = await dig(port, "+tcp", "example.com", "AXFR");
    const soas = r.out.split("\n").filter((l) => /\sIN\s+SOA\s/.test(l));
    assert.equal(soas.length, 2, r.out.slice(0, 400));
    assert.match(r.out, /host20\.example\.com\.\s+604800\s+IN\s+A\s+10\.0\.0\.20/);
  });
});

describe("netsvc dns reload and stop", () => {
  it("SIGHUP reloads a changed zone; a broken zone keeps the old one serving", async (t) => {
    if (!needTool(t, "dig")) return;
    const dir = copyFixture();
    const zone = join(dir, "db.example.com");
    const original = readFileSync(zone, "utf8");
    const srv = await startNetsvc(["dns", "-c", join(dir, "named.conf"), "--port", "0", "--workers", "1"]);
    try {
      const port = portOf(srv);
      assert.match((await dig(port, "+short", "test.example.com", "A")).out, /^93\.184\.216\.34$/m);
      writeFileSync(
        zone,
        original
          .replace("1\t\t; Serial", "2\t\t; Serial")
          .replace("test\tIN\tA\t93.184.216.34", "test\tIN\tA\t192.0.2.99"),
      );
      srv.child.kill("SIGHUP");
      await srv.waitLog((l) => l.msg === "zone example.com/IN: loaded serial 2");
      assert.match((await dig(port, "+short", "test.example.com", "A")).out, /^192\.0\.2\.99$/m);

      // a change in an $INCLUDEd file alone is seen too
      const inc = join(dir, "db.example.com.inc");
      writeFileSync(inc, readFileSync(inc, "utf8").replace("127.0.0.91", "127.0.0.99"));
      const loads = (): number =>
        srv.logs.filter((l) => l.msg === "zone example.com/IN: loaded serial 2").length;
      srv.child.kill("SIGHUP");
      for (let i = 0; i < 50 && loads() < 2; i++) await sleep(100);
      assert.match((await dig(port, "+short", "inc.example.com", "A")).out, /^127\.0\.0\.99$/m);
      // and an unchanged zone is not read again
      srv.child.kill("SIGHUP");
      await srv.waitLog((l) => l.msg === "zone example.com/IN: unchanged, serial 2", 5000);

      writeFileSync(zone, `${original}\nbroken IN A not-an-address\n`);
      srv.child.kill("SIGHUP");
      const err = await srv.waitLog(
        (l) => typeof l.msg === "string" && l.msg.includes("keeping the previous version"),
      );
      assert.equal(err.level, "error");
      assert.match(JSON.stringify(err.errors), /db\.example\.com:\d+/);
      assert.match((await dig(port, "+short", "test.example.com", "A")).out, /^192\.0\.2\.99$/m);
      assert.match((await dig(port, "+short", "example.com", "SOA")).out, / 2 604800 /);

      // an invalid named.conf: reported, nothing changes
      writeFileSync(join(dir, "named.conf"), "options { recursoin no; };\n");
      srv.child.kill("SIGHUP");
      const bad = await srv.waitLog((l) => l.msg === "reload failed, keeping the running configuration");
      assert.match(String(bad.error), /named\.conf:1:\d+: unknown option 'recursoin'/);
      assert.match((await dig(port, "+short", "test.example.com", "A")).out, /^192\.0\.2\.99$/m);
    } finally {
      assert.equal(await srv.stop("SIGTERM"), 0);
    }
  });

  it("runs several workers sharing the sockets; reload and SIGTERM reach them all", async (t) => {
    if (!needTool(t, "dig")) return;
    const dir = copyFixture();
    const zone = join(dir, "db.example.com");
    const srv = await startNetsvc([
      "dns",
      "-c",
      join(dir, "named.conf"),
      "--listen",
      "127.0.0.1",
      "--port",
      "0",
      "--workers",
      "2",
    ]);
    try {
      const port = portOf(srv);
      const ready = srv.logs.find((l) => l.msg === "ready");
      assert.equal(ready?.workers, 2);
      for (let i = 0; i < 6; i++) {
        assert.match((await dig(port, "+short", "test.example.com", "A")).out, /^93\.184\.216\.34$/m);
        assert.match((await dig(port, "+tcp", "+short", "test.example.com", "A")).out, /^93\.184\.216\.34$/m);
      }
      writeFileSync(
        zone,
        readFileSync(zone, "utf8").replace("test\tIN\tA\t93.184.216.34", "test\tIN\tA\t192.0.2.77"),
      );
      srv.child.kill("SIGHUP");
      // both workers report the new zone
      for (let i = 0; i < 50; i++) {
        if (srv.logs.filter((l) => l.msg === "zone example.com/IN: loaded serial 1").length >= 4) break;
        await sleep(100);
      }
      for (let i = 0; i < 6; i++)
        assert.match((await dig(port, "+short", "test.example.com", "A")).out, /^192\.0\.2\.77$/m);
    } finally {
      assert.equal(await srv.stop("SIGTERM"), 0);
    }
  });
});

describe("netsvc dns start-up", () => {
  it("serves the lab's named.conf unchanged (includes, acls, the root hint zone)", async (t) => {
    if (!needTool(t, "dig")) return;
    const srv = await startNetsvc([
      "dns",
      "-c",
      join(ROOT, "test/fixtures/dns/lab/named.conf"),
      "--listen",
      "127.0.0.1",
      "--port",
      "0",
      "--workers",
      "1",
    ]);
    try {
      const port = portOf(srv);
      assert.match((await dig(port, "+short", "test.example.com", "A")).out, /^93\.184\.216\.34$/m);
      // outside the zones: recursion for localhost, through the loopback root of db.root.loopback
      // (127.0.0.53; with no server there, SERVFAIL at once), and REFUSED for a client outside
      // allow-recursion { localhost; "berkeley"; } — nothing is ever sent off loopback
      const out = await dig(port, "www.example.org", "A");
      assert.match(out.out, /status: (SERVFAIL|NOERROR|NXDOMAIN)/);
      assert.match(out.out, /flags: qr rd ra;/);
      const refused = await dig(port, "-b", "127.0.0.99", "www.example.org", "A");
      assert.match(refused.out, /status: REFUSED/);
    } finally {
      assert.equal(await srv.stop("SIGTERM"), 0);
    }
  });

  it("exits 1 with every error when named.conf is invalid", async () => {
    const dir = copyFixture();
    writeFileSync(
      join(dir, "bad.conf"),
      'options {\n  recursoin no;\n  allow-query { nosuch; };\n};\nzone "example.com" { type master; file "db.example.com"; };\n',
    );
    const r = await runNetsvc(["dns", "-c", join(dir, "bad.conf"), "--port", "0"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.conf:2:3: unknown option 'recursoin'/);
    assert.match(r.stderr, /bad\.conf:3:17: undefined ACL 'nosuch'/);
  });

  it("a zone that does not load at start answers SERVFAIL while the others serve; SIGHUP loads it", async (t) => {
    if (!needTool(t, "dig")) return;
    const dir = copyFixture();
    const zone = join(dir, "db.example.com");
    const original = readFileSync(zone, "utf8");
    writeFileSync(
      join(dir, "db.example.org"),
      "$TTL 60\n@ IN SOA ns root 1 2 3 4 5\n@ IN NS ns\nns IN A 127.0.0.1\nwww IN A 192.0.2.7\n",
    );
    writeFileSync(
      join(dir, "named.conf"),
      readFileSync(join(dir, "named.conf"), "utf8") +
        'zone "example.org" { type primary; file "db.example.org"; };\n',
    );
    writeFileSync(zone, "$TTL 1\n@ IN SOA ns root 1 2 3 4 5\nbad IN A 1.2.3\n");
    const srv = await startNetsvc(["dns", "-c", join(dir, "named.conf"), "--port", "0", "--workers", "2"]);
    try {
      const err = srv.logs.find((l) => l.msg === "zone example.com/IN: not loaded due to errors");
      assert.ok(err, "the zone's errors are logged");
      assert.equal(err.level, "error");
      assert.match(JSON.stringify(err.errors), /db\.example\.com:3/);
      const port = portOf(srv);
      assert.match((await dig(port, "test.example.com", "A")).out, /status: SERVFAIL/);
      assert.match((await dig(port, "+tcp", "example.com", "SOA")).out, /status: SERVFAIL/);
      assert.match((await dig(port, "+short", "www.example.org", "A")).out, /^192\.0\.2\.7$/m);
      writeFileSync(zone, original);
      srv.child.kill("SIGHUP");
      // each of the two processes reloads on its own and says so
      const loaded = (): number =>
        srv.logs.filter(
          (l) => typeof l.msg === "string" && l.msg.startsWith("zone example.com/IN: loaded serial"),
        ).length;
      for (let w = 0; w < 100 && loaded() < 2; w++) await sleep(50);
      assert.equal(loaded(), 2);
      for (let n = 0; n < 6; n++)
        assert.match((await dig(port, "+short", "test.example.com", "A")).out, /^93\.184\.216\.34$/m);
    } finally {
      assert.equal(await srv.stop("SIGTERM"), 0);
    }
  });

  it("exits 2 on a usage error", async () => {
    assert.equal((await runNetsvc(["dns"])).code, 2);
    assert.equal((await runNetsvc(["dns", "-c", "x", "--port", "70000"])).code, 2);
    assert.equal((await runNetsvc(["dns", "-c", "x", "--workers", "0"])).code, 2);
  });
});
