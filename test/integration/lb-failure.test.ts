import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { runNetsvc, startNetsvc } from "../helpers/proc.ts";
import { RawClient, deadPort, get, portOf, sleep, startBackend, writeConfig } from "./lb-helpers.ts";

/** Failure handling and operation of `netsvc lb`: dead servers, timeouts, queueing, reload, stop. */

const DEFAULTS = `
defaults
    mode http
    timeout connect 500ms
    timeout client 5s
    timeout server 5s
    timeout http-keep-alive 2s
`;

describe("netsvc lb: failures", () => {
  it("takes a crashed worker out (no 5xx once DOWN) and answers 503 when all are down", async () => {
    const workers = await startNetsvc(["workers", "-n", "3", "--base-port", "0"]);
    const ports = workers.endpoints.map((e) => e.port);
    const cfg = writeConfig(`${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    default_backend w
backend w
${ports.map((p, i) => `    server w${i} 127.0.0.1:${p} check inter 100ms fall 1 rise 1`).join("\n")}
`);
    const lb = await startNetsvc(["lb", "-f", cfg]);
    const port = portOf(lb.endpoints, "fe");
    try {
      const crash = await get(ports[1]!, "/crash");
      assert.match(crash.body.toString(), /Crashing ID 1/);
      await lb.waitLog((l) => typeof l.msg === "string" && /w\/w1 is DOWN/.test(l.msg), 3000);
      const ids = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const r = await get(port);
        assert.equal(r.status, 200);
        ids.add(r.body.toString().trim());
      }
      assert.deepEqual([...ids].sort(), ["Hello, I am ID 0", "Hello, I am ID 2"]);
      await get(ports[0]!, "/crash");
      await get(ports[2]!, "/crash");
      await lb.waitLog((l) => typeof l.msg === "string" && /has no server available/.test(l.msg), 3000);
      const r = await get(port);
      assert.equal(r.status, 503);
      assert.match(r.body.toString(), /No server is available to handle this request/);
    } finally {
      await lb.stop();
      await workers.stop();
    }
  });

  it("answers 504 when the server is too slow and 502 on an invalid response", async () => {
    const slow = await startBackend(0, (req, res) => {
      if (req.url === "/bad") {
        req.socket.write("HTTP/1.1 abc nonsense\r\n\r\n");
        req.socket.destroy();
        return;
      }
      setTimeout(() => res.end("late\n"), 3000);
    });
    const cfg = writeConfig(`${DEFAULTS.replace("timeout server 5s", "timeout server 300ms")}
frontend fe
    bind 127.0.0.1:0
    default_backend b
backend b
    server s 127.0.0.1:${slow.port}
`);
    const lb = await startNetsvc(["lb", "-f", cfg]);
    try {
      const port = portOf(lb.endpoints, "fe");
      const t0 = Date.now();
      const r = await get(port, "/slow");
      assert.equal(r.status, 504);
      assert.ok(Date.now() - t0 < 2500, "504 after timeout server, not after the response");
      const bad = await get(port, "/bad");
      assert.equal(bad.status, 502);
      assert.match(bad.body.toString(), /502 Bad Gateway/);
    } finally {
      await lb.stop();
      await slow.close();
    }
  });

  it("retries a refused connection and redispatches to another server", async () => {
    const good = await startBackend(7);
    const dead = await deadPort();
    const cfg = writeConfig(`${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    default_backend b
backend b
    retries 1
    option redispatch
    server dead 127.0.0.1:${dead}
    server good 127.0.0.1:${good.port}
`);
    const lb = await startNetsvc(["lb", "-f", cfg]);
    try {
      const port = portOf(lb.endpoints, "fe");
      for (let i = 0; i < 4; i++) {
        const r = await get(port);
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), "Hello, I am ID 7\n");
      }
    } finally {
      await lb.stop();
      await good.close();
    }
  });

  it("queues requests at maxconn and answers 503 after timeout queue", async () => {
    const releases: (() => void)[] = [];
    const held = await startBackend(0, (_req, res) => {
      releases.push(() => res.end("done\n"));
    });
    const cfg = writeConfig(`${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    default_backend b
backend b
    timeout queue 400ms
    server s 127.0.0.1:${held.port} maxconn 1
`);
    const lb = await startNetsvc(["lb", "-f", cfg]);
    try {
      const port = portOf(lb.endpoints, "fe");
      const first = get(port, "/1");
      await sleep(100);
      const second = get(port, "/2"); // queued behind the first
      await sleep(100);
      assert.equal(held.seen.length, 1, "second request waits in the queue");
      releases.shift()!();
      assert.equal((await first).status, 200);
      await sleep(100);
      assert.equal(held.seen.length, 2, "dequeued when the slot is free");
      releases.shift()!();
      assert.equal((await second).status, 200);
      // Now hold the slot and let a queued request time out.
      const third = get(port, "/3");
      await sleep(100);
      const t0 = Date.now();
      const fourth = await get(port, "/4");
      assert.equal(fourth.status, 503);
      assert.ok(Date.now() - t0 >= 350);
      releases.shift()!();
      assert.equal((await third).status, 200);
    } finally {
      await lb.stop();
      await held.close();
    }
  });
});

describe("netsvc lb: frontend maxconn", () => {
  it("holds connections above maxconn until one ends", async () => {
    const be = await startBackend(0);
    const cfg = writeConfig(`${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    maxconn 1
    default_backend b
backend b
    server s 127.0.0.1:${be.port}
`);
    const lb = await startNetsvc(["lb", "-f", cfg]);
    try {
      const port = portOf(lb.endpoints, "fe");
      const a = await RawClient.connect(port);
      a.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal((await a.response()).status, 200);
      const b = await RawClient.connect(port);
      b.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await assert.rejects(b.response({ timeoutMs: 300 }), /timed out/);
      a.close();
      assert.equal((await b.response()).status, 200);
      b.close();
    } finally {
      await lb.stop();
      await be.close();
    }
  });
});

describe("netsvc lb: client timeouts", () => {
  it("answers 408 to an incomplete head after timeout http-request and closes idle keep-alive connections", async () => {
    const be = await startBackend(0);
    const cfg = writeConfig(`
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout http-request 300ms
    timeout http-keep-alive 300ms
frontend fe
    bind 127.0.0.1:0
    default_backend b
backend b
    server s 127.0.0.1:${be.port}
`);
    const lb = await startNetsvc(["lb", "-f", cfg]);
    try {
      const port = portOf(lb.endpoints, "fe");
      const slow = await RawClient.connect(port);
      const t0 = Date.now();
      slow.send("GET / HTTP/1.1\r\nHost: x\r\n");
      const r = await slow.response({ timeoutMs: 3000 });
      assert.equal(r.status, 408);
      assert.ok(Date.now() - t0 >= 250 && Date.now() - t0 < 3000);
      assert.ok(await slow.closed());

      const idle = await RawClient.connect(port);
      idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal((await idle.response()).status, 200);
      const t1 = Date.now();
      assert.ok(await idle.closed(3000), "idle keep-alive connection closed");
      assert.ok(Date.now() - t1 >= 200);
    } finally {
      await lb.stop();
      await be.close();
    }
  });
});

describe("netsvc lb: operation", () => {
  it("refuses a bad config with file:line and exit 1", async () => {
    const cfg = writeConfig(`${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    bogus_keyword 1
    default_backend b
backend b
    server s 127.0.0.1:1
`);
    const r = await runNetsvc(["lb", "-f", cfg]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${cfg.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:11`));
  });

  it("reloads on SIGHUP: new config for new connections, established ones keep working, bad config keeps the old", async () => {
    const a = await startBackend(1);
    const b = await startBackend(2);
    const text = (port: number, extraBind: string): string => `${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
${extraBind}    default_backend b
backend b
    server s 127.0.0.1:${port} check inter 200ms
`;
    const cfg = writeConfig(text(a.port, ""));
    const lb = await startNetsvc(["lb", "-f", cfg]);
    try {
      const port = portOf(lb.endpoints, "fe");
      const keep = await RawClient.connect(port);
      keep.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal((await keep.response()).body.toString(), "Hello, I am ID 1\n");

      const extra = await deadPort();
      writeFileSync(cfg, text(b.port, `    bind 127.0.0.1:${extra}\n`));
      lb.child.kill("SIGHUP");
      await lb.waitLog((l) => l.msg === "configuration reloaded", 5000);
      // Same bind kept (same port), new one opened, new connections use the new backend.
      assert.equal((await get(port)).body.toString(), "Hello, I am ID 2\n");
      assert.equal((await get(extra)).body.toString(), "Hello, I am ID 2\n");
      // The established keep-alive connection still works.
      keep.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal((await keep.response()).status, 200);
      keep.close();

      writeFileSync(cfg, "frontend broken\n    bind 127.0.0.1:0\n    nonsense here\n");
      lb.child.kill("SIGHUP");
      await lb.waitLog((l) => l.msg === "reload failed, keeping the running configuration", 5000);
      assert.equal((await get(port)).body.toString(), "Hello, I am ID 2\n");
    } finally {
      await lb.stop();
      await a.close();
      await b.close();
    }
  });

  it("drains and exits 0 on SIGTERM", async () => {
    const slow = await startBackend(0, (_req, res) => setTimeout(() => res.end("finished\n"), 300));
    const cfg = writeConfig(`${DEFAULTS}
frontend fe
    bind 127.0.0.1:0
    default_backend b
backend b
    server s 127.0.0.1:${slow.port}
`);
    const lb = await startNetsvc(["lb", "-f", cfg]);
    const port = portOf(lb.endpoints, "fe");
    const inflight = get(port, "/");
    await sleep(100);
    const code = await lb.stop("SIGTERM");
    assert.equal(code, 0);
    const r = await inflight;
    assert.equal(r.body.toString(), "finished\n", "in-flight request completed during the drain");
    await slow.close();
  });

  it("prints HAProxy httplog lines with log stdout", async () => {
    const be = await startBackend(3);
    const cfg = writeConfig(`
defaults
    mode http
    log stdout format raw local0
    option httplog
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:0
    default_backend b
backend b
    server s1 127.0.0.1:${be.port}
`);
    const lb = await startNetsvc(["lb", "-f", cfg]);
    try {
      await get(portOf(lb.endpoints, "fe"), "/logged?x=1");
      const line = await lb.waitLog((l) => l.raw === true && String(l.msg).includes("/logged"), 3000);
      assert.match(
        String(line.msg),
        /^127\.0\.0\.1:\d+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe b\/s1 \d+\/0\/\d+\/\d+\/\d+ 200 \d+ - - ---- \d+\/\d+\/\d+\/\d+\/0 0\/0 "GET \/logged\?x=1 HTTP\/1\.1"$/,
      );
    } finally {
      await lb.stop();
      await be.close();
    }
  });
});
