import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { startNetsvc } from "../helpers/proc.ts";
import { get, portOf, sleep, startBackend, writeConfig } from "./lb-helpers.ts";

/** `--workers N`: several processes share the listeners; reload and stop go through the primary. */
describe("netsvc lb --workers", () => {
  it("serves from 2 processes, reloads on SIGHUP and exits 0 on SIGTERM", async () => {
    const a = await startBackend(1);
    const b = await startBackend(2);
    const text = (port: number): string => `
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:0
    default_backend be
backend be
    server s 127.0.0.1:${port}
`;
    const cfg = writeConfig(text(a.port));
    const lb = await startNetsvc(["lb", "-f", cfg, "--workers", "2"]);
    try {
      const port = portOf(lb.endpoints, "fe");
      const peers = new Set<number>();
      for (let i = 0; i < 6; i++) {
        assert.equal((await get(port)).body.toString(), "Hello, I am ID 1\n");
      }
      for (const s of a.seen) peers.add(s.peerPort);
      assert.ok(peers.size >= 2, "requests came through more than one process's pool");

      writeFileSync(cfg, "frontend fe\n    bind 127.0.0.1:0\n    bogus\n");
      lb.child.kill("SIGHUP");
      await lb.waitLog((l) => l.msg === "reload failed, keeping the running configuration", 5000);
      assert.equal((await get(port)).body.toString(), "Hello, I am ID 1\n");

      writeFileSync(cfg, text(b.port));
      lb.child.kill("SIGHUP");
      await lb.waitLog((l) => l.msg === "configuration reloaded", 5000);
      let ok = false;
      for (let i = 0; i < 40 && !ok; i++) {
        // Both workers apply the reload on their own; wait until each answers with the new backend.
        const bodies = await Promise.all([get(port), get(port), get(port), get(port)]);
        ok = bodies.every((r) => r.body.toString() === "Hello, I am ID 2\n");
        if (!ok) await sleep(100);
      }
      assert.ok(ok, "every worker uses the new configuration");
    } finally {
      assert.equal(await lb.stop("SIGTERM"), 0);
      await a.close();
      await b.close();
    }
  });
});
