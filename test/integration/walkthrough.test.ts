import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { ROOT } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";
import { CHROMIUM_ARGS, groupAlive, freeOffset, READY, spawnLab, until } from "../lab/helpers.ts";

/**
 * A newcomer's first session. Clone this repository at HEAD into a temporary folder, run the
 * README's start command exactly as written (`npm ci && npm start`, between the newcomer markers;
 * the lab's ports moved with NETSVC_PORT_OFFSET so that the test needs no fixed port, and npm told
 * to prefer its cache), then walk the lab as a student would: dig the zone, curl through the
 * balancer and see the round-robin, crash a worker and watch the stats page and the dashboard turn
 * it red in Chromium, read the secret over NFS and fail to write there, write a file in the private
 * export and read it back. Ctrl-C at the end must leave no process behind.
 *
 * The README's second command, `npm test`, is not run here (it would run this test again): it is
 * what CI runs.
 */
const run = promisify(execFile);

export function newcomerCommands(readme: string): string[] {
  const m = /<!-- newcomer:start -->([\s\S]*?)<!-- newcomer:end -->/.exec(readme);
  if (m === null) throw new Error("README.md has no newcomer markers");
  return m[1]!
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("```") && !l.startsWith("#"));
}

describe("walkthrough: a newcomer clones the repository and walks the lab", { timeout: 240_000 }, () => {
  let work = "";
  let clone = "";
  let offset = 0;
  let q = "";
  let lab: ReturnType<typeof spawnLab> | undefined;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "netsvc-walkthrough-"));
    clone = join(work, "netsvc");
    offset = await freeOffset();
    q = `version=3&nfsport=${2049 + offset}&mountport=${20048 + offset}`;
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    await run("git", ["clone", "-q", ROOT, clone]);
    await run("git", ["checkout", "-q", head], { cwd: clone });
    const [start, test] = newcomerCommands(readFileSync(join(clone, "README.md"), "utf8"));
    assert.equal(start, "npm ci && npm start");
    assert.equal(test, "npm test");
    lab = spawnLab("sh", ["-c", start], {
      cwd: clone,
      env: {
        NETSVC_PORT_OFFSET: String(offset),
        XDG_STATE_HOME: join(work, "state"),
        npm_config_prefer_offline: "true",
        npm_config_audit: "false",
        npm_config_fund: "false",
        npm_config_update_notifier: "false",
      },
    });
    await lab.waitOutput(new RegExp(READY.replace(/\./g, "\\.")), 200_000);
  });

  after(async () => {
    try {
      if (lab !== undefined) {
        const pgid = lab.child.pid!;
        // Ctrl-C reaches npm too, which then exits with its own status: what matters is that the
        // lab stopped every service and that nothing is left running.
        await lab.stop();
        await until(() => groupAlive(pgid).length === 0, 10_000);
        assert.match(lab.output(), /SIGINT: stopping the lab\.\.\.\nlab stopped\n/);
      }
    } finally {
      if (work !== "") rmSync(work, { recursive: true, force: true });
    }
  });

  it("digs the zone", async (t) => {
    if (!needTool(t, "dig")) return;
    const dig = (name: string, type = "A"): Promise<string> =>
      run("dig", ["@127.0.0.1", "-p", String(53 + offset), name, type, "+short"]).then((r) =>
        r.stdout.trim(),
      );
    assert.equal(await dig("example.com"), "127.0.0.1");
    assert.equal(await dig("test.example.com"), "93.184.216.34");
    assert.equal(await dig("example.com", "MX"), "10 mail.example.com.");
  });

  it("curls through the balancer and sees the round-robin", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const text = await (await fetch(`http://127.0.0.1:${7000 + offset}/`)).text();
      ids.push(/ID (\d+)/.exec(text)?.[1] ?? text);
    }
    // Six workers in turn, twice over: 0 1 2 3 4 5 0 1 2 3 4 5 (from wherever the rotation starts).
    assert.deepEqual(ids.slice(0, 6).sort(), ["0", "1", "2", "3", "4", "5"]);
    assert.deepEqual(ids.slice(6), ids.slice(0, 6));
  });

  it("crashes a worker and watches the stats page and the dashboard turn it red", async (t) => {
    if (!needTool(t, "chromium")) return;
    const profile = mkdtempSync(join(tmpdir(), "walkthrough-chromium-"));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      const stats = `http://127.0.0.1:${7001 + offset}/stats`;
      const rowColour = (): Promise<string> =>
        page.evaluate<string>(
          `getComputedStyle(document.querySelector('a[name="workers/w3"]').closest("tr")).backgroundColor`,
        );
      await page.goto(stats);
      assert.equal(await rowColour(), "rgb(192, 255, 192)");
      await fetch(`http://127.0.0.1:${8083 + offset}/crash`).catch(() => undefined);
      await until(async () => {
        await page.goto(stats);
        return (await rowColour()) === "rgb(255, 144, 144)";
      }, 10_000);
      mkdirSync(join(ROOT, "test-artifacts"), { recursive: true });
      await page.screenshot({ path: join(ROOT, "test-artifacts", "walkthrough-stats.png"), fullPage: true });
      await page.goto(`http://127.0.0.1:${7001 + offset}/`);
      await page.waitForSelector("#worker-3.down", { timeout: 5000 });
      await page.waitForSelector("tr.down[data-server='workers/w3']", { timeout: 5000 });
      await page.screenshot({
        path: join(ROOT, "test-artifacts", "walkthrough-dashboard.png"),
        fullPage: true,
      });
      // The balancer no longer sends anyone to the crashed worker.
      for (let i = 0; i < 10; i++)
        assert.doesNotMatch(await (await fetch(`http://127.0.0.1:${7000 + offset}/`)).text(), /ID 3\b/);
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it("reads the secret over NFS and cannot write there", async (t) => {
    if (!needTool(t, "nfs-cat") || !needTool(t, "nfs-cp")) return;
    const { stdout } = await run("nfs-cat", [`nfs://127.0.0.1/opt/lab7/public/secret.txt?${q}`]);
    assert.match(stdout, /The secret word is: lighthouse/);
    const local = join(work, "answer.txt");
    writeFileSync(local, "student: lighthouse\n");
    await assert.rejects(
      run("nfs-cp", [local, `nfs://127.0.0.1/opt/lab7/public/answer.txt?${q}`]),
      (err: unknown) => {
        assert.match(String((err as { stderr?: string }).stderr), /ROFS|Read-only/i);
        return true;
      },
    );
  });

  it("writes a file in the private export and reads it back", async (t) => {
    if (!needTool(t, "nfs-cp") || !needTool(t, "nfs-cat")) return;
    // The uid that owns the student's folder is the one `up` printed in its nfs-cp example.
    const m = /private\/student\/notes\.txt\?[^']*&uid=(\d+)&gid=(\d+)/.exec(lab!.output());
    assert.ok(m, lab!.output());
    const auth = `&uid=${m[1]!}&gid=${m[2]!}`;
    const local = join(work, "student.txt");
    writeFileSync(local, "student: lighthouse\n");
    const url = `nfs://127.0.0.1/opt/lab7/private/student/student.txt?${q}${auth}`;
    await run("nfs-cp", [local, url]);
    const { stdout } = await run("nfs-cat", [url]);
    assert.equal(stdout, "student: lighthouse\n");
  });
});
