import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newCounters } from "../../../src/lb/engine/counters.ts";
import { Hub } from "../../../src/lb/server/hub.ts";
import type { PrimaryMessage } from "../../../src/lb/server/messages.ts";
import { fromVec, mergeSnapshots, objKey, toVec, type Snapshot } from "../../../src/lb/stats/peers.ts";

function setup(): { hub: Hub; inbox: Map<number, PrimaryMessage[]>; run: () => void } {
  const inbox = new Map<number, PrimaryMessage[]>();
  const timers: (() => void)[] = [];
  const hub = new Hub({
    send: (id, m) => {
      const list = inbox.get(id) ?? [];
      list.push(m);
      inbox.set(id, list);
    },
    now: () => 1_000,
    setTimer: (fn) => timers.push(fn),
  });
  return { hub, inbox, run: () => timers.splice(0).forEach((f) => f()) };
}

const snap = (stot: number, scur = 0): Snapshot => ({
  [objKey("F", "web")]: toVec({ c: { ...newCounters(), stot, scur, smax: scur }, qcur: 0 }),
});

const totalStot = (snaps: Snapshot[]): number =>
  fromVec(mergeSnapshots(snaps, 1_000)[objKey("F", "web")]!)!.c.stot;

describe("the primary's hub (server/hub.ts)", () => {
  it("designates one checker, and another live worker when it dies", () => {
    const { hub, inbox } = setup();
    hub.onMessage(1, { type: "hello" });
    hub.onMessage(2, { type: "hello" });
    hub.onMessage(3, { type: "hello" });
    const welcome = (id: number) => inbox.get(id)!.find((m) => m.type === "welcome") as { checker: boolean };
    assert.deepEqual([welcome(1).checker, welcome(2).checker, welcome(3).checker], [true, false, false]);
    hub.exit(2);
    assert.equal(hub.checkerId, 1, "a non-checker dying changes nothing");
    hub.exit(1);
    assert.equal(hub.checkerId, 3);
    assert.deepEqual(inbox.get(3)!.at(-1), { type: "role", checker: true });
    hub.onMessage(4, { type: "hello" });
    assert.equal(welcome(4).checker, false, "the replacement does not check: worker 3 does");
  });

  it("relays server changes to the others and welcomes a new worker with the latest state", () => {
    const { hub, inbox } = setup();
    hub.onMessage(1, { type: "hello" });
    hub.onMessage(2, { type: "hello" });
    hub.onMessage(1, {
      type: "sync",
      full: true,
      servers: [{ backend: "be", server: "a", admin: "READY", weight: 1 }],
    });
    assert.equal(inbox.get(2)!.filter((m) => m.type === "sync").length, 0, "a full dump is not relayed");
    const check = {
      health: 0,
      rise: 2,
      fall: 3,
      status: "L4CON",
      durationMs: 0,
      lastAt: 5,
      failed: 3,
      downs: 1,
      lastChange: 5,
      downtime: 0,
      downSince: 5,
    } as const;
    hub.onMessage(1, { type: "sync", servers: [{ backend: "be", server: "a", check }] });
    hub.onMessage(2, { type: "sync", servers: [{ backend: "be", server: "a", admin: "MAINT", weight: 1 }] });
    assert.deepEqual(inbox.get(2)!.at(-1), {
      type: "sync",
      servers: [{ backend: "be", server: "a", check }],
    });
    assert.deepEqual(inbox.get(1)!.at(-1), {
      type: "sync",
      servers: [{ backend: "be", server: "a", admin: "MAINT", weight: 1 }],
    });
    assert.equal(inbox.get(1)!.filter((m) => m.type === "sync").length, 1, "nobody gets its own change back");
    hub.exit(2);
    hub.onMessage(3, { type: "hello" });
    const w = inbox.get(3)![0] as Extract<PrimaryMessage, { type: "welcome" }>;
    assert.deepEqual(w.servers, [{ backend: "be", server: "a", admin: "MAINT", weight: 1, check }]);
  });

  it("relays the others' counters, keeps a dead worker's totals and the combined peak", () => {
    const { hub, inbox, run } = setup();
    hub.onMessage(1, { type: "hello" });
    hub.onMessage(2, { type: "hello" });
    hub.onMessage(1, { type: "counters", snap: snap(10, 4) });
    hub.onMessage(2, { type: "counters", snap: snap(20, 5) });
    run();
    const peers = (id: number) =>
      (
        inbox
          .get(id)!
          .filter((m) => m.type === "peers")
          .at(-1) as { snaps: Snapshot[] }
      ).snaps;
    assert.equal(totalStot(peers(1)), 20, "worker 1 gets worker 2's counters, not its own");
    assert.equal(totalStot(peers(2)), 10);
    const count = (id: number) => inbox.get(id)!.filter((m) => m.type === "peers").length;
    const before = [count(1), count(2)];
    hub.onMessage(1, { type: "counters", snap: snap(11, 4) });
    run();
    assert.deepEqual([count(1), count(2)], [before[0], before[1]! + 1], "only worker 2's peers changed");
    hub.exit(2);
    hub.onMessage(3, { type: "hello" });
    run();
    assert.equal(totalStot(peers(1)), 20, "the dead worker's 20 sessions still count");
    const merged = fromVec(mergeSnapshots([snap(0, 0), ...peers(3)], 1_000)[objKey("F", "web")]!)!;
    assert.equal(merged.c.stot, 31, "a new worker sees everything before it");
    assert.equal(merged.c.scur, 4, "the dead worker's sessions are gone");
    assert.equal(merged.c.smax, 9, "the combined peak: 4 + 5 sessions at once");
  });
});
