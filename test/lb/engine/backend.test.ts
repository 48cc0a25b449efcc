import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cancelQueued, dispatch, release, serversChanged, setAdmin } from "../../../src/lb/engine/backend.ts";
import { statusText } from "../../../src/lb/engine/server.ts";
import { createLbState } from "../../../src/lb/engine/runtime.ts";
import { parseConfigText } from "../../../src/lb/config/load.ts";
import { backendFrom, req, servers, TestClock } from "./fixture.ts";

describe("backend state", () => {
  it("uses backup servers only when no active server is usable, and only the first", () => {
    const be = backendFrom([
      ...servers(2),
      "server b1 127.0.0.1:9001 backup",
      "server b2 127.0.0.1:9002 backup",
    ]);
    assert.deepEqual(
      be.eligible.map((s) => s.name),
      ["s0", "s1"],
    );
    setAdmin(be, be.byName.get("s0")!, "MAINT");
    setAdmin(be, be.byName.get("s1")!, "MAINT");
    assert.deepEqual(
      be.eligible.map((s) => s.name),
      ["b1"],
    );
    setAdmin(be, be.byName.get("b1")!, "DRAIN");
    assert.deepEqual(
      be.eligible.map((s) => s.name),
      ["b2"],
    );
    setAdmin(be, be.byName.get("s1")!, "READY");
    assert.deepEqual(
      be.eligible.map((s) => s.name),
      ["s1"],
    );
  });

  it("unavailable when nothing is usable", () => {
    const be = backendFrom(servers(1));
    setAdmin(be, be.servers[0]!, "MAINT");
    assert.equal(dispatch(be, req()).kind, "unavailable");
  });

  it("counts sessions on the server and the backend", () => {
    const clock = new TestClock();
    const be = backendFrom(servers(1), clock);
    const d = dispatch(be, req());
    assert.equal(d.kind, "server");
    const s = be.servers[0]!;
    assert.equal(s.cur, 1);
    assert.equal(s.counters.scur, 1);
    assert.equal(s.counters.stot, 1);
    assert.equal(s.counters.lbtot, 1);
    assert.equal(be.counters.scur, 1);
    assert.equal(s.counters.lastSess, clock.t);
    release(be, s);
    assert.equal(s.cur, 0);
    assert.equal(be.counters.scur, 0);
    assert.equal(s.counters.smax, 1);
  });

  it("queues at maxconn and hands the freed slot to the oldest waiter", async () => {
    const clock = new TestClock();
    const be = backendFrom(
      ["balance roundrobin", "server a 127.0.0.1:1 maxconn 1", "server b 127.0.0.1:2 maxconn 1"],
      clock,
    );
    const d1 = dispatch(be, req());
    const d2 = dispatch(be, req());
    assert.equal(d1.kind, "server");
    assert.equal(d2.kind, "server");
    const q1 = dispatch(be, req());
    clock.t += 5;
    const q2 = dispatch(be, req());
    assert.equal(q1.kind, "queued");
    assert.equal(q2.kind, "queued");
    assert.equal(be.queue.length, 2);
    assert.equal(be.counters.qmax, 2);
    if (d2.kind !== "server" || q1.kind !== "queued" || q2.kind !== "queued") return;
    release(be, d2.server);
    assert.equal(await q1.entry.promise, d2.server);
    assert.equal(d2.server.cur, 1, "the slot went to the waiter");
    assert.equal(be.queue.length, 1);
    assert.equal(cancelQueued(be, q2.entry), true, "queue timeout");
    assert.equal(be.queue.length, 0);
    assert.equal(cancelQueued(be, q2.entry), false);
  });

  it("hash algorithms wait on their own server; a DOWN server's waiters are requeued to the backend", async () => {
    const be = backendFrom([
      "balance source",
      "server a 127.0.0.1:1 maxconn 1",
      "server b 127.0.0.1:2 maxconn 1",
    ]);
    const r = req({ src: "10.0.0.2" }); // 0x0a000002 % 2 = 0 -> a
    const d1 = dispatch(be, r);
    assert.equal(d1.kind === "server" && d1.server.name, "a");
    const q = dispatch(be, r);
    assert.equal(q.kind, "queued");
    if (q.kind !== "queued") return;
    assert.equal(q.entry.server?.name, "a");
    const a = be.byName.get("a")!;
    a.check.enabled = true;
    a.check.health = 0;
    const requeued = serversChanged(be);
    assert.equal(requeued, 1);
    // b has a free slot: the requeued request gets it right away.
    assert.equal((await q.entry.promise).name, "b");
  });

  it("status text follows HAProxy's health counter", () => {
    const be = backendFrom([
      "server a 127.0.0.1:1 check rise 2 fall 3",
      "server n 127.0.0.1:2",
      "server m 127.0.0.1:3 disabled",
    ]);
    const a = be.byName.get("a")!;
    assert.equal(statusText(a), "UP 1/3");
    a.check.health = 4;
    assert.equal(statusText(a), "UP");
    a.check.health = 3;
    assert.equal(statusText(a), "UP 2/3");
    a.check.health = 1;
    assert.equal(statusText(a), "DOWN 1/2");
    a.check.health = 0;
    assert.equal(statusText(a), "DOWN");
    assert.equal(statusText(be.byName.get("n")!), "no check");
    assert.equal(statusText(be.byName.get("m")!), "MAINT");
    setAdmin(be, be.byName.get("n")!, "DRAIN");
    assert.equal(statusText(be.byName.get("n")!), "DRAIN");
  });

  it("a reload carries admin state, health and counters over for servers of the same name", () => {
    const clock = new TestClock();
    const cfg1 = parseConfigText(
      "defaults\n mode http\nbackend b\n server a 127.0.0.1:1 check\n server b 127.0.0.1:2 check\n",
      "x.cfg",
    ).config!;
    const st1 = createLbState(cfg1, { clock });
    const be1 = st1.byName.get("b")!.backend!;
    setAdmin(be1, be1.byName.get("a")!, "DRAIN");
    be1.byName.get("b")!.check.health = 0;
    serversChanged(be1);
    be1.counters.bin = 42;
    be1.byName.get("a")!.counters.stot = 7;
    const cfg2 = parseConfigText(
      "defaults\n mode http\nbackend b\n server a 127.0.0.1:1 check\n server b 127.0.0.1:2 check\n server c 127.0.0.1:3 check\n",
      "x.cfg",
    ).config!;
    const st2 = createLbState(cfg2, { clock, prev: st1 });
    const be2 = st2.byName.get("b")!.backend!;
    assert.equal(be2.byName.get("a")!.admin, "DRAIN");
    assert.equal(be2.byName.get("a")!.counters.stot, 7);
    assert.equal(statusText(be2.byName.get("b")!), "DOWN");
    assert.equal(be2.byName.get("c")!.admin, "READY");
    assert.equal(be2.counters.bin, 42);
    assert.deepEqual(
      be2.eligible.map((s) => s.name),
      ["c"],
    );
    assert.equal(st2.startedAt, st1.startedAt);
  });
});
