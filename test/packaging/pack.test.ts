import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ROOT } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";
import { groupAlive, freeOffset, READY, spawnLab, until } from "../lab/helpers.ts";

/**
 * The npm package as a user gets it: `npm pack` ships the compiled CLI, the lab's files and the
 * docs (and builds dist first: prepack); the tarball installs into an empty prefix with its
 * dependencies from the local npm cache, and `npx netsvc up --port-offset N` runs the lab from
 * there: one record dug, then Ctrl-C.
 *
 * The tarball here is packed with --ignore-scripts from the dist/ this test suite was built into
 * (`npm test` builds first), so that the test does not compile the project a second time.
 */
const run = promisify(execFile);
const NPM_ENV = {
  ...process.env,
  npm_config_prefer_offline: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
};

describe("npm package", { timeout: 180_000 }, () => {
  let work = "";
  before(() => {
    work = mkdtempSync(join(tmpdir(), "netsvc-pack-"));
  });
  after(() => {
    if (work !== "") rmSync(work, { recursive: true, force: true });
  });
  let tarball = "";

  it("prepack builds dist", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
      bin: Record<string, string>;
    };
    assert.equal(pkg.scripts.prepack, "npm run build");
    assert.match(pkg.scripts.build ?? "", /^tsc\b/);
    assert.equal(pkg.bin.netsvc, "dist/src/cli/main.js");
  });

  it("packs the CLI, the lab files and the docs, and no tests", async () => {
    const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
      cwd: ROOT,
      env: NPM_ENV,
    });
    const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    const files = new Set(info!.files.map((f) => f.path));
    for (const f of [
      "dist/src/cli/main.js",
      "dist/src/lab/child.js",
      "dist/src/lab/run.js",
      "lab/named.conf",
      "lab/haproxy.cfg",
      "lab/exports",
      "lab/data/opt/lab7/public/secret.txt",
      "lab/data/opt/lab7/private/student/README.txt",
      "docs/up.md",
      "README.md",
    ])
      assert.ok(files.has(f), `${f} is in the package`);
    assert.ok(![...files].some((f) => f.startsWith("dist/test/") || f.startsWith("src/")));
    tarball = join(work, info!.filename);
  });

  it("installs from the tarball and runs the lab with npx netsvc up --port-offset N", async (t) => {
    assert.notEqual(tarball, "");
    const prefix = join(work, "prefix");
    await run("npm", ["install", "--no-save", "--prefix", prefix, tarball], { env: NPM_ENV, cwd: work });
    const { stdout: version } = await run("npx", ["netsvc", "--version"], { cwd: prefix, env: NPM_ENV });
    assert.equal(version.trim(), "0.1.0");
    const offset = await freeOffset();
    const lab = spawnLab(
      "npx",
      ["netsvc", "up", "--port-offset", String(offset), "--state", join(work, "state")],
      {
        cwd: prefix,
        env: NPM_ENV,
      },
    );
    const pgid = lab.child.pid!;
    try {
      await lab.waitOutput(new RegExp(READY.replace(/\./g, "\\.")), 60_000);
      assert.match(lab.output(), new RegExp(`files: ${prefix}/node_modules/netsvc/lab`));
      if (needTool(t, "dig")) {
        const { stdout } = await run("dig", [
          "@127.0.0.1",
          "-p",
          String(53 + offset),
          "test.example.com",
          "+short",
        ]);
        assert.equal(stdout.trim(), "93.184.216.34");
      }
    } finally {
      await lab.stop();
      await until(() => groupAlive(pgid).length === 0, 10_000);
    }
    assert.match(lab.output(), /lab stopped/);
  });
});
