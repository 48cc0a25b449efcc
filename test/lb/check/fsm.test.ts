import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serversChanged } from "../../../src/lb/engine/backend.ts";
import { statusText } from "../../../src/lb/engine/server.ts";
import { applyOutcome, nextInterval } from "../../../src/lb/check/fsm.ts";
import { downMessage, noServerMessage, upMessage, adminMessage } from "../../../src/lb/check/log.ts";
import { CHECK_STATUSES } from "../../../src/lb/check/status.ts";
import type { ProbeOutcome } from "../../../src/lb/check/status.ts";
import { backendFrom } from "../engine/fixture.ts";

const fail: ProbeOutcome = { status: "L4CON", info: "Connection refused", durationMs: 0 };
const pass: ProbeOutcome = { status: "L7OK", code: 200, info: "OK", durationMs: 1 };

describe("rise/fall state machine", () => {
  it("starts UP but falls at the first failure; rises after `rise` passes; falls after `fall` failures", () => {
    const be = backendFrom(["server w1 127.0.0.1:1 check inter 1s fastinter 200 downinter 5s rise 2 fall 3"]);
    const s = be.servers[0]!;
    assert.equal(statusText(s), "UP 1/3");
    assert.equal(nextInterval(s), 200, "fastinter while in transition");
    assert.equal(applyOutcome(s, fail, 1), "down");
    assert.equal(statusText(s), "DOWN");
    assert.equal(nextInterval(s), 5000, "downinter when fully down");
    assert.equal(s.check.failed, 1);
    assert.equal(s.check.downs, 1);
    assert.equal(applyOutcome(s, pass, 2), undefined);
    assert.equal(statusText(s), "DOWN 1/2");
    assert.equal(applyOutcome(s, pass, 3), "up");
    assert.equal(statusText(s), "UP");
    assert.equal(nextInterval(s), 1000);
    assert.equal(applyOutcome(s, fail, 4), undefined);
    assert.equal(statusText(s), "UP 2/3");
    assert.equal(applyOutcome(s, fail, 5), undefined);
    assert.equal(statusText(s), "UP 1/3");
    assert.equal(applyOutcome(s, pass, 6), undefined, "a pass in between restores full health");
    assert.equal(statusText(s), "UP");
    for (let i = 0; i < 2; i++) assert.equal(applyOutcome(s, fail, 7 + i), undefined);
    assert.equal(applyOutcome(s, fail, 9), "down");
    assert.equal(s.check.failed, 6);
    assert.equal(s.check.downs, 2);
    assert.equal(s.lastChange, 9);
    assert.equal(s.check.status, "L4CON");
    assert.equal(s.check.info, "Connection refused");
  });

  it("fall 1 / rise 1 flips at once", () => {
    const be = backendFrom(["server w 127.0.0.1:1 check rise 1 fall 1"]);
    const s = be.servers[0]!;
    assert.equal(statusText(s), "UP");
    assert.equal(applyOutcome(s, fail, 1), "down");
    assert.equal(applyOutcome(s, pass, 2), "up");
  });

  it("the status table is HAProxy's", () => {
    assert.equal(CHECK_STATUSES.L4CON.desc, "Layer4 connection problem");
    assert.equal(CHECK_STATUSES.L7OK.desc, "Layer7 check passed");
    assert.equal(CHECK_STATUSES.L7STS.desc, "Layer7 wrong status");
    assert.equal(CHECK_STATUSES.L4TOUT.desc, "Layer4 timeout");
  });
});

describe("state change messages", () => {
  it("word DOWN and UP as HAProxy logs them", () => {
    const be = backendFrom([
      "balance roundrobin",
      ...Array.from({ length: 6 }, (_, i) => `server w${i} 127.0.0.1:${8080 + i} check`),
    ]);
    const s = be.byName.get("w1")!;
    applyOutcome(s, fail, 1);
    const requeued = serversChanged(be);
    assert.equal(
      downMessage(be, s, requeued),
      'Server b/w1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 5 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );
    applyOutcome(s, { status: "L7OK", code: 200, durationMs: 1 }, 2);
    applyOutcome(s, { status: "L7OK", code: 200, durationMs: 1 }, 3);
    serversChanged(be);
    assert.equal(
      upMessage(be, s, 0),
      "Server b/w1 is UP, reason: Layer7 check passed, code: 200, check duration: 1ms. 6 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.",
    );
    assert.equal(noServerMessage(be), "backend 'b' has no server available!");
    assert.match(adminMessage(be, s, "READY", "MAINT"), /^Server b\/w1 is going DOWN for maintenance\./);
  });

  it("names backup servers and says when running on backup", () => {
    const be = backendFrom(["server a 127.0.0.1:1 check", "server k 127.0.0.1:2 check backup"]);
    const a = be.byName.get("a")!;
    applyOutcome(a, { status: "L7STS", code: 503, info: "Service Unavailable", durationMs: 2 }, 1);
    serversChanged(be);
    assert.equal(
      downMessage(be, a, 0),
      'Server b/a is DOWN, reason: Layer7 wrong status, code: 503, info: "Service Unavailable", check duration: 2ms. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.',
    );
    const k = be.byName.get("k")!;
    applyOutcome(k, fail, 2);
    serversChanged(be);
    assert.match(downMessage(be, k, 0), /^Backup Server b\/k is DOWN/);
  });
});
