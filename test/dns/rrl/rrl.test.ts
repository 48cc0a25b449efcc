import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { answer } from "../../../src/dns/chain/respond.ts";
import { Kind, RateLimiter, Verdict, type RateLimitSettings } from "../../../src/dns/rrl/limiter.ts";
import { makeView } from "../../../src/dns/view.ts";
import { decodeMessage, emptyMessage, encodeMessage } from "../../../src/dns/wire/message.ts";
import { nameFromText } from "../../../src/dns/wire/name.ts";
import { loadZoneSync } from "../../../src/dns/zone/parse.ts";
import { ZoneSet } from "../../../src/dns/zone/zone.ts";

/** Response rate limiting: the pure accounting, then through respond() (UDP limited, TCP not). */
function limiter(over: Partial<RateLimitSettings> = {}): RateLimiter {
  return new RateLimiter({
    rates: [5, 5, 5, 5, 5],
    allPerSecond: 0,
    window: 2,
    slip: 2,
    ipv4PrefixLength: 24,
    ipv6PrefixLength: 56,
    logOnly: false,
    maxTableSize: 1000,
    exempt: undefined,
    ...over,
  });
}

function run(l: RateLimiter, n: number, address: string, t: number, name = "q"): Verdict[] {
  return Array.from({ length: n }, () => l.check(address, Kind.ANSWER, name, t));
}

describe("rate limiting accounting", () => {
  it("allows `rate` per second, then drops with every slip-th response truncated", () => {
    const l = limiter();
    const v = run(l, 11, "192.0.2.1", 0);
    assert.deepEqual(v.slice(0, 5), [0, 0, 0, 0, 0]);
    assert.deepEqual(v.slice(5), [
      Verdict.DROP,
      Verdict.SLIP,
      Verdict.DROP,
      Verdict.SLIP,
      Verdict.DROP,
      Verdict.SLIP,
    ]);
  });

  it("accounts per /24 netblock and per response", () => {
    const l = limiter({ slip: 0 });
    run(l, 5, "192.0.2.1", 0);
    assert.equal(l.check("192.0.2.77", Kind.ANSWER, "q", 0), Verdict.DROP, "same /24");
    assert.equal(l.check("192.0.3.1", Kind.ANSWER, "q", 0), Verdict.SEND, "other /24");
    assert.equal(l.check("192.0.2.1", Kind.ANSWER, "other", 0), Verdict.SEND, "other response");
    assert.equal(l.check("2001:db8:0:1::1", Kind.ANSWER, "q", 0), Verdict.SEND);
  });

  it("forgives a flood `window` seconds after it stops (credit floor -window*rate)", () => {
    const l = limiter({ slip: 0 });
    run(l, 100, "192.0.2.1", 0);
    assert.equal(l.check("192.0.2.1", Kind.ANSWER, "q", 1500), Verdict.DROP);
    assert.equal(l.check("192.0.2.1", Kind.ANSWER, "q", 3000), Verdict.SEND);
  });

  it("log-only never limits; exempt-clients are never limited; rate 0 = unlimited", () => {
    const lo = limiter({ logOnly: true });
    assert.ok(run(lo, 20, "192.0.2.1", 0).every((v) => v === Verdict.SEND));
    assert.equal(lo.stats.wouldLimit, 15);
    const ex = limiter({ exempt: (a) => a === "192.0.2.1" });
    assert.ok(run(ex, 20, "192.0.2.1", 0).every((v) => v === Verdict.SEND));
    const zero = limiter({ rates: [0, 0, 0, 0, 0] });
    assert.ok(run(zero, 50, "192.0.2.1", 0).every((v) => v === Verdict.SEND));
  });

  it("all-per-second limits a netblock across different responses; the table stays bounded", () => {
    const l = limiter({ rates: [0, 0, 0, 0, 0], allPerSecond: 3, slip: 0, maxTableSize: 10 });
    const v = Array.from({ length: 6 }, (_, i) => l.check("192.0.2.1", Kind.ANSWER, `n${i}`, 0));
    assert.deepEqual(v, [0, 0, 0, 1, 1, 1]);
    for (let i = 0; i < 100; i++) l.check(`10.0.${i}.1`, Kind.ANSWER, "x", 0);
    assert.ok(l.size <= 10);
  });
});

describe("rate limiting in respond()", () => {
  const zone = loadZoneSync("z", "example.test", {
    readFile: () => "@ 300 SOA ns h 1 2 3 4 5\n@ 300 NS ns\nns 300 A 192.0.2.1\nwww 300 A 192.0.2.2\n",
  }).zone;
  const view = makeView({ zones: new ZoneSet([zone]), rrl: limiter({ rates: [3, 3, 3, 3, 3], slip: 2 }) });
  const q = (name: string): Buffer => {
    const m = emptyMessage();
    m.id = 4242;
    m.question = [{ name: nameFromText(name), type: 1, cls: 1 }];
    return encodeMessage(m).buf;
  };

  it("limits identical UDP answers (drop, or TC=1 without records), never TCP", () => {
    const out = Array.from({ length: 8 }, () =>
      answer(view, q("www.example.test."), { address: "198.51.100.9", transport: "udp" }),
    );
    const sent = out.filter((b): b is Buffer => b instanceof Buffer);
    assert.ok(out.includes(null), "some dropped");
    const tc = sent.filter((b) => (b[2]! & 0x02) !== 0);
    assert.ok(tc.length >= 2, "slipped responses are truncated");
    for (const b of tc) {
      const m = decodeMessage(b);
      assert.equal(m.answer.length, 0);
      assert.equal(m.question.length, 1);
    }
    const tcp = Array.from({ length: 8 }, () =>
      answer(view, q("www.example.test."), { address: "198.51.100.9", transport: "tcp" }),
    );
    assert.ok(tcp.every((b) => b instanceof Buffer && (b[2]! & 0x02) === 0));
  });
});
