import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { memoryLogger } from "../../../src/lib/log.ts";
import { startChecks } from "../../../src/lb/check/runner.ts";
import { statusText } from "../../../src/lb/engine/server.ts";
import { backendFrom } from "../engine/fixture.ts";

describe("check runner", () => {
  it("marks a server DOWN when it stops answering, logs it, and UP again when it is back", async () => {
    const srv = createServer((_q, r) => r.end("ok"));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as AddressInfo).port;
    const be = backendFrom([
      "option httpchk GET /",
      `server w1 127.0.0.1:${port} check inter 150 rise 2 fall 2`,
      "server w2 127.0.0.1:1 check inter 50 rise 1 fall 1 backup",
    ]);
    const log = memoryLogger();
    const h = startChecks(be, { log });
    const w1 = be.byName.get("w1")!;
    const until = async (pred: () => boolean, ms = 3000): Promise<void> => {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error("timeout");
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until(() => statusText(w1) === "UP" && w1.check.status === "L7OK");
      srv.close();
      srv.closeAllConnections();
      await until(() => statusText(w1) === "DOWN");
      const down = log.lines.find((l) => String(l.msg).startsWith("Server b/w1 is DOWN"));
      assert.ok(down, JSON.stringify(log.lines));
      // The failing check may be one caught mid-flight by the close; later ones are refused.
      assert.match(String(down.msg), /reason: Layer[47] /);
      await until(() => w1.check.status === "L4CON");
      assert.equal(w1.check.info, "Connection refused");
      assert.ok(log.lines.some((l) => l.msg === "backend 'b' has no server available!"));
      assert.equal(be.eligible.length, 0);
      await new Promise<void>((r) => srv.listen(port, "127.0.0.1", r));
      await until(() => statusText(w1) === "UP");
      assert.ok(
        log.lines.some((l) =>
          String(l.msg).startsWith("Server b/w1 is UP, reason: Layer7 check passed, code: 200"),
        ),
      );
      assert.deepEqual(
        be.eligible.map((s) => s.name),
        ["w1"],
      );
    } finally {
      h.stop();
      srv.close();
    }
  });

  it("uses an injected probe and stops cleanly", async () => {
    const be = backendFrom(["server a 127.0.0.1:1 check inter 20 fall 1 rise 1"]);
    let calls = 0;
    const h = startChecks(be, {
      log: memoryLogger(),
      probe: () => {
        calls++;
        return Promise.resolve({ status: "L4TOUT", durationMs: 20 });
      },
    });
    await new Promise((r) => setTimeout(r, 120));
    h.stop();
    const n = calls;
    assert.ok(n >= 2);
    assert.equal(statusText(be.servers[0]!), "DOWN");
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(calls, n, "no probe after stop");
  });
});
