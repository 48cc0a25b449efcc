import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import { startNetsvc, type Running } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";
import { freePort, startBind, tempDir } from "./bind-helpers.ts";
import { run, sleep } from "./dns-helpers.ts";

/**
 * Replication with real BIND 9 both ways, with and without TSIG:
 *   netsvc primary -> BIND secondary: edit the zone file, SIGHUP netsvc; NOTIFY; BIND's IXFR.
 *   BIND primary -> netsvc secondary: edit BIND's zone, SIGHUP named; NOTIFY; netsvc's IXFR.
 * Each BIND runs in its own temp directory, in the foreground (-g), on 127.0.0.1 (BIND binds only
 * interface addresses, and lo carries 127.0.0.1 alone here) and a port picked
 * at run time; every zone names only loopback name servers; NOTIFY, not sleeping, drives the tests.
 */

const SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";
const KEY = `key "xfr" { algorithm hmac-sha256; secret "${SECRET}"; };`;
/** Sources on the test's address (BIND binds only interface addresses; lo has 127.0.0.1 alone). */
const TRANSFER_OPTIONS = (host: string): string =>
  `notify-source ${host};\n  transfer-source ${host};\n  query-source address ${host};`;

function zoneText(serial: number, extra: string): string {
  return `$TTL 300
@ SOA ns1 hostmaster ${serial} 3600 1 86400 300
@ NS ns1
ns1 A 127.0.0.1
www A 192.0.2.1
${extra}
`;
}

async function digAt(host: string, port: number, ...args: string[]): Promise<string> {
  const r = await run("dig", [
    `@${host}`,
    "-p",
    String(port),
    "+time=1",
    "+tries=1",
    "+norec",
    "+short",
    ...args,
  ]);
  return r.out.trim();
}

/** Poll until `fn` returns true (no fixed sleeps: each step is one short dig). */
async function until(what: string, fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function needAll(t: TestContext): boolean {
  return needTool(t, "named") && needTool(t, "dig");
}

function udpPort(r: Running): number {
  return r.endpoints.find((e) => e.proto === "udp")!.port;
}

for (const tsig of [false, true]) {
  const keyRef = tsig ? " key xfr" : "";
  const label = tsig ? "with TSIG" : "without TSIG";

  describe(`netsvc primary -> BIND secondary (${label})`, () => {
    const cleanup: (() => Promise<unknown>)[] = [];
    after(async () => {
      for (const c of cleanup) await c();
    });

    it("BIND loads the zone by AXFR, then follows a SIGHUP'd change through NOTIFY and IXFR", async (t) => {
      if (!needAll(t)) return;
      const dir = tempDir("netsvc-pri-");
      const bindPort = await freePort("127.0.0.1");
      writeFileSync(join(dir, "db.zone"), zoneText(1, ""));
      writeFileSync(
        join(dir, "named.conf"),
        `${KEY}
options { listen-on { 127.0.0.1; }; listen-on-v6 { none; }; recursion no;
  allow-transfer { ${tsig ? "key xfr;" : "127.0.0.0/8;"} }; };
zone "repl.test" { type primary; file "db.zone"; notify explicit;
  also-notify { 127.0.0.1 port ${bindPort}${keyRef}; }; };
`,
      );
      const srv = await startNetsvc(["dns", "-c", join(dir, "named.conf"), "--port", "0", "--workers", "1"]);
      cleanup.push(() => srv.stop());
      const port = udpPort(srv);
      const bind = await startBind(
        KEY,
        TRANSFER_OPTIONS,
        "127.0.0.1",
        bindPort,
        `zone "repl.test" { type secondary; file "sec.db"; notify no;
  primaries { 127.0.0.1 port ${port}${keyRef}; }; };`,
        {},
      );
      cleanup.push(() => bind.stop());
      await until(
        "BIND to load the zone",
        async () => (await digAt("127.0.0.1", bindPort, "www.repl.test", "A")) === "192.0.2.1",
      );

      writeFileSync(
        join(dir, "db.zone"),
        zoneText(2, "new A 192.0.2.2").replace("www A 192.0.2.1", "www A 192.0.2.9"),
      );
      srv.child.kill("SIGHUP");
      await until(
        "BIND to pick up serial 2",
        async () => (await digAt("127.0.0.1", bindPort, "new.repl.test", "A")) === "192.0.2.2",
      );
      await srv.waitLog((l) => typeof l.msg === "string" && l.msg.includes("sent notify"));
      // and netsvc says what it sent: the AXFR, then an IXFR for serial 2
      await srv.waitLog(
        (l) => typeof l.msg === "string" && /repl\.test\/IN: IXFR sent to 127\.0\.0\.1.*serial 2/.test(l.msg),
      );
      assert.ok(
        srv.logs.some(
          (l) => typeof l.msg === "string" && /repl\.test\/IN: AXFR sent to .*serial 1/.test(l.msg),
        ),
      );
      if (tsig)
        assert.ok(
          srv.logs.some((l) => typeof l.msg === "string" && /IXFR sent to .*\(TSIG xfr\)/.test(l.msg)),
        );
      // both answer the same
      for (const q of [
        ["www.repl.test", "A"],
        ["repl.test", "SOA"],
        ["new.repl.test", "A"],
        ["nope.repl.test", "A"],
      ]) {
        assert.equal(
          await digAt("127.0.0.1", bindPort, ...q),
          await digAt("127.0.0.1", port, ...q),
          q.join(" "),
        );
      }
      assert.equal(await digAt("127.0.0.1", bindPort, "www.repl.test", "A"), "192.0.2.9");
      // BIND's record counts tell the forms apart: the first transfer is the AXFR (SOA, 3 records,
      // SOA = 5); the second the IXFR (SOA2, SOA1, -www, SOA2, +www, +new, SOA2 = 7; an AXFR of
      // version 2 would be 6)
      assert.match(bind.log(), /Transfer completed: 1 messages, 5 records.*\(serial 1\)/);
      assert.match(bind.log(), /Transfer completed: 1 messages, 7 records.*\(serial 2\)/);
      if (tsig) assert.match(bind.log(), /transferred serial 2: TSIG 'xfr'/);
    });
  });

  describe(`BIND primary -> netsvc secondary (${label})`, () => {
    const cleanup: (() => Promise<unknown>)[] = [];
    after(async () => {
      for (const c of cleanup) await c();
    });

    it("netsvc transfers the zone, writes its file, follows NOTIFY + IXFR, and serves the cached copy after a restart", async (t) => {
      if (!needAll(t)) return;
      const dir = tempDir("netsvc-sec-");
      const bindPort = await freePort("127.0.0.1");
      const netsvcPort = await freePort("127.0.0.1");
      writeFileSync(
        join(dir, "named.conf"),
        // the key comes from a `server` statement here (BIND's other way to say it)
        `${KEY}
${tsig ? "server 127.0.0.1 { keys { xfr; }; };" : ""}
options { listen-on { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; notify no; };
zone "bind.test" { type secondary; file "bind.test.cache";
  primaries { 127.0.0.1 port ${bindPort}; }; };
`,
      );
      // with TSIG, two processes: the workers follow the first one's transfers
      const args = [
        "dns",
        "-c",
        join(dir, "named.conf"),
        "--port",
        String(netsvcPort),
        "--workers",
        tsig ? "2" : "1",
      ];
      let srv = await startNetsvc(args);
      cleanup.push(() => srv.stop());
      // no data yet: SERVFAIL, as BIND answers for a secondary zone not loaded
      const early = await run("dig", [
        "@127.0.0.1",
        "-p",
        String(netsvcPort),
        "+time=1",
        "+tries=1",
        "www.bind.test",
      ]);
      assert.match(early.out, /status: SERVFAIL/);

      const bind = await startBind(
        KEY,
        TRANSFER_OPTIONS,
        "127.0.0.1",
        bindPort,
        `zone "bind.test" { type primary; file "db.bind"; ixfr-from-differences yes;
  notify explicit; also-notify { 127.0.0.1 port ${netsvcPort}${keyRef}; };
  allow-transfer { ${tsig ? "key xfr;" : "127.0.0.0/8;"} }; };`,
        { "db.bind": zoneText(10, "") },
      );
      cleanup.push(() => bind.stop());
      await until(
        "netsvc to load the zone",
        async () => (await digAt("127.0.0.1", netsvcPort, "www.bind.test", "A")) === "192.0.2.1",
      );
      assert.ok(
        srv.logs.some((l) => typeof l.msg === "string" && /transferred serial 10 \(AXFR/.test(l.msg)),
      );

      writeFileSync(join(bind.dir, "db.bind"), zoneText(11, "new A 192.0.2.3"));
      bind.child.kill("SIGHUP");
      await until(
        "netsvc to pick up serial 11",
        async () => (await digAt("127.0.0.1", netsvcPort, "new.bind.test", "A")) === "192.0.2.3",
      );
      await srv.waitLog((l) => typeof l.msg === "string" && /transferred serial 11 \(IXFR/.test(l.msg));
      // every process answers from the new version (the kernel spreads queries over them)
      await sleep(100);
      for (let i = 0; i < 8; i++)
        assert.equal(await digAt("127.0.0.1", netsvcPort, "new.bind.test", "A"), "192.0.2.3", `query ${i}`);
      for (const q of [
        ["www.bind.test", "A"],
        ["bind.test", "SOA"],
        ["bind.test", "NS"],
        ["nope.bind.test", "A"],
      ]) {
        assert.equal(
          await digAt("127.0.0.1", netsvcPort, ...q),
          await digAt("127.0.0.1", bindPort, ...q),
          q.join(" "),
        );
      }
      // the cached copy: a restart serves it before talking to the primary
      assert.match(
        readFileSync(join(dir, "bind.test.cache"), "utf8"),
        /new\.bind\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.3/,
      );
      await bind.stop();
      await srv.stop();
      srv = await startNetsvc(args);
      assert.equal(await digAt("127.0.0.1", netsvcPort, "new.bind.test", "A"), "192.0.2.3");
    });
  });
}
