import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, runNetsvc } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";
import { run } from "./dns-helpers.ts";

/**
 * `netsvc check named.conf` against `named-checkconf -z` on the same files: the same exit code, and
 * errors on the same lines.
 */
/** Line numbers of the errors (not warnings) reported for `file`, in order of appearance, unique. */
function errorLines(out: string, file: string): number[] {
  const lines = out.split("\n").filter((l) => !l.includes(": warning: "));
  const re = new RegExp(`${file.replace(".", "\\.")}:(\\d+)`);
  return [
    ...new Set(
      lines
        .map((l) => re.exec(l)?.[1])
        .filter((x) => x !== undefined)
        .map(Number),
    ),
  ];
}

function confDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-dns-check-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const ZONE = `$TTL 3600
@ IN SOA ns.example.com. root.example.com. 7 3600 600 86400 300
@ IN NS ns
ns IN A 127.0.0.1
`;

const CASES: { name: string; files: Record<string, string> }[] = [
  {
    name: "valid",
    files: {
      "named.conf":
        'options { recursion no; };\nzone "example.com" { type master; file "db.example.com"; };\n',
      "db.example.com": ZONE,
    },
  },
  { name: "unknown option", files: { "named.conf": 'options {\n  directory ".";\n  recursoin yes;\n};\n' } },
  {
    name: "missing semicolons",
    files: { "named.conf": 'options { recursion no; }\nzone "a" { type master; file "x" }\n' },
  },
  {
    name: "semantic errors",
    files: {
      "named.conf": `options {
  directory ".";
  recursion no;
  allow-query { 10/8; !192.168.1/24; bogusacl; };
};
acl "x" { 1.2.3.4; };
acl "x" { 1.2.3.5; };
zone "example.com" { type master; };
`,
    },
  },
  {
    name: "bad values",
    files: { "named.conf": "options {\n recursion maybe;\n listen-on port 70000 { any; };\n};\n" },
  },
  {
    name: "zone file with an error",
    files: {
      "named.conf":
        'options { recursion no; };\nzone "example.com" { type master; file "db.example.com"; };\n',
      "db.example.com": `${ZONE}bad IN A 300.1.1.1\n`,
    },
  },
  {
    name: "zone file missing",
    files: {
      "named.conf": 'options { recursion no; };\nzone "example.com" { type master; file "db.nothere"; };\n',
    },
  },
];

describe("netsvc check named.conf agrees with named-checkconf -z", () => {
  for (const c of CASES) {
    it(c.name, async (t) => {
      if (!needTool(t, "named-checkconf")) return;
      const dir = confDir(c.files);
      const conf = join(dir, "named.conf");
      // named-checkconf resolves relative zone files from its working directory
      const ref = await run("sh", ["-c", `cd ${dir} && named-checkconf -z named.conf`]);
      const ours = await runNetsvc(["check", conf]);
      const out = ours.stdout + ours.stderr;
      assert.equal(
        ours.code,
        ref.code,
        `exit codes differ; named-checkconf said:\n${ref.out}\nnetsvc said:\n${out}`,
      );
      // netsvc reports every error; named-checkconf stops at the first one of some kinds. Every
      // line it names must be among ours, and the earliest line with an error is the same.
      const refLines = errorLines(ref.out, "named.conf");
      const ourLines = errorLines(out, "named.conf");
      const why = `named-checkconf:\n${ref.out}\nnetsvc:\n${out}`;
      for (const l of refLines) assert.ok(ourLines.includes(l), `line ${l} missing; ${why}`);
      assert.equal(ourLines.length === 0, refLines.length === 0, why);
      if (refLines.length > 0) assert.equal(Math.min(...ourLines), Math.min(...refLines), why);
      if (ref.code === 0) assert.match(out, /zone example\.com\/IN: loaded serial 7/);
    });
  }

  it("loads the lab's named.conf unchanged (with its includes and the root hint zone)", async (t) => {
    if (!needTool(t, "named-checkconf")) return;
    const dir = mkdtempSync(join(tmpdir(), "netsvc-dns-lab-"));
    mkdirSync(dir, { recursive: true });
    cpSync(join(ROOT, "test/fixtures/dns/lab"), dir, { recursive: true });
    const ref = await run("sh", ["-c", `cd ${dir} && named-checkconf -z named.conf`]);
    assert.equal(ref.code, 0, ref.out);
    const ours = await runNetsvc(["check", join(dir, "named.conf")]);
    assert.equal(ours.code, 0, ours.stdout + ours.stderr);
    assert.match(ours.stdout, /zone example\.com\/IN: loaded serial 1/);
    assert.match(ours.stdout, /warning: recursion is not implemented yet/);
  });

  for (const [name, text] of [
    ["valid zone", ZONE],
    ["zone with a bad address on line 5", `${ZONE}bad IN A 300.1.1.1\n`],
    ["zone without SOA", "$TTL 3600\n@ IN NS ns.example.com.\n"],
  ] as const) {
    it(`netsvc check --zone agrees with named-checkzone: ${name}`, async (t) => {
      if (!needTool(t, "named-checkzone")) return;
      const dir = confDir({ "db.example.com": text });
      const file = join(dir, "db.example.com");
      const ref = await run("named-checkzone", ["example.com", file]);
      const ours = await runNetsvc(["check", "--zone", "example.com", file]);
      const out = ours.stdout + ours.stderr;
      assert.equal(ours.code, ref.code, `named-checkzone:\n${ref.out}\nnetsvc:\n${out}`);
      for (const l of errorLines(ref.out, "db.example.com"))
        assert.ok(errorLines(out, "db.example.com").includes(l), `line ${l}: ${out}`);
      if (ref.code === 0) assert.match(out, /loaded serial 7/);
    });
  }
});
