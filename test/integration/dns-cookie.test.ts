import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { serverCookie } from "../../src/dns/engine/cookie.ts";
import { startNetsvc, type Running } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";
import { freePort, startBind } from "./bind-helpers.ts";
import { dig } from "./dns-helpers.ts";

/**
 * DNS COOKIE with dig, and with BIND 9 as the oracle for the server cookie (RFC 9018 siphash24):
 * with the same cookie-secret, netsvc computes BIND's server cookie, and a cookie BIND handed out
 * is valid at netsvc (the anycast case the RFC is for).
 */
const SECRET = "0123456789abcdef0123456789abcdef";
const CLIENT = "0102030405060708";
const ZONE =
  "$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 127.0.0.1\nwww A 192.0.2.1\n";

/** The COOKIE dig printed: client cookie, server cookie, and whether dig called it good. */
function cookieOf(out: string): { client: string; server: string; good: boolean } | undefined {
  const m = /^; COOKIE: ([0-9a-f]{16})([0-9a-f]*)(?: \((good)\))?/m.exec(out);
  return m === null ? undefined : { client: m[1]!, server: m[2]!, good: m[3] === "good" };
}

function status(out: string): string {
  return /status: ([A-Z]+)/.exec(out)?.[1] ?? "?";
}

describe("DNS COOKIE (RFC 7873, RFC 9018) with dig and BIND", () => {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-cookie-"));
  const servers: Running[] = [];
  const start = async (options: string): Promise<number> => {
    const conf = join(dir, `named-${servers.length}.conf`);
    writeFileSync(
      conf,
      `options { directory "${dir}"; listen-on port 0 { 127.0.0.1; }; recursion no; notify no; ${options} };\n` +
        `zone "example.com" { type primary; file "db.example.com"; };\n`,
    );
    const srv = await startNetsvc(["dns", "-c", conf, "--port", "0", "--workers", "1"]);
    servers.push(srv);
    return srv.endpoints.find((e) => e.proto === "udp")!.port;
  };
  before(() => writeFileSync(join(dir, "db.example.com"), ZONE));
  after(async () => {
    for (const s of servers) await s.stop("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers a client cookie with its server cookie, over UDP and TCP, from the cache too", async (t) => {
    if (!needTool(t, "dig")) return;
    const port = await start(`cookie-secret "${SECRET}";`);
    for (const args of [[], [], ["+tcp"]]) {
      const { out } = await dig(port, ...args, `+cookie=${CLIENT}`, "www.example.com", "A");
      assert.equal(status(out), "NOERROR");
      assert.match(out, /192\.0\.2\.1/);
      const c = cookieOf(out);
      assert.ok(c?.good, out);
      assert.equal(c.client, CLIENT);
      const time = Number.parseInt(c.server.slice(8, 16), 16);
      const want = serverCookie(Buffer.from(CLIENT, "hex"), "127.0.0.1", time, Buffer.from(SECRET, "hex"));
      assert.equal(c.server, want.toString("hex"));
    }
    // the server cookie handed back is accepted (and answered with a fresh one)
    const first = cookieOf((await dig(port, `+cookie=${CLIENT}`, "www.example.com")).out)!;
    const again = await dig(port, `+cookie=${CLIENT}${first.server}`, "www.example.com");
    assert.equal(status(again.out), "NOERROR");
    assert.ok(cookieOf(again.out)?.good);
    // no cookie asked: none given
    const none = await dig(port, "+nocookie", "www.example.com");
    assert.equal(cookieOf(none.out), undefined);
    assert.equal(status(none.out), "NOERROR");
    // a malformed COOKIE option is FORMERR (RFC 7873 5.2.2), as BIND answers
    assert.equal(
      status((await dig(port, "+nocookie", "+ednsopt=10:0102", "www.example.com")).out),
      "FORMERR",
    );
  });

  it("require-server-cookie: BADCOOKIE over UDP until the client returns our cookie; answer-cookie no", async (t) => {
    if (!needTool(t, "dig")) return;
    const port = await start(`cookie-secret "${SECRET}"; require-server-cookie yes;`);
    // dig retries by itself with the server cookie of the BADCOOKIE answer
    const r = await dig(port, `+cookie=${CLIENT}`, "www.example.com");
    assert.match(r.out, /BADCOOKIE, retrying/);
    assert.equal(status(r.out), "NOERROR");
    const noRetry = await dig(port, `+cookie=${CLIENT}`, "+nobadcookie", "www.example.com");
    assert.equal(status(noRetry.out), "BADCOOKIE");
    assert.ok(cookieOf(noRetry.out)?.good, "BADCOOKIE carries the cookie to use");
    assert.equal(status((await dig(port, "+tcp", `+cookie=${CLIENT}`, "www.example.com")).out), "NOERROR");
    const quiet = await start("answer-cookie no;");
    const q = await dig(quiet, `+cookie=${CLIENT}`, "www.example.com");
    assert.equal(status(q.out), "NOERROR");
    assert.equal(cookieOf(q.out), undefined);
  });

  it("computes BIND's server cookie, and takes a cookie BIND handed out (same secret)", async (t) => {
    if (!needTool(t, "named") || !needTool(t, "dig")) return;
    const bindPort = await freePort("127.0.0.1");
    const bind = await startBind(
      "",
      () => `cookie-secret "${SECRET}";`,
      "127.0.0.1",
      bindPort,
      `zone "example.com" { type primary; file "db.example.com"; };`,
      { "db.example.com": ZONE },
    );
    try {
      const fromBind = cookieOf((await dig(bindPort, `+cookie=${CLIENT}`, "www.example.com")).out);
      assert.ok(fromBind?.good);
      const time = Number.parseInt(fromBind.server.slice(8, 16), 16);
      const ours = serverCookie(Buffer.from(CLIENT, "hex"), "127.0.0.1", time, Buffer.from(SECRET, "hex"));
      assert.equal(ours.toString("hex"), fromBind.server);
      // netsvc requiring a server cookie accepts BIND's at once: no BADCOOKIE round
      const port = await start(`cookie-secret "${SECRET}"; require-server-cookie yes;`);
      const r = await dig(port, `+cookie=${CLIENT}${fromBind.server}`, "+nobadcookie", "www.example.com");
      assert.equal(status(r.out), "NOERROR");
    } finally {
      await bind.stop();
    }
  });
});
