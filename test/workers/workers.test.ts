import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startNetsvc, runNetsvc } from "../helpers/proc.ts";

interface Ep {
  host: string;
  port: number;
  id: number;
  pid: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("netsvc workers", () => {
  it("serves Hello/health from separate processes; /crash ends one for good; SIGTERM stops all", async () => {
    const run = await startNetsvc(["workers", "-n", "3", "--base-port", "0"]);
    try {
      const eps = run.endpoints as unknown as Ep[];
      assert.equal(eps.length, 3);
      assert.equal(new Set(eps.map((e) => e.pid)).size, 3, "one process per worker");
      for (const e of eps) {
        assert.ok(e.port > 0);
        const r = await fetch(`http://${e.host}:${e.port}/`);
        assert.equal(r.status, 200);
        assert.equal(await r.text(), `Hello, I am ID ${e.id}\n`);
        assert.equal(r.headers.get("x-worker-id"), String(e.id));
        const h = await fetch(`http://${e.host}:${e.port}/health`);
        assert.equal(h.status, 200);
        assert.equal(h.headers.get("x-worker-id"), String(e.id));
        await h.text();
      }
      const victim = eps[1]!;
      const c = await fetch(`http://${victim.host}:${victim.port}/crash`);
      assert.equal(await c.text(), "Crashing ID 1!\n");
      assert.equal(c.headers.get("x-worker-id"), "1");
      await run.waitLog((l) => l.msg === "worker exited" && l.id === 1, 5000);
      assert.equal(alive(victim.pid), false, "the crashed worker's process is gone");
      await assert.rejects(fetch(`http://${victim.host}:${victim.port}/`));
      for (const e of [eps[0]!, eps[2]!]) {
        const r = await fetch(`http://${e.host}:${e.port}/`);
        assert.equal(await r.text(), `Hello, I am ID ${e.id}\n`);
      }
      assert.equal(await run.stop("SIGTERM"), 0);
      for (const e of eps) assert.equal(alive(e.pid), false, `worker ${e.id} stopped`);
    } finally {
      await run.stop();
    }
  });

  it("fails with exit 1 when a port is taken, and 2 on bad usage", async () => {
    const { createServer } = await import("node:net");
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    try {
      const r = await runNetsvc(["workers", "-n", "1", "--base-port", String(port)]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot listen/);
    } finally {
      srv.close();
    }
    assert.equal((await runNetsvc(["workers", "-n", "zero"])).code, 2);
  });
});
