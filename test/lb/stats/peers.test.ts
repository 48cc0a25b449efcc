import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfigText } from "../../../src/lb/config/load.ts";
import { dispatch, release } from "../../../src/lb/engine/backend.ts";
import {
  countRequest,
  countResponse,
  newCounters,
  sessionStart,
  type Counters,
} from "../../../src/lb/engine/counters.ts";
import { createLbState, type LbState } from "../../../src/lb/engine/runtime.ts";
import { rowsOf } from "../../../src/lb/stats/fields.ts";
import { handleStats } from "../../../src/lb/stats/handler.ts";
import {
  fromVec,
  mergeParts,
  mergeSnapshots,
  objKey,
  peaksOf,
  peerLookup,
  retire,
  snapshotOf,
  toVec,
  VEC_LENGTH,
  type Part,
} from "../../../src/lb/stats/peers.ts";
import { TestClock } from "../engine/fixture.ts";

const CFG = `
defaults
    mode http
frontend web
    bind 127.0.0.1:7000
    default_backend workers
backend workers
    server w0 127.0.0.1:8080 maxconn 1
    server w1 127.0.0.1:8081 maxconn 1
listen stats
    bind 127.0.0.1:7001
    stats uri /stats
`;

function state(clock: TestClock): LbState {
  return createLbState(parseConfigText(CFG, "t.cfg").config!, { clock });
}

function part(over: Partial<Counters>, qcur = 0): Part {
  return { c: { ...newCounters(), ...over }, qcur };
}

const req = { src: "127.0.0.1", method: "GET", uri: "/", headers: {} };

describe("counters shared by --workers (stats/peers.ts)", () => {
  it("a vector round-trips every counter", () => {
    const p = part(
      {
        scur: 1,
        smax: 2,
        stot: 3,
        lbtot: 4,
        bin: 5,
        bout: 6,
        dreq: 7,
        dresp: 8,
        ereq: 9,
        econ: 10,
        eresp: 11,
        wretr: 12,
        wredis: 13,
        hrsp: [14, 15, 16, 17, 18, 19],
        reqTot: 20,
        cliAbrt: 21,
        srvAbrt: 22,
        qmax: 23,
        lastSess: 24,
        rate: { sec: 25, curr: 26, prev: 27, max: 28 },
        reqRate: { sec: 29, curr: 30, prev: 31, max: 32 },
      },
      33,
    );
    const v = toVec(p);
    assert.equal(v.length, VEC_LENGTH);
    assert.deepEqual(fromVec(v), p);
    assert.equal(fromVec([1, 2, 3]), undefined, "a vector of another layout is refused");
  });

  it("sums totals and gauges, takes the highest maximum, never below the merged current value", () => {
    const now = 10_500;
    const a = part(
      {
        scur: 3,
        smax: 5,
        stot: 100,
        bin: 1000,
        hrsp: [0, 90, 0, 0, 10, 0],
        reqTot: 100,
        qmax: 2,
        lastSess: 9000,
      },
      1,
    );
    const b = part(
      {
        scur: 4,
        smax: 4,
        stot: 50,
        bin: 500,
        hrsp: [0, 50, 0, 0, 0, 0],
        reqTot: 50,
        qmax: 1,
        lastSess: 10_000,
      },
      2,
    );
    const m = mergeParts([a, b], now);
    assert.equal(m.c.scur, 7);
    assert.equal(m.c.stot, 150);
    assert.equal(m.c.bin, 1500);
    assert.deepEqual(m.c.hrsp, [0, 140, 0, 0, 10, 0]);
    assert.equal(m.c.reqTot, 150);
    assert.equal(m.qcur, 3);
    assert.equal(m.c.smax, 7, "smax >= the merged scur (each worker alone had at most 5)");
    assert.equal(m.c.qmax, 3, "qmax >= the merged qcur");
    assert.equal(m.c.lastSess, 10_000, "the latest session of any worker");
    const idle = mergeParts([part({ smax: 5 }), part({ smax: 4 })], now);
    assert.equal(idle.c.smax, 5, "maxima are not added: the highest of the parts");
  });

  it("adds rates read at the same second", () => {
    // Worker a last counted during second 10 (3 in it, 7 in second 9); worker b during second 9.
    const a = part({ rate: { sec: 10, curr: 3, prev: 7, max: 9 } });
    const b = part({ rate: { sec: 9, curr: 5, prev: 2, max: 6 } });
    const at10 = mergeParts([a, b], 10_200).c.rate;
    assert.deepEqual(at10, { sec: 10, curr: 3, prev: 12, max: 12 }, "prev: 7 (a) + 5 (b, its second 9)");
    const at11 = mergeParts([a, b], 11_200).c.rate;
    assert.deepEqual(at11, { sec: 11, curr: 0, prev: 3, max: 9 });
    const stale = mergeParts([a, b], 20_000).c.rate;
    assert.equal(stale.prev + stale.curr, 0, "old rates read as 0");
  });

  it("a retired worker's totals stay, its gauges go; peaks keep only the maxima", () => {
    const now = 5_000;
    const snap = {
      [objKey("F", "web")]: toVec(
        part({ scur: 4, smax: 6, stot: 40, rate: { sec: 5, curr: 2, prev: 3, max: 8 } }, 1),
      ),
    };
    const r = fromVec(retire(snap)[objKey("F", "web")]!)!;
    assert.equal(r.c.scur, 0);
    assert.equal(r.qcur, 0);
    assert.equal(r.c.stot, 40);
    assert.equal(r.c.smax, 6);
    assert.equal(r.c.rate.curr + r.c.rate.prev, 0);
    const p = fromVec(peaksOf(mergeSnapshots([snap, snap], now))[objKey("F", "web")]!)!;
    assert.equal(p.c.smax, 8, "two workers at 4 sessions each: the balancer had 8");
    assert.equal(p.c.stot, 0);
    assert.equal(p.c.scur, 0);
    assert.equal(p.c.rate.max, 8);
    // A later merge of peaks with live snapshots keeps the peak after the load is gone.
    const later = fromVec(
      mergeSnapshots([peaksOf(mergeSnapshots([snap, snap], now)), retire(snap)], now)[objKey("F", "web")]!,
    )!;
    assert.equal(later.c.smax, 8);
    assert.equal(later.c.stot, 40);
  });

  it("the stats rows of one worker show the sum over workers; without peers nothing changes", () => {
    const clock = new TestClock();
    clock.t = 50_000;
    const w1 = state(clock);
    const w2 = state(clock);
    // Worker 2 served 3 requests on w0/w1 and has one in flight; one request waits in its queue.
    const be2 = w2.byName.get("workers")!.backend!;
    const fe2 = w2.byName.get("web")!.frontend!.counters;
    for (let i = 0; i < 3; i++) {
      sessionStart(fe2, clock.t);
      countRequest(fe2, clock.t);
      countResponse(fe2, 200);
      const d = dispatch(be2, req);
      assert.equal(d.kind, "server");
      if (d.kind === "server") release(be2, d.server);
    }
    const d1 = dispatch(be2, req);
    const d2 = dispatch(be2, req);
    const d3 = dispatch(be2, req);
    assert.deepEqual([d1.kind, d2.kind, d3.kind], ["server", "server", "queued"]);
    // Worker 1 served 2.
    const be1 = w1.byName.get("workers")!.backend!;
    const fe1 = w1.byName.get("web")!.frontend!.counters;
    for (let i = 0; i < 2; i++) {
      sessionStart(fe1, clock.t);
      countRequest(fe1, clock.t);
      countResponse(fe1, 503);
      const d = dispatch(be1, req);
      if (d.kind === "server") release(be1, d.server);
    }
    const peers = peerLookup([snapshotOf(w2)], clock.t);
    const get = (rows: ReturnType<typeof rowsOf>, sv: string) =>
      rows.find(
        (r) =>
          r.px.name === (sv === "FRONTEND" ? "web" : "workers") &&
          (r.sv?.name ?? (r.type === "frontend" ? "FRONTEND" : "BACKEND")) === sv,
      )!;
    const alone = rowsOf(w1, 1, clock.t);
    assert.equal(get(alone, "FRONTEND").counters.reqTot, 2);
    const both = rowsOf(w1, 1, clock.t, peers);
    assert.equal(get(both, "FRONTEND").counters.reqTot, 5);
    assert.equal(get(both, "FRONTEND").counters.stot, 5);
    assert.deepEqual(get(both, "FRONTEND").counters.hrsp, [0, 3, 0, 0, 2, 0]);
    assert.equal(get(both, "BACKEND").counters.stot, 3 + 2 + 2, "dispatched sessions, both workers");
    assert.equal(get(both, "BACKEND").counters.scur, 2, "worker 2's two sessions in flight");
    assert.equal(get(both, "BACKEND").qcur, 1, "worker 2's queued request");
    assert.equal(get(both, "w0").counters.stot + get(both, "w1").counters.stot, 7);
    // The CSV says the same.
    const proxy = w1.byName.get("stats")!.config;
    const csv = handleStats(
      {
        method: "GET",
        target: "/stats;csv",
        header: () => undefined,
        src: "127.0.0.1",
        body: Buffer.alloc(0),
      },
      { state: () => w1, proxy, version: "1", pid: 1, peers: () => peers },
    )!.body.toString();
    const head = csv.split("\n")[0]!.slice(2).split(",");
    const line = csv
      .split("\n")
      .find((l) => l.startsWith("workers,BACKEND,"))!
      .split(",");
    assert.equal(line[head.indexOf("stot")], "7");
    assert.equal(line[head.indexOf("qcur")], "1");
  });
});
