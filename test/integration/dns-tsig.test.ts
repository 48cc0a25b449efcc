import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startNetsvc, type Running } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";
import { run } from "./dns-helpers.ts";

/**
 * TSIG as BIND's and Knot's users check it: `dig -y` and `kdig -y` verify every message of a
 * multi-message AXFR signed by netsvc, and see BADSIG / BADKEY / REFUSED where BIND gives them.
 */
const SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";

describe("TSIG with dig -y and kdig -y", () => {
  let srv: Running;
  let port: number;
  const dir = mkdtempSync(join(tmpdir(), "netsvc-tsig-"));
  before(async () => {
    const lines = ["$TTL 300", "@ SOA ns root 3 3600 600 86400 300", "@ NS ns", "ns A 127.0.0.1"];
    for (let i = 0; i < 3000; i++) lines.push(`h${i} TXT "host ${i} padding padding padding padding"`);
    writeFileSync(join(dir, "db.big"), lines.join("\n") + "\n");
    writeFileSync(
      join(dir, "named.conf"),
      `key "xfr" { algorithm hmac-sha256; secret "${SECRET}"; };
key "old" { algorithm hmac-sha1; secret "${SECRET}"; };
options { listen-on { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; notify no; allow-transfer { key xfr; key old; }; };
zone "big.test" { type primary; file "db.big"; };
`,
    );
    srv = await startNetsvc(["dns", "-c", join(dir, "named.conf"), "--port", "0", "--workers", "1"]);
    port = srv.endpoints.find((e) => e.proto === "tcp")!.port;
  });
  after(async () => {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [alg, key] of [
    ["hmac-sha256", "xfr"],
    ["hmac-sha1", "old"],
  ] as const) {
    it(`dig -y ${alg}: a signed multi-message AXFR verifies`, async (t) => {
      if (!needTool(t, "dig")) return;
      const r = await run("dig", [
        "@127.0.0.1",
        "-p",
        String(port),
        "-y",
        `${alg}:${key}:${SECRET}`,
        "big.test",
        "AXFR",
      ]);
      assert.doesNotMatch(r.out, /Couldn't verify|failed|tsig indicates error/i);
      const m = /XFR size: (\d+) records \(messages (\d+)/.exec(r.out);
      assert.ok(m, r.out.slice(-500));
      assert.equal(Number(m[1]), 3004);
      assert.ok(Number(m[2]) > 1, "several messages");
    });
  }

  it("kdig -y verifies it too", async (t) => {
    if (!needTool(t, "kdig")) return;
    const r = await run("kdig", [
      "@127.0.0.1",
      "-p",
      String(port),
      "-y",
      `hmac-sha256:xfr:${SECRET}`,
      "big.test",
      "AXFR",
    ]);
    assert.match(r.out, /Received \d+ B \(\d+ messages, 3004 records\)/);
    assert.doesNotMatch(r.out, /failed|BADSIG|BADKEY|BADTIME/i);
  });

  it("a wrong secret is BADSIG, an unknown key BADKEY, no key REFUSED", async (t) => {
    if (!needTool(t, "dig")) return;
    const bad = await run("dig", [
      "@127.0.0.1",
      "-p",
      String(port),
      "-y",
      "hmac-sha256:xfr:d3Jvbmc=",
      "big.test",
      "SOA",
    ]);
    assert.match(bad.out, /status: NOTAUTH/);
    assert.match(bad.out, /BADSIG/);
    const unknown = await run("dig", [
      "@127.0.0.1",
      "-p",
      String(port),
      "-y",
      `hmac-sha256:nokey:${SECRET}`,
      "big.test",
      "SOA",
    ]);
    assert.match(unknown.out, /BADKEY/);
    const none = await run("dig", ["@127.0.0.1", "-p", String(port), "big.test", "AXFR"]);
    assert.match(none.out, /Transfer failed|REFUSED/);
  });
});
