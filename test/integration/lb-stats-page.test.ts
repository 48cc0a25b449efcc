import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { chromium, type Page } from "playwright-core";
import { ROOT, startNetsvc, type Running } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";

/**
 * The stats page in a real browser (Debian's Chromium through playwright-core), against a real
 * `netsvc workers` and `netsvc lb`: the tables and rows, HAProxy's colours before and after a
 * worker crash, and the admin form (MAINT, DRAIN, READY). Leaves a screenshot in
 * test-artifacts/lb-stats-page.png.
 */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const GREEN = "rgb(192, 255, 192)";
const RED = "rgb(255, 144, 144)";
const BROWN = "rgb(192, 120, 32)";
const BLUE = "rgb(32, 160, 255)";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function csvStatus(stats: string): Promise<Record<string, string>> {
  const text = await (await fetch(`${stats};csv`)).text();
  const [head, ...rows] = text.trim().split("\n");
  const cols = head!.replace(/^# /, "").split(",");
  const out: Record<string, string> = {};
  for (const r of rows) {
    const v = r.split(",");
    out[`${v[cols.indexOf("pxname")]}/${v[cols.indexOf("svname")]}`] = v[cols.indexOf("status")]!;
  }
  return out;
}

async function until(pred: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The row of a server: its class, background colour and status cell. */
async function row(page: Page, name: string): Promise<{ cls: string; bg: string; status: string }> {
  const tr = page.locator(`a[name="workers/${name}"]`).locator("xpath=ancestor::tr[1]");
  const cls = (await tr.getAttribute("class")) ?? "";
  // A string function: the test project has no DOM typings.
  const bg: unknown = await page.evaluate(
    `getComputedStyle(document.querySelector('a[name="workers/${name}"]').closest("tr")).backgroundColor`,
  );
  const cells = await tr.locator("td").allTextContents();
  const status = cells.find((c) => /\b(UP|DOWN|MAINT|DRAIN|no check)\b/.test(c)) ?? "";
  return { cls, bg: String(bg), status };
}

describe("stats page in Chromium", () => {
  it("shows the proxies, HAProxy's colours before and after a crash, and the admin form works", async (t) => {
    if (!needTool(t, "chromium")) return;
    const dir = mkdtempSync(join(tmpdir(), "netsvc-stats-"));
    let workers: Running | undefined;
    let lb: Running | undefined;
    const ctx = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ARGS,
      viewport: { width: 1500, height: 800 },
    });
    try {
      workers = await startNetsvc(["workers", "-n", "3", "--base-port", "0"]);
      const wp = workers.endpoints.map((e) => e.port);
      const statsPort = await freePort();
      const webPort = await freePort();
      const cfg = join(dir, "haproxy.cfg");
      writeFileSync(
        cfg,
        `global
    maxconn 4096
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend web
    bind 127.0.0.1:${webPort}
    default_backend workers
backend workers
    balance roundrobin
${wp.map((p, i) => `    server w${i} 127.0.0.1:${p} check inter 200ms fall 2 rise 2`).join("\n")}
    server spare 127.0.0.1:${wp[0]!} backup
listen stats
    bind 127.0.0.1:${statsPort}
    stats enable
    stats uri /stats
    stats refresh 5s
    acl local src 127.0.0.1
    stats admin if local
`,
      );
      lb = await startNetsvc(["lb", "-f", cfg]);
      const stats = `http://127.0.0.1:${statsPort}/stats`;
      await until(async () => (await csvStatus(stats))["workers/w2"] === "UP", 5000);
      for (let i = 0; i < 6; i++) await (await fetch(`http://127.0.0.1:${webPort}/`)).text();

      const page = await ctx.newPage();
      const res = await page.goto(stats);
      assert.equal(res?.status(), 200);
      assert.equal(await res?.headerValue("refresh"), "5");
      const titles = await page.locator("th.pxname").allTextContents();
      assert.deepEqual(titles, ["web", "workers", "stats"]);
      for (const n of ["w0", "w1", "w2"]) {
        const r = await row(page, n);
        assert.equal(r.cls, "active_up", n);
        assert.equal(r.bg, GREEN, n);
        assert.match(r.status, /UP$/);
      }
      assert.equal((await row(page, "spare")).cls, "backup_no_check");
      const fe =
        (await page.locator('a[name="web/Frontend"]').locator("xpath=ancestor::tr[1]").textContent()) ?? "";
      assert.match(fe, /OPEN/);
      const beRow = page.locator('a[name="workers/Backend"]').locator("xpath=ancestor::tr[1]");
      assert.equal(await beRow.getAttribute("class"), "backend");

      // Crash worker 1: its row turns red (DOWN), the others stay green.
      await (await fetch(`http://127.0.0.1:${wp[1]!}/crash`)).text();
      await until(async () => (await csvStatus(stats))["workers/w1"] === "DOWN", 5000);
      await page.goto(stats);
      const w1 = await row(page, "w1");
      assert.equal(w1.cls, "active_down");
      assert.equal(w1.bg, RED);
      assert.match(w1.status, /DOWN$/);
      assert.equal((await row(page, "w0")).bg, GREEN);

      // Admin form: w2 to MAINT (brown), w0 to DRAIN (blue), then w2 back to READY.
      const apply = async (server: string, action: string): Promise<void> => {
        await page.check(`input[name="s"][value="${server}"]`);
        await page.selectOption('select[name="action"]', action);
        // POST, 303 to <uri>;st=DONE, then the page loads.
        await Promise.all([
          page.waitForResponse((r) => r.url().includes(";st=") && r.request().method() === "GET"),
          page.click('input[type="submit"]'),
        ]);
        await page.waitForLoadState("load");
      };
      await apply("w2", "maint");
      assert.match((await page.textContent("p.msg")) ?? "", /Action processed successfully/);
      assert.equal((await row(page, "w2")).bg, BROWN);
      assert.match((await row(page, "w2")).status, /^\d+s MAINT$/);
      await apply("w0", "drain");
      assert.equal((await row(page, "w0")).bg, BLUE);
      assert.match((await row(page, "w0")).status, /DRAIN$/);
      assert.equal((await csvStatus(stats))["workers/w0"], "DRAIN");
      // Nothing is usable any more but the backup.
      const body = await (await fetch(`http://127.0.0.1:${webPort}/`)).text();
      assert.equal(body, "Hello, I am ID 0\n", "the backup server (port of w0) answers");

      mkdirSync(join(ROOT, "test-artifacts"), { recursive: true });
      await page.screenshot({ path: join(ROOT, "test-artifacts", "lb-stats-page.png"), fullPage: true });

      await apply("w2", "ready");
      await until(async () => (await csvStatus(stats))["workers/w2"] === "UP", 3000);
    } finally {
      await ctx.close();
      await lb?.stop();
      await workers?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
