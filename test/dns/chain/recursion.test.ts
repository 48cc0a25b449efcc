import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { answer } from "../../../src/dns/chain/respond.ts";
import { makeView, type ServerView } from "../../../src/dns/view.ts";
import {
  decodeMessage,
  emptyMessage,
  encodeMessage,
  type Message,
  Rcode,
} from "../../../src/dns/wire/message.ts";
import { nameFromText, nameToText } from "../../../src/dns/wire/name.ts";
import { RRType } from "../../../src/dns/wire/rrtypes.ts";
import { loadZoneSync } from "../../../src/dns/zone/parse.ts";
import { ZoneSet } from "../../../src/dns/zone/zone.ts";
import { hierarchy, resolverOn, ZONES } from "../resolver/hierarchy.ts";

/**
 * The recursion handler through answer() (bytes in, bytes out), on the in-process hierarchy:
 * our zones first, allow-recursion / allow-query-cache, RA, RD=0 from the cache, auth-nxdomain,
 * and the pre-encoded resolver answers with their TTLs counting down.
 */
const local = loadZoneSync("z", "example.test", {
  readFile: () =>
    "@ 300 SOA ns h 1 2 3 4 5\n@ 300 NS ns\nns 300 A 192.0.2.1\next 300 CNAME ocf.berkeley.edu.\n",
}).zone;

function setup(over: Partial<ServerView> = {}) {
  const net = hierarchy();
  const resolver = resolverOn(net);
  const view = makeView({
    zones: new ZoneSet([local]),
    recursion: true,
    resolver,
    allowRecursion: (a) => a === "127.0.0.1",
    allowQueryCache: (a) => a === "127.0.0.1",
    ...over,
  });
  return { net, resolver, view };
}

function q(name: string, type: number, rd = true): Buffer {
  const m = emptyMessage();
  m.id = 99;
  m.rd = rd;
  m.question = [{ name: nameFromText(name + "."), type, cls: 1 }];
  return encodeMessage(m).buf;
}

async function ask(view: ServerView, packet: Buffer, address = "127.0.0.1"): Promise<Message> {
  const out = await answer(view, packet, { address, transport: "udp" });
  assert.ok(out !== null);
  return decodeMessage(out);
}

describe("recursion in the handler chain", () => {
  it("resolves for an allowed client: RA=1, AA=0, the answer; refuses everyone else (RA=0)", async () => {
    const { view } = setup();
    const ok = await ask(view, q("ocf.berkeley.edu", RRType.A));
    assert.equal(ok.rcode, Rcode.NOERROR);
    assert.ok(ok.ra && !ok.aa);
    assert.equal(ok.answer[0]?.rdata.join("."), "169.229.226.23");
    const no = await ask(view, q("ocf.berkeley.edu", RRType.A), "192.0.2.99");
    assert.equal(no.rcode, Rcode.REFUSED);
    assert.ok(!no.ra);
    assert.equal(no.answer.length, 0);
  });

  it("answers our own zones first (AA=1), with RA for allowed clients", async () => {
    const { view, net } = setup();
    const r = await ask(view, q("ns.example.test", RRType.A));
    assert.ok(r.aa && r.ra);
    assert.equal(net.sent.length, 0);
    const other = await ask(view, q("ns.example.test", RRType.A), "192.0.2.99");
    assert.ok(other.aa && !other.ra);
  });

  it("RD=0 is answered from the cache only", async () => {
    const { view, net } = setup();
    const before = await ask(view, q("ocf.berkeley.edu", RRType.A, false));
    // not cached: BIND's referral to the closest zone it knows servers for (the root, from the hints)
    assert.equal(before.rcode, Rcode.NOERROR);
    assert.equal(before.answer.length, 0);
    assert.deepEqual(
      before.authority.map((rr) => `${nameToText(rr.name)} ${rr.type}`),
      [". 2"],
    );
    assert.equal(net.sent.length, 0);
    await ask(view, q("ocf.berkeley.edu", RRType.A));
    const after = await ask(view, q("ocf.berkeley.edu", RRType.A, false));
    assert.equal(after.rcode, Rcode.NOERROR);
    assert.equal(after.answer.length, 1);
  });

  it("auth-nxdomain yes sets AA on NXDOMAIN from the resolver (default: not)", async () => {
    const plain = await ask(setup().view, q("nosuch.berkeley.edu", RRType.A));
    assert.equal(plain.rcode, Rcode.NXDOMAIN);
    assert.ok(!plain.aa);
    assert.equal(plain.authority[0]?.type, RRType.SOA);
    const aa = await ask(setup({ authNxdomain: true }).view, q("nosuch.berkeley.edu", RRType.A));
    assert.ok(aa.aa);
  });

  it("replays resolver answers synchronously from the answer cache, TTLs counting down", async () => {
    const { view, net } = setup();
    const first = await ask(view, q("www.berkeley.edu", RRType.A));
    assert.deepEqual(
      first.answer.map((rr) => `${nameToText(rr.name)} ${rr.ttl}`),
      ["www.berkeley.edu. 300", "www.example.net. 600"],
    );
    net.clock.t += 10_000;
    const packet = q("WWW.Berkeley.EDU", RRType.A);
    packet.writeUInt16BE(0x1234, 0);
    const out = answer(view, packet, { address: "127.0.0.1", transport: "udp" });
    assert.ok(out instanceof Buffer, "a cached answer comes back synchronously");
    const m = decodeMessage(out);
    assert.equal(m.id, 0x1234);
    assert.equal(nameToText(m.question[0]!.name), "WWW.Berkeley.EDU.");
    assert.deepEqual(
      m.answer.map((rr) => rr.ttl),
      [290, 590],
    );
  });

  it("follows our own zone's CNAME out of our zones for a recursive client (BIND)", async () => {
    const { view } = setup();
    const r = await ask(view, q("ext.example.test", RRType.A));
    assert.equal(r.rcode, Rcode.NOERROR);
    assert.deepEqual(
      r.answer.map((rr) => `${nameToText(rr.name)} ${rr.type}`),
      ["ext.example.test. 5", "ocf.berkeley.edu. 1"],
    );
    assert.ok(r.aa && r.ra);
    // a client without recursion gets the CNAME alone, as from an authoritative-only server
    const other = await ask(view, q("ext.example.test", RRType.A), "192.0.2.99");
    assert.equal(other.answer.length, 1);
    // RD=0 from a client of the cache: the target from the cache is appended (BIND)
    const norec = await ask(view, q("ext.example.test", RRType.A, false));
    assert.equal(norec.answer.length, 2);
    assert.ok(norec.aa);
    const { view: fresh } = setup();
    assert.equal(
      (await ask(fresh, q("ext.example.test", RRType.A, false))).answer.length,
      1,
      "nothing cached",
    );
  });

  it("starts from a delegation in our own zones instead of the root", async () => {
    const edu = loadZoneSync("edu.zone", "edu", { readFile: () => ZONES.edu }).zone;
    const { view, net } = setup({ zones: new ZoneSet([edu]) });
    const r = await ask(view, q("ocf.berkeley.edu", RRType.A));
    assert.equal(r.answer[0]?.rdata.join("."), "169.229.226.23");
    assert.ok(!r.aa && r.ra);
    assert.ok(
      net.sent.every((x) => x.to === "10.0.0.3"),
      JSON.stringify(net.sent),
    );
    // the referral itself for a client without recursion
    const ref = await ask(view, q("ocf.berkeley.edu", RRType.A), "192.0.2.99");
    assert.equal(ref.answer.length, 0);
    assert.ok(ref.authority.some((rr) => rr.type === RRType.NS));
  });

  it("with recursion off (or no resolver) names outside our zones are REFUSED", async () => {
    const { view } = setup({ recursion: false });
    const r = await ask(view, q("ocf.berkeley.edu", RRType.A));
    assert.equal(r.rcode, Rcode.REFUSED);
    assert.ok(!r.ra);
  });
});
