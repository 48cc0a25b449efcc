import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { describe, it } from "node:test";
import { memoryLogger } from "../../../src/lib/log.ts";
import { LbRuntime } from "../../../src/lb/server/runtime.ts";
import { get, startBackend, writeConfig } from "../../integration/lb-helpers.ts";

/** The runtime in-process: reload semantics (listeners kept, health carried, failures change nothing). */
describe("lb runtime: reload", () => {
  const cfgText = (port: number, extra = "") => `
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:0
${extra}    default_backend b
backend b
    server s1 127.0.0.1:${port}
    server s2 127.0.0.1:${port}
`;

  it("keeps unchanged listeners and server state; a failed reload changes nothing", async () => {
    const be = await startBackend(1);
    const file = writeConfig(cfgText(be.port));
    const log = memoryLogger();
    const rt = new LbRuntime(file, { log });
    const [ep] = await rt.start();
    assert.ok(ep !== undefined && ep.port > 0);
    assert.equal((await get(ep.port)).status, 200);
    const s1 = rt.liveState().byName.get("b")!.backend!.byName.get("s1")!;
    s1.admin = "MAINT";
    const before = s1.counters.stot;

    // A bind that cannot be opened (the port is taken): the reload fails as a whole.
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const taken = (blocker.address() as net.AddressInfo).port;
    writeFileSync(file, cfgText(be.port, `    bind 127.0.0.1:${taken}\n`));
    await assert.rejects(rt.reload());
    assert.deepEqual(
      rt.endpoints().map((e) => e.port),
      [ep.port],
    );
    assert.equal((await get(ep.port)).status, 200);
    blocker.close();

    // A good reload: same listener (same port), same server state and counters.
    writeFileSync(file, cfgText(be.port));
    await rt.reload();
    assert.deepEqual(
      rt.endpoints().map((e) => e.port),
      [ep.port],
    );
    const again = rt.liveState().byName.get("b")!.backend!.byName.get("s1")!;
    assert.notEqual(again, s1);
    assert.equal(again.admin, "MAINT");
    assert.ok(again.counters.stot >= before);
    // s1 is in maintenance: every request goes to s2.
    const s2 = rt.liveState().byName.get("b")!.backend!.byName.get("s2")!;
    const n = s2.counters.stot;
    for (let i = 0; i < 3; i++) assert.equal((await get(ep.port)).status, 200);
    assert.equal(s2.counters.stot, n + 3);
    await rt.stop();
    await be.close();
  });
});
