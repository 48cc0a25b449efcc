import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyOutcome } from "../../../src/lb/check/fsm.ts";
import { parseConfigText } from "../../../src/lb/config/load.ts";
import { dispatch, serversChanged } from "../../../src/lb/engine/backend.ts";
import { createLbState, type LbState } from "../../../src/lb/engine/runtime.ts";
import { statusText } from "../../../src/lb/engine/server.ts";
import { applySync, checkSyncOf, dumpOf } from "../../../src/lb/server/sync.ts";
import { TestClock } from "../engine/fixture.ts";

const cfg = (rise = 2, fall = 3): string => `
defaults
    mode http
backend be
    server a 127.0.0.1:8080 check rise ${rise} fall ${fall} maxconn 1
    server b 127.0.0.1:8081 check rise ${rise} fall ${fall}
`;

function state(clock: TestClock, text = cfg()): LbState {
  return createLbState(parseConfigText(text, "t.cfg").config!, { clock });
}

const req = { src: "127.0.0.1", method: "GET", uri: "/", headers: {} };
const fail = { status: "L4CON", info: "Connection refused", durationMs: 0 } as const;
const pass = { status: "L7OK", code: 200, durationMs: 1 } as const;

describe("server state shared by --workers (server/sync.ts)", () => {
  it("a DOWN published by the checker takes the server out of balancing elsewhere, with its check fields", () => {
    const clock = new TestClock();
    const checker = state(clock);
    const other = state(clock);
    const ca = checker.byName.get("be")!.backend!.byName.get("a")!;
    clock.t += 1000;
    // HAProxy: a server starts UP but goes DOWN at its first failure.
    assert.equal(applyOutcome(ca, fail, clock.now()), "down");
    serversChanged(checker.byName.get("be")!.backend!);
    assert.equal(statusText(ca), "DOWN");
    const obe = other.byName.get("be")!.backend!;
    // A request waits for `a` (maxconn 1, one session in flight) on the other worker.
    const first = dispatch(obe, req);
    assert.equal(first.kind, "server");
    clock.t += 500;
    assert.equal(applySync(other, { backend: "be", server: "a", check: checkSyncOf(ca) }), true);
    const oa = obe.byName.get("a")!;
    assert.equal(statusText(oa), "DOWN");
    assert.deepEqual(
      obe.eligible.map((s) => s.name),
      ["b"],
      "serversChanged ran: only b is eligible",
    );
    assert.equal(oa.check.status, "L4CON");
    assert.equal(oa.check.info, "Connection refused");
    assert.equal(oa.check.failed, 1);
    assert.equal(oa.check.downs, 1);
    assert.equal(oa.lastChange, ca.lastChange, "the checker's time of the change, not the relay's");
    assert.equal(oa.downSince, ca.downSince);
    // And back UP.
    for (let i = 0; i < 2; i++) applyOutcome(ca, pass, clock.now());
    applySync(other, { backend: "be", server: "a", check: checkSyncOf(ca) });
    assert.equal(statusText(oa), "UP");
    assert.equal(oa.check.code, 200);
    assert.equal(oa.check.info, undefined);
    assert.equal(oa.downSince, -1);
    assert.deepEqual(
      obe.eligible.map((s) => s.name),
      ["a", "b"],
    );
  });

  it("applies admin state and weight; unknown servers are ignored", () => {
    const clock = new TestClock();
    const st = state(clock);
    assert.equal(applySync(st, { backend: "be", server: "b", admin: "MAINT" }), true);
    const be = st.byName.get("be")!.backend!;
    assert.equal(statusText(be.byName.get("b")!), "MAINT");
    assert.deepEqual(
      be.eligible.map((s) => s.name),
      ["a"],
    );
    applySync(st, { backend: "be", server: "b", admin: "READY", weight: 0 });
    assert.equal(be.byName.get("b")!.weight, 0);
    assert.deepEqual(
      be.eligible.map((s) => s.name),
      ["a"],
      "weight 0 takes no traffic",
    );
    assert.equal(applySync(st, { backend: "be", server: "gone", admin: "MAINT" }), false);
    assert.equal(applySync(st, { backend: "nope", server: "a", admin: "MAINT" }), false);
  });

  it("a state taken with other rise/fall is mapped like a reload's carryOver", () => {
    const clock = new TestClock();
    const old = state(clock, cfg(2, 3)); // health 0..4, UP >= 2
    const a = old.byName.get("be")!.backend!.byName.get("a")!;
    applyOutcome(a, pass, clock.now()); // fully UP: health 4
    applyOutcome(a, fail, clock.now()); // UP 2/3: health 3
    const snap = checkSyncOf(a);
    assert.equal(snap.health, 3);
    const now = state(clock, cfg(5, 2)); // health 0..6, UP >= 5
    applySync(now, { backend: "be", server: "a", check: snap });
    const na = now.byName.get("be")!.backend!.byName.get("a")!;
    assert.equal(na.check.health, 6, "still UP, one step above rise as before (5 + 1)");
    const down = { ...snap, health: 1 }; // DOWN 1/2 on the old scale
    applySync(now, { backend: "be", server: "a", check: down });
    assert.equal(na.check.health, 1);
    assert.equal(statusText(na), "DOWN 1/5");
  });

  it("dumpOf lists every server with admin, weight and check state", () => {
    const st = state(new TestClock());
    const d = dumpOf(st);
    assert.deepEqual(
      d.map((s) => [s.backend, s.server, s.admin, s.weight, s.check?.health]),
      [
        ["be", "a", "READY", 1, 2],
        ["be", "b", "READY", 1, 2],
      ],
    );
  });
});
