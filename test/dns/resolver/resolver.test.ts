import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RRCache } from "../../../src/dns/resolver/cache.ts";
import type { Resolution } from "../../../src/dns/resolver/types.ts";
import { decodeMessage, encodeMessage, Rcode } from "../../../src/dns/wire/message.ts";
import { nameFromText, nameToText } from "../../../src/dns/wire/name.ts";
import { rdataToText } from "../../../src/dns/wire/rdata.ts";
import { RRType, typeToText } from "../../../src/dns/wire/rrtypes.ts";
import { hierarchy, resolverOn } from "./hierarchy.ts";

/** The resolver engine against an in-process hierarchy of authoritative servers (no sockets). */
const n = (t: string): Buffer => nameFromText(t.endsWith(".") ? t : t + ".");

function lines(r: Resolution, sec: "answer" | "authority" = "answer"): string[] {
  return r[sec].map(
    (rr) =>
      `${nameToText(rr.name).toLowerCase()} ${rr.ttl} ${typeToText(rr.type)} ${rdataToText(rr.type, rr.rdata)}`,
  );
}

describe("resolver: iteration from the root hints", () => {
  it("follows referrals with glue to the answer, then answers from the cache", async () => {
    const net = hierarchy();
    const r = resolverOn(net);
    const a = await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.equal(a.rcode, Rcode.NOERROR);
    assert.deepEqual(lines(a), ["ocf.berkeley.edu. 300 A 169.229.226.23"]);
    assert.deepEqual(
      net.take().map((s) => `${s.to} ${s.name.toLowerCase()}`),
      ["10.0.0.1 ocf.berkeley.edu.", "10.0.0.2 ocf.berkeley.edu.", "10.0.0.3 ocf.berkeley.edu."],
    );
    net.clock.t += 100_500;
    const again = await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.deepEqual(lines(again), ["ocf.berkeley.edu. 199 A 169.229.226.23"], "TTL counts down");
    assert.equal(net.take().length, 0, "no upstream query for a cached answer");
    net.clock.t += 200_000;
    await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.equal(net.take().length, 1, "expired: asked again, straight at the cached berkeley.edu servers");
  });

  it("follows a CNAME into another zone and a DNAME inside one", async () => {
    const net = hierarchy();
    const r = resolverOn(net);
    const a = await r.resolve(n("www.berkeley.edu"), RRType.A);
    assert.deepEqual(lines(a), [
      "www.berkeley.edu. 300 CNAME www.example.net.",
      "www.example.net. 600 A 192.0.2.80",
    ]);
    const d = await r.resolve(n("host.old.berkeley.edu"), RRType.A);
    assert.deepEqual(lines(d), [
      "old.berkeley.edu. 300 DNAME new.berkeley.edu.",
      "host.old.berkeley.edu. 300 CNAME host.new.berkeley.edu.",
      "host.new.berkeley.edu. 300 A 10.9.9.9",
    ]);
  });

  it("a CNAME loop across zones is SERVFAIL", async () => {
    const r = resolverOn(hierarchy());
    assert.equal((await r.resolve(n("loop.berkeley.edu"), RRType.A)).rcode, Rcode.SERVFAIL);
  });

  it("resolves the address of a glueless out-of-bailiwick name server on the way", async () => {
    const net = hierarchy();
    const r = resolverOn(net);
    const a = await r.resolve(n("www.stanford.edu"), RRType.A);
    assert.deepEqual(lines(a), ["www.stanford.edu. 300 A 171.64.1.1"]);
    const asked = net.take().map((s) => `${s.to} ${s.name.toLowerCase()}`);
    assert.ok(asked.includes("10.0.0.6 ns2.example.net."), asked.join(", "));
    assert.equal(asked.at(-1), "10.0.0.4 www.stanford.edu.");
  });

  it("caches NXDOMAIN (RFC 2308: TTL = min(SOA TTL, MINIMUM)) and NODATA", async () => {
    const net = hierarchy();
    const r = resolverOn(net);
    const x = await r.resolve(n("nosuch.berkeley.edu"), RRType.A);
    assert.equal(x.rcode, Rcode.NXDOMAIN);
    assert.deepEqual(lines(x, "authority"), [
      "berkeley.edu. 60 SOA ns.berkeley.edu. hostmaster.berkeley.edu. 1 3600 600 86400 60",
    ]);
    net.take();
    const y = await r.resolve(n("nosuch.berkeley.edu"), RRType.TXT);
    assert.equal(y.rcode, Rcode.NXDOMAIN, "NXDOMAIN covers every type");
    assert.equal(net.take().length, 0);
    const nd = await r.resolve(n("ocf.berkeley.edu"), RRType.MX);
    assert.equal(nd.rcode, Rcode.NOERROR);
    assert.equal(nd.answer.length, 0);
    assert.equal(nd.authority[0]?.type, RRType.SOA);
    net.take();
    await r.resolve(n("ocf.berkeley.edu"), RRType.MX);
    assert.equal(net.take().length, 0, "NODATA cached");
    net.clock.t += 61_000;
    await r.resolve(n("nosuch.berkeley.edu"), RRType.A);
    assert.equal(net.take().length, 1, "negative entry expired");
  });

  it("a dead server times out and the next one answers; SRTT then prefers the live one", async () => {
    const net = hierarchy();
    net.kill("10.0.0.3");
    const r = resolverOn(net);
    const a = await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.deepEqual(lines(a), ["ocf.berkeley.edu. 300 A 169.229.226.23"]);
    const asked = net.take().map((s) => s.to);
    assert.ok(asked.includes("10.0.0.3") && asked.at(-1) === "10.0.0.4", asked.join(", "));
    assert.ok(r.times.get("10.0.0.3", 53)! > r.times.get("10.0.0.4", 53)!);
    net.clock.t += 400_000;
    await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.deepEqual(
      net.take().map((s) => s.to),
      ["10.0.0.4"],
      "the dead server is not asked first again",
    );
  });

  it("every server dead: SERVFAIL within the query budget", async () => {
    const net = hierarchy();
    net.kill("10.0.0.1");
    const r = resolverOn(net, { queryTimeoutMs: 5000 });
    const t0 = net.clock.t;
    const a = await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.equal(a.rcode, Rcode.SERVFAIL);
    assert.ok(net.clock.t - t0 <= 5000);
  });

  it("retries over TCP when the UDP answer is truncated", async () => {
    const net = hierarchy();
    const r = resolverOn(net);
    const a = await r.resolve(n("big.berkeley.edu"), RRType.TXT);
    assert.equal(a.answer.length, 2);
    const last = net.take().slice(-2);
    assert.deepEqual(
      last.map((s) => `${s.to} ${s.tcp ? "tcp" : "udp"}`),
      ["10.0.0.3 udp", "10.0.0.3 tcp"],
    );
  });

  it("does not cache records from outside the server's bailiwick (no poisoning)", async () => {
    const net = hierarchy();
    // the edu server adds a forged address for www.example.net to its referral and its answer
    net.wrap("10.0.0.2", (resp) => {
      const m = decodeMessage(resp);
      const forged = {
        name: n("www.example.net"),
        type: RRType.A,
        cls: 1,
        ttl: 86400,
        rdata: Buffer.from([6, 6, 6, 6]),
      };
      m.additional.push(forged);
      m.answer.push(forged);
      m.authority.push({ name: n("example.net"), type: RRType.NS, cls: 1, ttl: 86400, rdata: n("ns1.edu") });
      return encodeMessage(m).buf;
    });
    const r = resolverOn(net);
    await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.equal(r.cache.get("\x03www\x07example\x03net\x00", RRType.A, net.clock.t), undefined);
    assert.equal(r.cache.get("\x07example\x03net\x00", RRType.NS, net.clock.t), undefined);
    const a = await r.resolve(n("www.example.net"), RRType.A);
    assert.deepEqual(lines(a), ["www.example.net. 600 A 192.0.2.80"]);
  });

  it("ignores answers whose question or ID does not match (and a forged reply is not believed)", async () => {
    const net = hierarchy();
    net.wrap("10.0.0.3", (resp) => {
      const m = decodeMessage(resp);
      m.question[0]!.name = n("ocf.berkeley.edu"); // lower-cased: the 0x20 check fails
      m.answer = m.answer.map((rr) => ({ ...rr, rdata: Buffer.from([6, 6, 6, 6]) }));
      return encodeMessage(m).buf;
    });
    const r = resolverOn(net);
    const a = await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.ok(a.rcode === Rcode.NOERROR && lines(a)[0]!.endsWith("169.229.226.23"), lines(a).join());
    assert.ok(
      net.sent.some((s) => s.to === "10.0.0.4"),
      "the other server answered",
    );
  });

  it("randomises query IDs and the name's letter case", async () => {
    const net = hierarchy();
    const r = resolverOn(net);
    for (const h of ["ocf", "www", "host.old", "nosuch", "big"])
      await r.resolve(n(`${h}.berkeley.edu`), RRType.A);
    const ids = new Set(net.sent.map((s) => s.id));
    assert.ok(ids.size >= net.sent.length - 1, "IDs differ");
    assert.ok(
      net.sent.some((s) => /[A-Z]/.test(s.name) && /[a-z]/.test(s.name)),
      "0x20 mixed case",
    );
  });

  it("identical questions in flight share one upstream resolution", async () => {
    const net = hierarchy();
    const r = resolverOn(net);
    const all = await Promise.all(
      Array.from({ length: 20 }, () => r.resolve(n("ocf.berkeley.edu"), RRType.A)),
    );
    assert.equal(all.length, 20);
    assert.equal(net.take().length, 3);
    assert.equal(r.stats.joined, 19);
  });

  it("fromCache answers only what is cached (RD=0)", async () => {
    const r = resolverOn(hierarchy());
    assert.equal(r.fromCache(n("ocf.berkeley.edu"), RRType.A), undefined);
    await r.resolve(n("www.berkeley.edu"), RRType.A);
    assert.equal(r.fromCache(n("www.berkeley.edu"), RRType.A)?.answer.length, 2);
  });
});

describe("resolver: forwarding", () => {
  it("forward only: asks the forwarder with RD=1 and never iterates; a dead forwarder is SERVFAIL", async () => {
    const net = hierarchy();
    // the "forwarder" is the berkeley.edu server itself here (it answers for its zone)
    const r = resolverOn(net, { forwarders: [{ host: "10.0.0.3", port: 53 }], forward: "only" });
    const a = await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.deepEqual(lines(a), ["ocf.berkeley.edu. 300 A 169.229.226.23"]);
    assert.deepEqual(
      net.take().map((s) => s.to),
      ["10.0.0.3"],
    );
    net.kill("10.0.0.3");
    const b = await r.resolve(n("other.berkeley.edu"), RRType.A);
    assert.equal(b.rcode, Rcode.SERVFAIL);
    assert.ok(net.take().every((s) => s.to === "10.0.0.3"));
  });

  it("forward first: falls back to iteration when the forwarders fail", async () => {
    const net = hierarchy();
    const r = resolverOn(net, { forwarders: [{ host: "10.0.0.99", port: 53 }], forward: "first" });
    const a = await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.deepEqual(lines(a), ["ocf.berkeley.edu. 300 A 169.229.226.23"]);
    const asked = net.take().map((s) => s.to);
    assert.equal(asked[0], "10.0.0.99");
    assert.equal(asked.at(-1), "10.0.0.3");
  });

  it("a forward zone sends its names to its own forwarders; other names iterate", async () => {
    const net = hierarchy();
    const r = resolverOn(net, {
      forwardZones: new Map([
        ["\x07example\x03net\x00", { forwarders: [{ host: "10.0.0.6", port: 53 }], forward: "only" }],
      ]),
    });
    const a = await r.resolve(n("www.example.net"), RRType.A);
    assert.deepEqual(lines(a), ["www.example.net. 600 A 192.0.2.80"]);
    assert.deepEqual(
      net.take().map((s) => s.to),
      ["10.0.0.6"],
    );
    await r.resolve(n("ocf.berkeley.edu"), RRType.A);
    assert.equal(net.take()[0]?.to, "10.0.0.1", "iterates from the root");
  });

  it("forward only: a REFUSED forwarder gives SERVFAIL", async () => {
    const net = hierarchy();
    const r = resolverOn(net, { forwarders: [{ host: "10.0.0.3", port: 53 }], forward: "only" });
    assert.equal((await r.resolve(n("www.google.com"), RRType.A)).rcode, Rcode.SERVFAIL);
  });
});

describe("resolver cache", () => {
  const rr = (name: string, ttl: number, last: number) => ({
    name: n(name),
    type: RRType.A,
    cls: 1,
    ttl,
    rdata: Buffer.from([10, 0, 0, last]),
  });
  it("keeps within max-cache-size by evicting the oldest entries", () => {
    const c = new RRCache({ maxBytes: 2000 });
    for (let i = 0; i < 100; i++) c.putRRset([rr(`h${i}.example`, 300, i)], 3, 0);
    const s = c.stats();
    assert.ok(s.bytes <= 2000 && s.evictions > 0, JSON.stringify(s));
    assert.equal(c.get("\x03h99\x07example\x00", RRType.A, 0)?.length, 1);
    assert.equal(c.get("\x02h0\x07example\x00", RRType.A, 0), undefined);
  });
  it("lower trust never replaces higher trust; TTL 0 is not kept; max-cache-ttl caps", () => {
    const c = new RRCache({ maxTtl: 100 });
    c.putRRset([rr("a.example", 300, 1)], 3, 0);
    c.putRRset([rr("a.example", 300, 2)], 1, 0);
    assert.equal(c.get("\x01a\x07example\x00", RRType.A, 0)?.[0]?.rdata[3], 1);
    assert.equal(c.get("\x01a\x07example\x00", RRType.A, 0)?.[0]?.ttl, 100);
    c.putRRset([rr("b.example", 0, 1)], 3, 0);
    assert.equal(c.get("\x01b\x07example\x00", RRType.A, 0), undefined);
    assert.equal(c.get("\x01a\x07example\x00", RRType.A, 100_000), undefined, "expired");
  });
});
