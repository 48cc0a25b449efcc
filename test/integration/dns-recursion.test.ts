import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startNetsvc, type Running } from "../helpers/proc.ts";
import { hasTool, needTool } from "../helpers/tools.ts";
import { run, sleep } from "./dns-helpers.ts";

/**
 * Recursion without the internet: a hierarchy of netsvc authoritative servers, each on its own
 * 127.x.y.z address (the whole 127/8 is loopback) and one port picked at run time — a root, edu.,
 * berkeley.edu. (ocf A 169.229.226.23, a CNAME into example.net., a TXT too big for UDP), and a
 * second branch net./example.net./stanford.edu. on another server — plus a silent "server" that
 * swallows queries. A netsvc resolver with root hints pointing at the test's root answers dig by
 * recursion; a second one forwards to it.
 */
const X = 100 + Math.floor(Math.random() * 150);
const Y = 1 + Math.floor(Math.random() * 250);
const ip = (n: number): string => `127.${X}.${Y}.${n}`;
const PORT = 20000 + Math.floor(Math.random() * 30000);

const SOA = (o: string): string => `$TTL 300\n@ SOA ns.${o} hostmaster.${o} 1 3600 600 86400 60\n`;
const ZONES: Record<string, { host: number; zones: Record<string, string> }> = {
  root: {
    host: 1,
    zones: {
      ".": `${SOA("root.test.")}@ NS a.root.test.\na.root.test. A ${ip(1)}\nedu. NS ns.edu.\nns.edu. A ${ip(2)}\nnet. NS ns.net.\nns.net. A ${ip(4)}\n`,
    },
  },
  edu: {
    host: 2,
    zones: {
      edu: `${SOA("edu.")}@ NS ns\nns A ${ip(2)}\nberkeley NS ns0.berkeley\nberkeley NS ns.berkeley\nns0.berkeley A ${ip(5)}\nns.berkeley A ${ip(3)}\nstanford NS ns.example.net.\n`,
    },
  },
  berkeley: {
    host: 3,
    zones: {
      "berkeley.edu": `${SOA("berkeley.edu.")}@ NS ns0\n@ NS ns\nns0 A ${ip(5)}\nns A ${ip(3)}\nocf A 169.229.226.23\nwww CNAME www.example.net.\nbig TXT ${Array.from({ length: 8 }, (_, i) => `"${String(i).repeat(200)}"`).join(" ")}\n`,
    },
  },
  net: {
    host: 4,
    zones: {
      net: `${SOA("net.")}@ NS ns\nns A ${ip(4)}\nexample NS ns.example\nns.example A ${ip(4)}\n`,
      "example.net": `${SOA("example.net.")}@ NS ns\nns A ${ip(4)}\nwww A 192.0.2.80\n`,
      "stanford.edu": `${SOA("stanford.edu.")}@ NS ns.example.net.\nwww A 171.64.1.1\n`,
    },
  },
};

function writeConf(
  dir: string,
  name: string,
  options: string,
  zones: Record<string, string>,
  extra = "",
): string {
  const zs = Object.entries(zones)
    .map(([origin, text], i) => {
      writeFileSync(join(dir, `${name}.${i}.zone`), text);
      return `zone "${origin}" { type primary; file "${name}.${i}.zone"; };`;
    })
    .join("\n");
  const file = join(dir, `${name}.conf`);
  writeFileSync(
    file,
    `options { directory "${dir}"; dnssec-validation no; listen-on-v6 { none; }; ${options} };\n${zs}\n${extra}`,
  );
  return file;
}

function digAt(host: string, port: number, ...args: string[]): Promise<{ code: number; out: string }> {
  return run("dig", [`@${host}`, "-p", String(port), "+time=3", "+tries=1", ...args]);
}

describe(
  "netsvc as a recursive resolver over a loopback hierarchy",
  { skip: !hasTool("dig") && !process.env.CI },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "netsvc-rec-"));
    const servers: Running[] = [];
    let resolver: Running;
    let rport = 0;
    let statsPort = 0;
    let silent: Socket;
    const R = ip(10);

    before(async () => {
      silent = createSocket("udp4");
      await new Promise<void>((res) => silent.bind(PORT, ip(5), res));
      for (const [name, s] of Object.entries(ZONES)) {
        const conf = writeConf(dir, name, "recursion no;", s.zones);
        servers.push(
          await startNetsvc(["dns", "-c", conf, "--listen", `${ip(s.host)}:${PORT}`, "--workers", "1"]),
        );
      }
      writeFileSync(join(dir, "root.hints"), `. 3600000 NS a.root.test.\na.root.test. 3600000 A ${ip(1)}\n`);
      const conf = writeConf(
        dir,
        "resolver",
        `recursion yes; allow-recursion { 127.0.0.1; }; port ${PORT};`,
        {},
        `zone "." { type hint; file "root.hints"; };\nstatistics-channels { inet 127.0.0.1 port 0 allow { 127.0.0.1; }; };\n`,
      );
      resolver = await startNetsvc(["dns", "-c", conf, "--listen", `${R}:0`, "--workers", "1"]);
      rport = resolver.endpoints.find((e) => e.proto === "udp")!.port;
      statsPort = resolver.endpoints.find((e) => (e as { role?: string }).role === "stats")!.port;
    });

    after(async () => {
      await resolver?.stop();
      for (const s of servers) await s.stop();
      silent?.close();
    });

    it("dig ocf.berkeley.edu gets the address by recursion (RA set, AA clear)", async (t) => {
      if (!needTool(t, "dig")) return;
      const r = await digAt(R, rport, "-b", "127.0.0.1", "ocf.berkeley.edu", "A");
      assert.match(r.out, /status: NOERROR/);
      assert.match(r.out, /flags: qr rd ra;/);
      assert.match(r.out, /ocf\.berkeley\.edu\.\s+\d+\s+IN\s+A\s+169\.229\.226\.23/);
    });

    it("a client outside allow-recursion gets REFUSED (no open resolver)", async (t) => {
      if (!needTool(t, "dig")) return;
      const r = await digAt(R, rport, "-b", "127.0.0.99", "ocf.berkeley.edu", "A");
      assert.match(r.out, /status: REFUSED/);
      assert.doesNotMatch(r.out, /169\.229/);
      assert.doesNotMatch(r.out, /flags:[^;]* ra[ ;]/);
    });

    it("follows a CNAME into another zone, and finds a glueless server on the other branch", async (t) => {
      if (!needTool(t, "dig")) return;
      const a = await digAt(R, rport, "-b", "127.0.0.1", "www.berkeley.edu", "A", "+short");
      assert.deepEqual(a.out.trim().split("\n"), ["www.example.net.", "192.0.2.80"]);
      const b = await digAt(R, rport, "-b", "127.0.0.1", "www.stanford.edu", "A", "+short");
      assert.equal(b.out.trim(), "171.64.1.1");
    });

    it("NXDOMAIN comes back with the SOA, and the second one from the cache", async (t) => {
      if (!needTool(t, "dig")) return;
      const before = await metric("netsvc_dns_cache_hits_total");
      const a = await digAt(R, rport, "-b", "127.0.0.1", "nosuch.berkeley.edu", "A");
      assert.match(a.out, /status: NXDOMAIN/);
      assert.match(a.out, /berkeley\.edu\.\s+\d+\s+IN\s+SOA/);
      const b = await digAt(R, rport, "-b", "127.0.0.1", "nosuch.berkeley.edu", "TXT");
      assert.match(b.out, /status: NXDOMAIN/);
      assert.ok((await metric("netsvc_dns_cache_hits_total")) > before);
    });

    it("a big answer is fetched over TCP after TC=1 and truncated to the client over UDP", async (t) => {
      if (!needTool(t, "dig")) return;
      const tcp = await digAt(R, rport, "-b", "127.0.0.1", "+tcp", "big.berkeley.edu", "TXT");
      assert.match(tcp.out, /status: NOERROR/);
      assert.match(tcp.out, /ANSWER: 1,/);
      const udp = await digAt(
        R,
        rport,
        "-b",
        "127.0.0.1",
        "+ignore",
        "+bufsize=512",
        "big.berkeley.edu",
        "TXT",
      );
      assert.match(udp.out, /flags: qr tc rd ra;/);
    });

    it("survives a name server that never answers (the silent ns0.berkeley.edu)", async (t) => {
      if (!needTool(t, "dig")) return;
      // several names so that the silent server is tried at least once
      for (const h of ["a", "b", "c", "d"]) {
        const r = await digAt(R, rport, "-b", "127.0.0.1", `${h}.berkeley.edu`, "A");
        assert.match(r.out, /status: NXDOMAIN/, r.out);
      }
    });

    it("a forwarder (forward only) answers through the resolver", async (t) => {
      if (!needTool(t, "dig")) return;
      const conf = writeConf(
        dir,
        "fwd",
        `recursion yes; allow-recursion { 127.0.0.1; }; forwarders { ${R} port ${rport}; }; forward only;`,
        {},
      );
      const fwd = await startNetsvc(["dns", "-c", conf, "--listen", `${ip(11)}:0`, "--workers", "1"]);
      try {
        const port = fwd.endpoints.find((e) => e.proto === "udp")!.port;
        const r = await digAt(ip(11), port, "-b", "127.0.0.1", "ocf.berkeley.edu", "A", "+short");
        assert.equal(r.out.trim(), "169.229.226.23");
      } finally {
        await fwd.stop();
      }
    });

    it("keeps its cache across SIGHUP (no upstream work for a cached name after a reload)", async (t) => {
      if (!needTool(t, "dig")) return;
      await digAt(R, rport, "-b", "127.0.0.1", "ocf.berkeley.edu", "A");
      resolver.child.kill("SIGHUP");
      await resolver.waitLog((l) => l.msg === "configuration reloaded");
      const misses = await metric("netsvc_dns_cache_misses_total");
      const hits = await metric("netsvc_dns_cache_hits_total");
      const r = await digAt(R, rport, "-b", "127.0.0.1", "ocf.berkeley.edu", "A", "+short");
      assert.equal(r.out.trim(), "169.229.226.23");
      assert.equal(await metric("netsvc_dns_cache_misses_total"), misses);
      assert.ok((await metric("netsvc_dns_cache_hits_total")) > hits);
    });

    it("counts queries, rcodes, qtypes and cache hits on /metrics and /json/v1", async () => {
      const text = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text();
      assert.match(text, /netsvc_dns_queries_total\{transport="udp"\} [1-9]/);
      assert.match(text, /netsvc_dns_responses_by_rcode_total\{rcode="REFUSED"\} [1-9]/);
      assert.match(text, /netsvc_dns_queries_by_qtype_total\{qtype="TXT"\} [1-9]/);
      assert.match(text, /netsvc_dns_cache_entries [1-9]/);
      const json = (await (await fetch(`http://127.0.0.1:${statsPort}/json/v1`)).json()) as {
        rcodes: Record<string, number>;
        nsstats: Record<string, number>;
      };
      assert.ok((json.rcodes.NXDOMAIN ?? 0) > 0);
      assert.ok((json.nsstats.QryUDP ?? 0) > 0);
    });

    async function metric(name: string): Promise<number> {
      await sleep(0);
      const text = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text();
      const m = new RegExp(`^${name} (\\d+)`, "m").exec(text);
      return m ? Number(m[1]) : 0;
    }
  },
);

describe("rate-limit with real sockets", () => {
  it("limits a burst of identical queries from one client; slipped answers carry TC=1", async (t) => {
    if (!needTool(t, "dig")) return;
    const dir = mkdtempSync(join(tmpdir(), "netsvc-rrl-"));
    const conf = writeConf(
      dir,
      "rrl",
      "recursion no; rate-limit { responses-per-second 2; window 2; slip 2; };",
      { "example.test": `${SOA("example.test.")}@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\n` },
    );
    const srv = await startNetsvc(["dns", "-c", conf, "--listen", "127.0.0.1:0", "--workers", "1"]);
    try {
      const port = srv.endpoints.find((e) => e.proto === "udp")!.port;
      const sock = createSocket("udp4");
      const got: Buffer[] = [];
      sock.on("message", (m) => got.push(m));
      await new Promise<void>((res) => sock.bind(0, "127.0.0.1", res));
      const q = Buffer.from(
        "abcd0000000100000000000003777777076578616d706c65047465737400000100 01".replace(/ /g, ""),
        "hex",
      );
      for (let i = 0; i < 20; i++) {
        q.writeUInt16BE(i, 0);
        sock.send(q, port, "127.0.0.1");
      }
      await sleep(300);
      sock.close();
      const tc = got.filter((m) => (m[2]! & 0x02) !== 0);
      assert.ok(got.length < 20 && got.length >= 2, `answered ${got.length} of 20`);
      assert.ok(tc.length >= 1, "some slipped (TC=1)");
      // TCP is never limited (a real client retries there after TC=1)
      const r = await run("dig", [
        "@127.0.0.1",
        "-p",
        String(port),
        "+tcp",
        "+time=2",
        "+tries=1",
        "www.example.test",
        "A",
        "+short",
      ]);
      assert.equal(r.out.trim().split("\n").at(-1), "192.0.2.2");
    } finally {
      await srv.stop();
    }
  });
});
