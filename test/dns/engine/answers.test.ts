import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ROOT } from "../../helpers/proc.ts";
import { respond } from "../../../src/dns/chain/respond.ts";
import { makeView, type ServerView } from "../../../src/dns/view.ts";
import { decodeMessage, emptyMessage, encodeMessage, type RR } from "../../../src/dns/wire/message.ts";
import { nameFromText, nameToText } from "../../../src/dns/wire/name.ts";
import { rdataToText } from "../../../src/dns/wire/rdata.ts";
import { typeFromText, typeToText } from "../../../src/dns/wire/rrtypes.ts";
import { loadZoneSync } from "../../../src/dns/zone/parse.ts";
import { ZoneSet } from "../../../src/dns/zone/zone.ts";

/**
 * Every answer case as a table against one fixture zone (STYLE habit 14), through the whole
 * respond() path (bytes in, bytes out). Records are written as zone text and compared sorted;
 * owner names compare case-insensitively except where a case checks the letter case.
 * Behaviour follows BIND 9.18 with its defaults (minimal-responses no-auth-recursive).
 */
interface Case {
  q: string;
  rd?: boolean;
  edns?: number;
  rcode: string;
  flags: string;
  answer?: string[];
  authority?: string[];
  additional?: string[];
}

const NS = ["example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns2.example.net."];
const NS_ADDR = ["ns1.example.org. 3600 IN A 192.0.2.53", "ns1.example.org. 3600 IN AAAA 2001:db8::53"];
const SOA = ["example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 7 3600 600 86400 300"];
const DELEG = [
  "deleg.example.org. 3600 IN NS ns.deleg.example.org.",
  "deleg.example.org. 3600 IN NS ns1.example.org.",
];

const CASES: Case[] = [
  {
    q: "example.org A",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["example.org. 3600 IN A 192.0.2.1"],
    authority: NS,
    additional: NS_ADDR,
  },
  {
    q: "example.org A",
    rd: true,
    rcode: "NOERROR",
    flags: "QR AA RD",
    answer: ["example.org. 3600 IN A 192.0.2.1"],
  },
  { q: "example.org NS", rcode: "NOERROR", flags: "QR AA", answer: NS, additional: NS_ADDR },
  {
    q: "example.org MX",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["example.org. 3600 IN MX 10 mail.example.org.", "example.org. 3600 IN MX 20 mail.example.net."],
    authority: NS,
    additional: ["mail.example.org. 3600 IN A 192.0.2.25", ...NS_ADDR],
  },
  { q: "host.example.org AAAA", rcode: "NOERROR", flags: "QR AA", authority: SOA },
  { q: "nothere.example.org A", rcode: "NXDOMAIN", flags: "QR AA", authority: SOA },
  { q: "a.b.c.nothere.example.org TXT", rcode: "NXDOMAIN", flags: "QR AA", authority: SOA },
  // letter case: the question keeps the query's case; the owner stored as Host2 is found
  {
    q: "HOST2.Example.ORG A",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["host2.example.org. 3600 IN A 192.0.2.81"],
    authority: NS,
    additional: NS_ADDR,
  },
  // CNAME chains
  {
    q: "www.example.org A",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: [
      "www.example.org. 3600 IN CNAME web.example.org.",
      "web.example.org. 3600 IN CNAME host.example.org.",
      "host.example.org. 3600 IN A 192.0.2.80",
    ],
    authority: NS,
    additional: NS_ADDR,
  },
  {
    q: "www.example.org CNAME",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["www.example.org. 3600 IN CNAME web.example.org."],
    authority: NS,
    additional: NS_ADDR,
  },
  {
    q: "out.example.org A",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["out.example.org. 3600 IN CNAME www.example.net."],
  },
  {
    q: "gone.example.org A",
    rcode: "NXDOMAIN",
    flags: "QR AA",
    answer: ["gone.example.org. 3600 IN CNAME missing.example.org."],
    authority: SOA,
  },
  {
    q: "l1.example.org A",
    rcode: "SERVFAIL",
    flags: "QR AA",
    answer: [
      "l1.example.org. 3600 IN CNAME l2.example.org.",
      "l2.example.org. 3600 IN CNAME l1.example.org.",
    ],
  },
  {
    q: "into.example.org A",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["into.example.org. 3600 IN CNAME x.deleg.example.org."],
    authority: DELEG,
    additional: ["ns.deleg.example.org. 3600 IN A 192.0.2.120"],
  },
  // DNAME (RFC 6672)
  {
    q: "a.old.example.org A",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: [
      "old.example.org. 3600 IN DNAME new.example.org.",
      "a.old.example.org. 3600 IN CNAME a.new.example.org.",
      "a.new.example.org. 3600 IN A 192.0.2.90",
    ],
    authority: NS,
    additional: NS_ADDR,
  },
  {
    q: "b.old.example.org A",
    rcode: "NXDOMAIN",
    flags: "QR AA",
    answer: [
      "old.example.org. 3600 IN DNAME new.example.org.",
      "b.old.example.org. 3600 IN CNAME b.new.example.org.",
    ],
    authority: SOA,
  },
  { q: "old.example.org A", rcode: "NOERROR", flags: "QR AA", authority: SOA },
  // wildcards (RFC 4592)
  {
    q: "x.wild.example.org A",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["x.wild.example.org. 3600 IN A 192.0.2.100"],
    authority: NS,
    additional: NS_ADDR,
  },
  {
    q: "y.x.wild.example.org TXT",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ['y.x.wild.example.org. 3600 IN TXT "wild"'],
    authority: NS,
    additional: NS_ADDR,
  },
  { q: "x.wild.example.org MX", rcode: "NOERROR", flags: "QR AA", authority: SOA },
  { q: "here.wild.example.org TXT", rcode: "NOERROR", flags: "QR AA", authority: SOA },
  { q: "x.here.wild.example.org A", rcode: "NXDOMAIN", flags: "QR AA", authority: SOA },
  { q: "wild.example.org A", rcode: "NOERROR", flags: "QR AA", authority: SOA },
  {
    q: "z.cw.example.org A",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["z.cw.example.org. 3600 IN CNAME host.example.org.", "host.example.org. 3600 IN A 192.0.2.80"],
    authority: NS,
    additional: NS_ADDR,
  },
  // empty non-terminals
  { q: "ent.example.org A", rcode: "NOERROR", flags: "QR AA", authority: SOA },
  { q: "b.ent.example.org A", rcode: "NOERROR", flags: "QR AA", authority: SOA },
  { q: "c.ent.example.org A", rcode: "NXDOMAIN", flags: "QR AA", authority: SOA },
  // referrals: NS in authority, glue only, AA clear
  {
    q: "deleg.example.org A",
    rcode: "NOERROR",
    flags: "QR",
    authority: DELEG,
    additional: ["ns.deleg.example.org. 3600 IN A 192.0.2.120"],
  },
  {
    q: "a.b.deleg.example.org MX",
    rd: true,
    rcode: "NOERROR",
    flags: "QR RD",
    authority: DELEG,
    additional: ["ns.deleg.example.org. 3600 IN A 192.0.2.120"],
  },
  {
    q: "deleg.example.org DS",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["deleg.example.org. 3600 IN DS 1 13 2 ABCDEF"],
  },
  // additional for SRV targets
  {
    q: "_sip._udp.example.org SRV",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: [
      "_sip._udp.example.org. 3600 IN SRV 10 10 5060 host.example.org.",
      "_sip._udp.example.org. 3600 IN SRV 20 10 5060 sip.example.net.",
    ],
    authority: NS,
    additional: ["host.example.org. 3600 IN A 192.0.2.80", ...NS_ADDR],
  },
  // ANY: every RRset, the zone's NS, no additional (BIND 9)
  {
    q: "ns1.example.org ANY",
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["ns1.example.org. 3600 IN A 192.0.2.53", "ns1.example.org. 3600 IN AAAA 2001:db8::53"],
    authority: NS,
  },
  // EDNS buffer <= 512: minimal answer (BIND)
  {
    q: "host.example.org A",
    edns: 512,
    rcode: "NOERROR",
    flags: "QR AA",
    answer: ["host.example.org. 3600 IN A 192.0.2.80"],
  },
  // outside our zones
  { q: "example.com A", rcode: "REFUSED", flags: "QR" },
  { q: "org SOA", rd: true, rcode: "REFUSED", flags: "QR RD" },
];

const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

function text(rrs: RR[]): string[] {
  // names compare case-insensitively (compression may reuse the query's spelling)
  return rrs
    .map((r) =>
      `${nameToText(r.name)} ${r.ttl} IN ${typeToText(r.type)} ${rdataToText(r.type, r.rdata)}`.toLowerCase(),
    )
    .sort();
}

export function query(
  qname: string,
  qtype: string,
  opts: { rd?: boolean; edns?: number; id?: number } = {},
): Buffer {
  const m = emptyMessage();
  m.id = opts.id ?? 4242;
  m.rd = opts.rd ?? false;
  m.question = [{ name: nameFromText(qname + "."), type: typeFromText(qtype)!, cls: 1 }];
  if (opts.edns !== undefined) m.edns = { udpSize: opts.edns, version: 0, do: false, z: 0, options: [] };
  return encodeMessage(m).buf;
}

let view: ServerView;
before(() => {
  const { zone } = loadZoneSync(join(ROOT, "test/dns/engine/db.example.org"), "example.org");
  view = makeView({ zones: new ZoneSet([zone]) });
});

describe("answers (table against db.example.org)", () => {
  for (const c of CASES) {
    const [qname, qtype] = c.q.split(" ") as [string, string];
    it(`${c.q}${c.rd ? " rd" : ""}${c.edns ? ` edns ${c.edns}` : ""} -> ${c.rcode}`, () => {
      // twice: the second answer comes from the answer cache and must be identical
      for (let round = 0; round < 2; round++) {
        const out = respond(view, query(qname, qtype, c), { address: "127.0.0.1", transport: "udp" });
        assert.ok(out !== null);
        const r = decodeMessage(out);
        assert.equal(RCODES[r.rcode] ?? String(r.rcode), c.rcode);
        const flags = [r.qr && "QR", r.aa && "AA", r.tc && "TC", r.rd && "RD", r.ra && "RA"]
          .filter(Boolean)
          .join(" ");
        assert.equal(flags, c.flags);
        assert.equal(r.id, 4242);
        assert.equal(nameToText(r.question[0]!.name), qname + ".", "question keeps the query's letter case");
        const want = (l: string[] | undefined): string[] => (l ?? []).map((x) => x.toLowerCase()).sort();
        assert.deepEqual(text(r.answer), want(c.answer), "answer");
        assert.deepEqual(text(r.authority), want(c.authority), "authority");
        assert.deepEqual(text(r.additional), want(c.additional), "additional");
      }
    });
  }
});

describe("minimal-responses settings", () => {
  const ask = (v: ServerView, name: string, rd: boolean) =>
    decodeMessage(respond(v, query(name, "A", { rd }), { address: "127.0.0.1", transport: "udp" })!);

  it("no: the zone's NS on every positive answer, RD or not", () => {
    const v = makeView({ zones: view.zones, minimalResponses: "no" });
    assert.equal(ask(v, "host.example.org", true).authority.length, 2);
    assert.equal(ask(v, "host.example.org", false).authority.length, 2);
  });

  it("yes: nothing beyond the answer, but referrals keep their glue", () => {
    const v = makeView({ zones: view.zones, minimalResponses: "yes" });
    const r = ask(v, "host.example.org", false);
    assert.equal(r.authority.length + r.additional.length, 0);
    const ref = ask(v, "x.deleg.example.org", false);
    assert.equal(ref.authority.length, 2);
    assert.equal(ref.additional.length, 1);
  });
});

describe("chains across zones and RFC 6672 limits", () => {
  const long = Array.from({ length: 4 }, () => "x".repeat(60)).join(".");
  const A = `$TTL 60
@ SOA ns h 1 1 1 1 60
@ NS ns
ns A 192.0.2.1
to-b CNAME www.b.test.
d DNAME ${long}.
`;
  const B = `$TTL 120
@ SOA ns.a.test. h 1 1 1 1 30
@ NS ns.a.test.
www A 192.0.2.2
`;
  const zone = (text: string, origin: string) => loadZoneSync(origin, origin, { readFile: () => text }).zone;
  const v = makeView({ zones: new ZoneSet([zone(A, "a.test"), zone(B, "b.test")]) });
  const ask = (name: string, type: string) =>
    decodeMessage(respond(v, query(name, type, { rd: true }), { address: "127.0.0.1", transport: "tcp" })!);

  it("a CNAME into another of our zones is followed (BIND restarts the lookup there)", () => {
    const r = ask("to-b.a.test", "A");
    assert.equal(r.aa, true);
    assert.deepEqual(text(r.answer), [
      "to-b.a.test. 60 in cname www.b.test.",
      "www.b.test. 120 in a 192.0.2.2",
    ]);
  });

  it("a DNAME substitution longer than 255 bytes is YXDOMAIN", () => {
    const r = ask(`${"y".repeat(12)}.d.a.test`, "A"); // 13 + 245 bytes > 255
    assert.equal(r.rcode, 6);
    assert.deepEqual(
      r.answer.map((x) => typeToText(x.type)),
      ["DNAME"],
    );
  });

  it("negative TTL is min(SOA TTL, SOA MINIMUM) of the zone that answers", () => {
    const r = ask("nope.b.test", "A");
    assert.equal(r.rcode, 3);
    assert.equal(r.authority[0]!.ttl, 30);
  });
});
