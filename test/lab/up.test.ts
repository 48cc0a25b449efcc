import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import type { LabSnapshot } from "../../src/lab/collect.ts";
import { CLI, ROOT } from "../helpers/proc.ts";
import { hasTool, needTool } from "../helpers/tools.ts";
import { CHROMIUM_ARGS, groupAlive, freeOffset, READY, spawnLab, until, type LabProcess } from "./helpers.ts";

/**
 * `netsvc up` end to end on a port offset picked at run time: every service answers its real
 * client, the dashboard (headless Chromium) shows the lab live and turns a crashed worker red, a
 * crashed service is reported while the others keep serving, Ctrl-C stops every process. Leaves
 * test-artifacts/lab-dashboard.png.
 */
const run = promisify(execFile);

interface Lab extends LabProcess {
  exited: Promise<number | null>;
  state: string;
}

async function startLab(extra: string[] = []): Promise<Lab> {
  for (let attempt = 0; ; attempt++) {
    const offset = await freeOffset();
    const state = mkdtempSync(join(tmpdir(), "lab-up-"));
    const lab = spawnLab(
      process.execPath,
      [CLI, "up", "--port-offset", String(offset), "--state", state, ...extra],
      {
        cwd: ROOT,
      },
    );
    try {
      await lab.waitOutput(new RegExp(READY.replace(/\./g, "\\.")), 60_000);
      return { ...lab, offset, state };
    } catch (err) {
      await lab.stop();
      rmSync(state, { recursive: true, force: true });
      if (attempt < 3 && /ports are not available|EADDRINUSE/.test(lab.output())) continue;
      throw err;
    }
  }
}

async function labJson(lab: Lab): Promise<LabSnapshot> {
  return (await (await fetch(`http://127.0.0.1:${7001 + lab.offset}/lab.json`)).json()) as LabSnapshot;
}

describe("netsvc up", () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab(["--users", "alice,bob"]);
  });
  after(async () => {
    if (lab === undefined) return;
    const pgid = lab.child.pid!;
    await lab.stop();
    rmSync(lab.state, { recursive: true, force: true });
    assert.deepEqual(groupAlive(pgid), []);
  });

  it("prints every endpoint with a client command", () => {
    const o = lab.offset;
    const out = lab.output();
    assert.ok(out.includes(`dig @127.0.0.1 -p ${53 + o} example.com`), out);
    assert.ok(out.includes(`curl localhost:${7000 + o}`));
    assert.ok(out.includes(`http://localhost:${7001 + o}/stats`));
    assert.ok(
      out.includes(
        `nfs-ls  'nfs://127.0.0.1/opt/lab7/public?version=3&nfsport=${2049 + o}&mountport=${20048 + o}'`,
      ),
    );
    assert.ok(out.includes("/opt/lab7/private/bob/notes.txt"));
  });

  it("answers DNS, balances round-robin over the six workers, serves NFS", async (t) => {
    const o = lab.offset;
    if (hasTool("dig")) {
      const { stdout } = await run("dig", ["@127.0.0.1", "-p", String(53 + o), "example.com", "+short"]);
      assert.equal(stdout.trim(), "127.0.0.1");
    }
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await (await fetch(`http://127.0.0.1:${7000 + o}/`)).text());
    assert.deepEqual(ids.map((s) => /ID (\d)/.exec(s)?.[1]).sort(), ["0", "1", "2", "3", "4", "5"]);
    if (!needTool(t, "nfs-cat")) return;
    const q = `version=3&nfsport=${2049 + o}&mountport=${20048 + o}`;
    const { stdout } = await run("nfs-cat", [`nfs://127.0.0.1/opt/lab7/public/secret.txt?${q}`]);
    assert.match(stdout, /lighthouse/);
    const j = await labJson(lab);
    assert.deepEqual(
      j.nfs.exports.map((e) => e.path),
      ["/opt/lab7/public", "/opt/lab7/private/alice", "/opt/lab7/private/bob"],
    );
    assert.ok((j.nfs.ops.READ ?? 0) >= 1);
    assert.ok(j.nfs.mounts.some((m) => m.directory === "/opt/lab7/public"));
    if (hasTool("dig")) {
      assert.ok((j.dns.qtypes.A ?? 0) >= 1);
      assert.ok((j.dns.rcodes.NOERROR ?? 0) >= 1);
      assert.equal(j.dns.zones[0]?.name, "example.com.");
      assert.equal(j.dns.zones[0].serial, 1);
      assert.ok((j.dns.zones[0].records ?? 0) >= 10);
    }
  });

  it("shows the lab in the dashboard and turns a crashed worker red (Chromium)", async (t) => {
    if (!needTool(t, "chromium")) return;
    const o = lab.offset;
    const profile = mkdtempSync(join(tmpdir(), "lab-chromium-"));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(`http://127.0.0.1:${7001 + o}/`);
      await page.waitForSelector("#worker-5.up");
      assert.match((await page.textContent("#dns"))!, /example\.com\./);
      assert.match((await page.textContent("#lb"))!, /w0/);
      assert.match((await page.textContent("#nfs"))!, /\/opt\/lab7\/private\/alice/);
      assert.equal(await page.getAttribute("a[href='/stats']", "href"), "/stats");
      await fetch(`http://127.0.0.1:${8082 + o}/crash`).catch(() => undefined);
      await page.waitForSelector("#worker-2.down", { timeout: 5000 });
      await page.waitForSelector("tr.down[data-server='workers/w2']", { timeout: 8000 });
      const bg = await page.evaluate<string>(
        `getComputedStyle(document.getElementById("worker-2")).backgroundColor`,
      );
      assert.equal(bg, "rgb(255, 155, 155)");
      mkdirSync(join(ROOT, "test-artifacts"), { recursive: true });
      await page.screenshot({ path: join(ROOT, "test-artifacts", "lab-dashboard.png"), fullPage: true });
      // The HAProxy-style page is still there, through the lab's listener.
      await page.goto(`http://127.0.0.1:${7001 + o}/stats`);
      assert.match((await page.title()) ?? "", /Statistics Report/);
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it("reports a crashed service and keeps the others serving", async () => {
    const j = await labJson(lab);
    const dns = j.services.find((s) => s.name === "dns");
    process.kill(dns!.pid ?? 0, "SIGKILL");
    await lab.waitOutput(
      /\[lab\] dns stopped unexpectedly \(SIGKILL\); the other services keep running/,
      5000,
    );
    const text = await (await fetch(`http://127.0.0.1:${7000 + lab.offset}/`)).text();
    assert.match(text, /Hello, I am ID/);
    await until(async () => !(await labJson(lab)).dns.up, 3000);
  });

  it("stops every process on Ctrl-C and exits 0", async () => {
    const pgid = lab.child.pid!;
    assert.ok(groupAlive(pgid).length >= 4);
    const code = await lab.stop();
    assert.equal(code, 0);
    await until(() => groupAlive(pgid).length === 0, 5000);
    assert.match(lab.output(), /lab stopped/);
  });
});

describe("netsvc up reloads on SIGHUP", () => {
  it("checks every config, then DNS and the balancer take the change; a broken one changes nothing", async (t) => {
    if (!needTool(t, "dig")) return;
    const dir = mkdtempSync(join(tmpdir(), "lab-reload-"));
    let lab: Lab | undefined;
    try {
      await run(process.execPath, [CLI, "up", "--init", join(dir, "lab")]);
      const labDir = join(dir, "lab");
      lab = await startLab(["--dir", labDir]);
      const o = lab.offset;
      const dig = async (name: string): Promise<string> =>
        (await run("dig", ["@127.0.0.1", "-p", String(53 + o), name, "+short"])).stdout.trim();
      // a new connection each time: a keep-alive one stays on the configuration it started with
      const once = (): Promise<string> =>
        new Promise((resolve, reject) => {
          get({ host: "127.0.0.1", port: 7000 + o, path: "/", agent: false }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => resolve(/ID (\d)/.exec(body)?.[1] ?? "?"));
          }).on("error", reject);
        });
      const ids = async (): Promise<string[]> => {
        const out: string[] = [];
        for (let i = 0; i < 6; i++) out.push(await once());
        return out;
      };
      assert.equal(await dig("reload.example.com"), "");
      assert.equal(new Set(await ids()).size, 6);

      const zone = join(labDir, "db.example.com");
      const original = readFileSync(zone, "utf8");
      writeFileSync(zone, original.replace("1\t\t; serial", "2\t\t; serial") + "reload\tIN\tA\t127.0.0.42\n");
      const cfg = join(labDir, "haproxy.cfg");
      writeFileSync(cfg, readFileSync(cfg, "utf8").replace("balance roundrobin", "balance first"));
      process.kill(lab.child.pid!, "SIGHUP");
      await lab.waitOutput(/\[lab\] SIGHUP: configs valid; reloading dns, nfs, lb/, 10_000);
      await until(async () => (await dig("reload.example.com")) === "127.0.0.42", 10_000);
      await until(async () => (await ids()).every((id) => id === "0"), 10_000);

      // a broken zone: refused with file:line, the running lab keeps answering as before
      writeFileSync(zone, original.replace("1\t\t; serial", "3\t\t; serial") + "oops\tIN\tA\t1.2.3\n");
      process.kill(lab.child.pid!, "SIGHUP");
      const refused = await lab.waitOutput(/\[lab\] SIGHUP: reload refused[^\n]*\n\s+(\S+)/, 10_000);
      assert.match(refused[1]!, /db\.example\.com:\d+/);
      assert.equal(await dig("reload.example.com"), "127.0.0.42");

      // a moved port needs a restart
      writeFileSync(zone, original);
      writeFileSync(cfg, readFileSync(cfg, "utf8").replace(/bind 127\.0\.0\.1:7000/, "bind 127.0.0.1:7100"));
      process.kill(lab.child.pid!, "SIGHUP");
      await lab.waitOutput(/reload refused[\s\S]*restart `netsvc up`/, 10_000);
      assert.equal(await dig("reload.example.com"), "127.0.0.42");
    } finally {
      if (lab !== undefined) {
        await lab.stop();
        rmSync(lab.state, { recursive: true, force: true });
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("netsvc up without its ports", () => {
  it("names a port in use, suggests --port-offset, starts nothing, exits 1", async () => {
    const offset = await freeOffset();
    const s = createServer();
    await new Promise<void>((r) => s.listen(7000 + offset, "127.0.0.1", r));
    const state = mkdtempSync(join(tmpdir(), "lab-up-"));
    try {
      const lab = spawnLab(process.execPath, [CLI, "up", "--port-offset", String(offset), "--state", state], {
        cwd: ROOT,
      });
      const code = await lab.exited;
      assert.equal(code, 1);
      const out = lab.output();
      assert.match(
        out,
        new RegExp(`${7000 + offset}/tcp +balancer web +in use by node \\(pid ${process.pid}\\)`),
      );
      assert.match(out, /nothing was started/);
      assert.match(out, /--port-offset \d+/);
      assert.deepEqual(groupAlive(lab.child.pid!), []);
    } finally {
      s.close();
      rmSync(state, { recursive: true, force: true });
    }
  });

  it("without root: names the privileged ports and how to proceed", async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip("needs root to run a child as nobody");
      return;
    }
    const state = mkdtempSync(join(tmpdir(), "lab-up-"));
    chmodSync(state, 0o777);
    try {
      const r = await run(process.execPath, [CLI, "up", "--state", join(state, "s")], {
        cwd: tmpdir(),
        uid: 65534,
        gid: 65534,
      }).then(
        () => ({ code: 0, stderr: "" }),
        (e: unknown) => e as { code: number; stderr: string },
      );
      assert.equal(r.code, 1);
      assert.match(r.stderr, /53\/udp\+tcp +DNS +permission denied: ports below 1024 need root/);
      assert.match(r.stderr, /111\/tcp\+udp +portmapper +permission denied/);
      assert.match(r.stderr, /run it as root/);
      assert.match(r.stderr, /netsvc up --port-offset \d+/);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe("netsvc up --init", () => {
  it("writes the lab files for editing, never over existing ones; usage errors exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-init-"));
    try {
      const { stdout } = await run(process.execPath, [CLI, "up", "--init", join(dir, "mylab")]);
      assert.match(stdout, /netsvc up --dir .*mylab/);
      for (const f of [
        "named.conf",
        "db.example.com",
        "haproxy.cfg",
        "exports",
        "data/opt/lab7/public/secret.txt",
      ])
        assert.ok(existsSync(join(dir, "mylab", f)), f);
      const again = await run(process.execPath, [CLI, "up", "--init", join(dir, "mylab")]).then(
        () => ({ code: 0, stderr: "" }),
        (e: unknown) => e as { code: number; stderr: string },
      );
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already holds named\.conf/);
      const usage = await run(process.execPath, [CLI, "up", "--port-offset", "ten"]).then(
        () => ({ code: 0, stderr: "" }),
        (e: unknown) => e as { code: number; stderr: string },
      );
      assert.equal(usage.code, 2);
      const notLab = await run(process.execPath, [CLI, "up", "--dir", dir, "--state", join(dir, "s")]).then(
        () => ({ code: 0, stderr: "" }),
        (e: unknown) => e as { code: number; stderr: string },
      );
      assert.equal(notLab.code, 1);
      assert.match(notLab.stderr, /is not a lab folder .*netsvc up --init/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
