import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { ROOT } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";

/**
 * The embedded lab (lab/), the default of `netsvc up`: the reference tools must accept it unchanged,
 * and npm must ship it.
 */
const run = promisify(execFile);
const LAB = `${ROOT}/lab`;
const FILES = [
  "named.conf",
  "named.conf.options",
  "named.conf.local",
  "db.example.com",
  "db.root.loopback",
  "haproxy.cfg",
  "exports",
  "data/opt/lab7/public/secret.txt",
  "data/opt/lab7/private/student/README.txt",
];

type Result = { code: number; stdout: string; stderr: string };
const attempt = (cmd: string, args: string[], cwd = LAB): Promise<Result> =>
  run(cmd, args, { cwd }).then(
    (o) => ({ code: 0, ...o }),
    (e: unknown) => {
      const x = e as Result;
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    },
  );

describe("the embedded lab", () => {
  it("holds every reference file", () => {
    for (const f of FILES) assert.ok(existsSync(join(LAB, f)), f);
    assert.equal(
      readFileSync(join(LAB, "data/opt/lab7/public/secret.txt"), "utf8"),
      "The secret word is: lighthouse\n",
    );
  });

  it("npm ships it (package.json files, npm pack --dry-run)", async () => {
    const r = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT });
    const packed = new Set(
      (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path),
    );
    for (const f of FILES) assert.ok(packed.has(`lab/${f}`), `lab/${f} is packed`);
  });

  it("named-checkconf accepts named.conf and loads its zones (-z)", async (t) => {
    if (!needTool(t, "named-checkconf")) return;
    const r = await attempt("named-checkconf", ["-z", "named.conf"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /zone example\.com\/IN: loaded serial 1/);
  });

  it("named-checkzone accepts db.example.com", async (t) => {
    if (!needTool(t, "named-checkzone")) return;
    const r = await attempt("named-checkzone", ["example.com", "db.example.com"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /loaded serial 1\nOK/);
  });

  it("named-checkzone would reject a broken copy (the check can fail)", async (t) => {
    if (!needTool(t, "named-checkzone")) return;
    const tmp = mkdtempSync(join(tmpdir(), "netsvc-lab-"));
    try {
      const zone = join(tmp, "db.example.com");
      writeFileSync(
        zone,
        readFileSync(join(LAB, "db.example.com"), "utf8").replace(
          "IN\tA\t93.184.216.34",
          "IN\tA\t93.184.216",
        ),
      );
      const r = await attempt("named-checkzone", ["example.com", zone], tmp);
      assert.equal(r.code, 1, r.stdout);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("haproxy -c accepts haproxy.cfg", async (t) => {
    if (!needTool(t, "haproxy")) return;
    const r = await attempt("haproxy", ["-c", "-f", "haproxy.cfg"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Configuration file is valid/);
  });

  it("haproxy -c would reject a broken copy (the check can fail)", async (t) => {
    if (!needTool(t, "haproxy")) return;
    const tmp = mkdtempSync(join(tmpdir(), "netsvc-lab-"));
    try {
      cpSync(join(LAB, "haproxy.cfg"), join(tmp, "haproxy.cfg"));
      writeFileSync(
        join(tmp, "haproxy.cfg"),
        readFileSync(join(tmp, "haproxy.cfg"), "utf8").replace(
          "balance roundrobin",
          "balance roundrobin\n    bogus_kw 1",
        ),
      );
      const r = await attempt("haproxy", ["-c", "-f", "haproxy.cfg"], tmp);
      assert.equal(r.code, 1);
      assert.match(r.stdout + r.stderr, /bogus_kw/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
