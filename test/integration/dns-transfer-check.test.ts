import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runNetsvc } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";
import { run } from "./dns-helpers.ts";

/**
 * `netsvc check` on the transfer statements, beside `named-checkconf`: a valid replication setup
 * is accepted by both; each broken line is reported by both, on the same line, and netsvc names
 * more (every error, not the first; keys referenced but not defined).
 */
const KEY = 'key "xfr" { algorithm hmac-sha256; secret "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ=="; };';

const VALID = `${KEY}
primaries upstream port 5300 { 127.0.0.1 key xfr; };
options { recursion no; notify explicit; also-notify { 127.0.0.1 port 5399; }; allow-transfer { key xfr; }; };
zone "a.test" { type slave; masters { upstream; }; file "a.cache"; };
zone "b.test" { type secondary; primaries { 127.0.0.1 port 5301 key xfr; }; allow-notify { 127.0.0.0/8; }; };
`;

// one error per line (named-checkconf stops at some; compare line by line)
const BROKEN = [
  'key "x" { algorithm hmac-sha256; };',
  'key "x" { algorithm hmac-sha3; secret "c2VjcmV0"; };',
  'key "x" { algorithm hmac-sha256; secret "not base64!"; };',
  'zone "a.test" { type secondary; file "a.cache"; };',
  'zone "a.test" { type secondary; primaries { nolist; }; };',
  'zone "a.test" { type primary; file "db"; primaries { 127.0.0.1; }; };',
  'zone "a.test" { type primary; file "db"; notify maybe; };',
];

const TEMP: string[] = [];
after(() => {
  for (const d of TEMP) rmSync(d, { recursive: true, force: true });
});

function write(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-xfr-check-"));
  TEMP.push(dir);
  const f = join(dir, "named.conf");
  writeFileSync(f, text);
  return f;
}

describe("netsvc check on transfer statements, beside named-checkconf", () => {
  it("a valid replication setup passes both", async (t) => {
    if (!needTool(t, "named-checkconf")) return;
    const f = write(VALID);
    const bind = await run("named-checkconf", [f]);
    assert.equal(bind.code, 0, bind.out);
    const ours = await runNetsvc(["check", f]);
    assert.equal(ours.code, 0, ours.stdout + ours.stderr);
  });

  for (const line of BROKEN) {
    it(`rejects: ${line}`, async (t) => {
      if (!needTool(t, "named-checkconf")) return;
      const f = write(`options { recursion no; };\n${line}\n`);
      const bind = await run("named-checkconf", [f]);
      const ours = await runNetsvc(["check", f]);
      assert.notEqual(bind.code, 0);
      assert.equal(ours.code, 1);
      assert.match(bind.out, /named\.conf:2: /);
      assert.match(ours.stdout + ours.stderr, /named\.conf:2:\d+: /);
    });
  }

  it("an undefined key is an error with its place (BIND finds it only when loading)", async () => {
    const f = write(
      `options { recursion no; };\nzone "a.test" { type secondary;\n  primaries { 127.0.0.1 key nokey; }; };\n`,
    );
    const ours = await runNetsvc(["check", f]);
    assert.equal(ours.code, 1);
    assert.match(ours.stdout + ours.stderr, /named\.conf:3:\d+: unknown key 'nokey'/);
  });
});
