import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeMessage, emptyMessage, Opcode, type RR } from "../../../src/dns/wire/message.ts";
import { nameFromText } from "../../../src/dns/wire/name.ts";
import { CLASS, RRType } from "../../../src/dns/wire/rrtypes.ts";
import { makeView } from "../../../src/dns/view.ts";
import { ZoneSet, type Zone } from "../../../src/dns/zone/zone.ts";
import { loadZoneSync } from "../../../src/dns/zone/parse.ts";
import { noteReload } from "../../../src/dns/transfer/journal.ts";
import { transferOut } from "../../../src/dns/transfer/out.ts";
import { applyTransfer, XfrReader, type XfrResult } from "../../../src/dns/transfer/in.ts";
import { Secondary, INITIAL_RETRY_MS, type SecondaryIo } from "../../../src/dns/transfer/secondary.ts";

/**
 * The secondary's state machine with a fake clock and an in-process "primary" (the real
 * transferOut() behind it, and the real XfrReader in front): no sockets, no waiting.
 * SOA timers: refresh 100 s, retry 20 s, expire 300 s.
 */
const ORIGIN = nameFromText("sec.test.");

function zone(serial: number, body = ""): Zone {
  const text = `$TTL 60\n@ SOA ns root ${serial} 100 20 300 60\n@ NS ns\nns A 127.0.0.1\n${body}`;
  return loadZoneSync("db", "sec.test", { readFile: () => text }).zone;
}

/** Read through a function: TypeScript would keep `sec.zone` narrowed across the awaits. */
function serialOf(s: Secondary): number | undefined {
  return s.zone?.serial;
}

function dataOf(s: Secondary): boolean {
  const z = s.zone;
  return z !== undefined && z.get(z.key) !== undefined;
}

class FakeClock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 0;
  setTimer = (ms: number, fn: () => void): (() => void) => {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return () => (this.timers = this.timers.filter((x) => x.id !== id));
  };
  /** Run every timer due up to now + ms, letting the async work of each finish. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      this.timers.sort((a, b) => a.at - b.at);
      const first = this.timers[0];
      if (first === undefined || first.at > end) break;
      this.timers.shift();
      this.t = first.at;
      first.fn();
    }
    this.t = end;
    await new Promise((r) => setImmediate(r));
  }
}

class FakePrimary {
  zone: Zone;
  up = true;
  ixfrBroken = false;
  asked: string[] = [];
  constructor(z: Zone) {
    this.zone = z;
  }
  publish(next: Zone): void {
    noteReload(this.zone, next);
    this.zone = next;
  }
  querySoa(): Promise<number> {
    this.asked.push("SOA");
    return this.up ? Promise.resolve(this.zone.serial) : Promise.reject(new Error("timed out"));
  }
  transfer(have: RR | undefined): Promise<XfrResult> {
    this.asked.push(have === undefined ? "AXFR" : "IXFR");
    if (!this.up) return Promise.reject(new Error("connection refused"));
    if (have !== undefined && this.ixfrBroken) return Promise.reject(new Error("NOTIMP"));
    const q = emptyMessage();
    q.opcode = Opcode.QUERY;
    q.question = [{ name: ORIGIN, type: have === undefined ? RRType.AXFR : RRType.IXFR, cls: CLASS.IN }];
    if (have !== undefined) q.authority = [have];
    const r = { ...emptyMessage(), qr: true, question: q.question };
    const msgs = transferOut(makeView({ zones: new ZoneSet([this.zone]) }), q, r, {
      address: "127.0.0.1",
      transport: "tcp",
      key: undefined,
    });
    const rd = new XfrReader(
      ORIGIN,
      have === undefined ? undefined : have.rdata.readUInt32BE(have.rdata.length - 20),
    );
    let done = false;
    for (const b of msgs) done = rd.feed(decodeMessage(b));
    assert.ok(done);
    return Promise.resolve(rd.result());
  }
}

function setup(primary: FakePrimary, initial?: Zone) {
  const clock = new FakeClock();
  const events: string[] = [];
  const io: SecondaryIo = {
    now: () => clock.t,
    setTimer: clock.setTimer,
    querySoa: () => primary.querySoa(),
    transfer: (_p, have) => primary.transfer(have),
    apply: (cur, r) => applyTransfer(ORIGIN, "cache", cur, r),
    commit: (z) => {
      events.push(`commit ${z.serial}`);
      return Promise.resolve();
    },
    confirmed: () => events.push("confirmed"),
    expired: () => events.push("expired"),
    log: () => undefined,
  };
  const sec = new Secondary(
    "sec.test",
    [{ host: "127.0.0.1", port: 53, key: undefined }],
    io,
    initial && { zone: initial, lastOk: 0 },
  );
  return { clock, events, sec };
}

describe("secondary zone state machine (injected clock and transport)", () => {
  it("first load by AXFR, then NOTIFY -> IXFR, then the REFRESH timer finds the next version", async () => {
    const p = new FakePrimary(zone(1, "a A 10.0.0.1\n"));
    const { clock, events, sec } = setup(p);
    assert.equal(serialOf(sec), undefined);
    sec.start();
    await clock.advance(0);
    assert.equal(serialOf(sec), 1);
    assert.deepEqual(p.asked, ["SOA", "AXFR"]);

    p.publish(zone(2, "a A 10.0.0.2\n"));
    sec.notify();
    await clock.advance(0);
    assert.equal(serialOf(sec), 2);
    assert.deepEqual(p.asked.slice(2), ["SOA", "IXFR"]);
    assert.equal(dataOf(sec), true);

    p.publish(zone(3, "a A 10.0.0.3\n"));
    await clock.advance(99_000);
    assert.equal(serialOf(sec), 2, "not before REFRESH");
    await clock.advance(1_000);
    assert.equal(serialOf(sec), 3);
    assert.deepEqual(events, ["commit 1", "commit 2", "commit 3"]);
    // up to date: a refresh only confirms
    await clock.advance(100_000);
    assert.deepEqual(events.slice(3), ["confirmed"]);
    sec.stop();
  });

  it("an unreachable primary: RETRY until EXPIRE, then the zone is dropped; it comes back", async () => {
    const p = new FakePrimary(zone(5));
    const { clock, events, sec } = setup(p, zone(5));
    sec.start();
    await clock.advance(0);
    assert.deepEqual(events, ["confirmed"]);
    p.up = false;
    await clock.advance(100_000); // refresh fails
    const before = p.asked.length;
    await clock.advance(20_000); // one retry later
    assert.equal(p.asked.length, before + 1);
    await clock.advance(180_000); // 300 s after the last success
    assert.deepEqual(events.slice(-1), ["expired"]);
    assert.equal(serialOf(sec), undefined);
    p.up = true;
    await clock.advance(20_000);
    assert.equal(serialOf(sec), 5);
    sec.stop();
  });

  it("with no data and no answer it retries every INITIAL_RETRY_MS", async () => {
    const p = new FakePrimary(zone(1));
    p.up = false;
    const { clock, sec } = setup(p);
    sec.start();
    await clock.advance(0);
    await clock.advance(INITIAL_RETRY_MS * 3);
    assert.equal(p.asked.filter((a) => a === "SOA").length, 4);
    sec.stop();
  });

  it("IXFR failing falls back to AXFR; an older serial at the primary changes nothing", async () => {
    const p = new FakePrimary(zone(7, "b TXT x\n"));
    const { clock, sec } = setup(p, zone(6));
    p.ixfrBroken = true;
    sec.start();
    await clock.advance(0);
    assert.deepEqual(p.asked, ["SOA", "IXFR", "AXFR"]);
    assert.equal(serialOf(sec), 7);
    p.zone = zone(4); // serial went backwards (RFC 1982: not newer)
    sec.notify();
    await clock.advance(0);
    assert.equal(serialOf(sec), 7);
    sec.stop();
  });

  it("a NOTIFY during a refresh queues one more refresh", async () => {
    const p = new FakePrimary(zone(1));
    const { clock, sec } = setup(p);
    sec.start();
    await clock.advance(0);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const orig = p.querySoa.bind(p);
    p.querySoa = async () => {
      await gate;
      return orig();
    };
    sec.notify();
    await clock.advance(0); // refresh running, blocked in the SOA query
    p.publish(zone(2));
    sec.notify(); // arrives meanwhile
    p.querySoa = orig;
    release();
    await clock.advance(0);
    await clock.advance(0);
    assert.equal(serialOf(sec), 2);
    sec.stop();
  });
});
