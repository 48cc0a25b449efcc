import assert from "node:assert/strict";
import { describe, it } from "node:test";
import dnsPacket from "dns-packet";
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { Reader } from "../../../src/lib/bytes/reader.ts";
import { WireError } from "../../../src/lib/errors.ts";
import {
  decodeMessage,
  emptyMessage,
  encodeMessage,
  type Message,
  type RR,
} from "../../../src/dns/wire/message.ts";
import { keyOf, nameFromText, nameToText, readName } from "../../../src/dns/wire/name.ts";
import { rdataFromText, rdataToText, type Token } from "../../../src/dns/wire/rdata.ts";
import { typeFromText } from "../../../src/dns/wire/rrtypes.ts";
import { lex } from "../../../src/dns/zone/lexer.ts";

function tokens(text: string): Token[] {
  const out: Token[] = [];
  lex(` ${text}\n`, (l) => out.push(...l.tokens));
  return out;
}

const ORIGIN = nameFromText("example.com.");

function rr(name: string, type: string, text: string, ttl = 300): RR {
  const t = typeFromText(type)!;
  return {
    name: nameFromText(name, ORIGIN),
    type: t,
    cls: 1,
    ttl,
    rdata: rdataFromText(t, tokens(text), ORIGIN),
  };
}

// [type, zone-file text, BIND's presentation form]
const TYPES: [string, string, string][] = [
  ["A", "192.0.2.1", "192.0.2.1"],
  ["AAAA", "2001:DB8::1", "2001:db8::1"],
  ["NS", "ns", "ns.example.com."],
  ["CNAME", "a.example.net.", "a.example.net."],
  ["SOA", "ns hostmaster 1 1h 10m 1w 5m", "ns.example.com. hostmaster.example.com. 1 3600 600 604800 300"],
  ["PTR", "host.example.com.", "host.example.com."],
  ["MX", "10 mail", "10 mail.example.com."],
  ["TXT", '"a b" c "\\"q\\"" "\\255"', '"a b" "c" "\\"q\\"" "\\255"'],
  ["SRV", "1 2 3 sip", "1 2 3 sip.example.com."],
  ["CAA", '0 issue "ca.example"', '0 issue "ca.example"'],
  ["NAPTR", '1 2 "S" "SIP+D2U" "" _sip._udp', '1 2 "S" "SIP+D2U" "" _sip._udp.example.com.'],
  ["HINFO", '"x86" "Linux"', '"x86" "Linux"'],
  ["SSHFP", "4 2 ABCD", "4 2 ABCD"],
  ["TLSA", "3 1 1 abcdef", "3 1 1 ABCDEF"],
  ["DS", "1 13 2 AB CD", "1 13 2 ABCD"],
  ["DNSKEY", "257 3 13 AQID", "257 3 13 AQID"],
  [
    "RRSIG",
    "A 13 2 300 20300101000000 20200101000000 1 example.com. AQID",
    "A 13 2 300 20300101000000 20200101000000 1 example.com. AQID",
  ],
  ["NSEC", "b.example.com. A NS SOA TYPE1000", "b.example.com. A NS SOA TYPE1000"],
  ["DNAME", "example.net.", "example.net."],
  ["TYPE65534", "\\# 3 abcdef", "\\# 3 ABCDEF"],
  ["TYPE1", "\\# 4 7f000001", "127.0.0.1"],
];

describe("rdata text <-> wire (descriptor table)", () => {
  for (const [type, text, want] of TYPES) {
    it(`${type} ${text}`, () => {
      const t = typeFromText(type)!;
      const wire = rdataFromText(t, tokens(text), ORIGIN);
      assert.equal(rdataToText(t, wire), want);
      // and back: the presentation form parses to the same wire
      assert.deepEqual(rdataFromText(t, tokens(want), ORIGIN), wire);
    });
  }
});

function sample(): Message {
  const m = emptyMessage();
  m.id = 0x1234;
  m.qr = true;
  m.aa = true;
  m.rd = true;
  m.question = [{ name: nameFromText("www.example.com."), type: 1, cls: 1 }];
  m.answer = TYPES.map(([type, text]) => rr("www", type, text));
  m.authority = [rr("@", "NS", "ns"), rr("@", "NS", "ns2")];
  m.additional = [rr("ns", "A", "192.0.2.53")];
  m.edns = {
    udpSize: 1232,
    version: 0,
    do: true,
    z: 0,
    options: [{ code: 10, data: Buffer.from("cookie12") }],
  };
  return m;
}

describe("messages", () => {
  it("round-trips every type with compression", () => {
    const m = sample();
    const { buf, truncated } = encodeMessage(m);
    assert.equal(truncated, false);
    assert.deepEqual(decodeMessage(buf), m);
    const plain = encodeMessage(m, { compress: false }).buf;
    assert.ok(buf.length < plain.length - 100, `${buf.length} vs ${plain.length}`);
    assert.deepEqual(decodeMessage(plain), m);
  });

  it("compresses case-insensitively (later names point at the first spelling)", () => {
    const m = sample();
    m.question = [{ name: nameFromText("WWW.Example.COM."), type: 1, cls: 1 }];
    const d = decodeMessage(encodeMessage(m).buf);
    assert.equal(nameToText(d.answer[0]!.name), "WWW.Example.COM.");
    assert.equal(nameToText(d.additional[0]!.name), "ns.Example.COM.");
  });

  it("agrees with dns-packet (second opinion) on names, types and addresses", () => {
    const m = sample();
    const known = new Set([
      "A",
      "AAAA",
      "NS",
      "CNAME",
      "SOA",
      "PTR",
      "MX",
      "TXT",
      "SRV",
      "CAA",
      "NAPTR",
      "HINFO",
      "RRSIG",
      "NSEC",
      "DNAME",
    ]);
    m.answer = TYPES.filter(([t]) => known.has(t)).map(([type, text]) => rr("www", type, text));
    const p = dnsPacket.decode(encodeMessage(m).buf);
    assert.equal(p.id, 0x1234);
    assert.equal(p.questions?.[0]?.name, "www.example.com");
    const answers = p.answers ?? [];
    assert.equal(answers.length, known.size);
    const mx = answers.find((a) => a.type === "MX");
    assert.deepEqual((mx as { data: unknown }).data, { preference: 10, exchange: "mail.example.com" });
    const soa = answers.find((a) => a.type === "SOA") as { data: { mname: string; minimum: number } };
    assert.equal(soa.data.mname, "ns.example.com");
    assert.equal(soa.data.minimum, 300);
    const opt = (p.additionals ?? []).find((a) => a.type === "OPT") as {
      udpPayloadSize: number;
      flags: number;
    };
    assert.equal(opt.udpPayloadSize, 1232);
    assert.equal(opt.flags & dnsPacket.DNSSEC_OK, dnsPacket.DNSSEC_OK);
  });

  it("decodes what dns-packet encodes", () => {
    const buf = dnsPacket.encode({
      type: "query",
      id: 7,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: "TXT", name: "t.example.com" }],
      answers: [{ type: "TXT", name: "t.example.com", ttl: 5, data: ["one", "two"] }],
    });
    const m = decodeMessage(buf);
    assert.equal(m.rd, true);
    assert.equal(rdataToText(16, m.answer[0]!.rdata), '"one" "two"');
  });

  it("truncates to header + question + OPT with TC when the answer does not fit", () => {
    const m = sample();
    m.answer = Array.from({ length: 60 }, (_, i) => rr("big", "A", `10.0.0.${i}`));
    const { buf, truncated } = encodeMessage(m, { maxSize: 512 });
    assert.equal(truncated, true);
    const d = decodeMessage(buf);
    assert.equal(d.tc, true);
    assert.equal(d.answer.length + d.authority.length + d.additional.length, 0);
    assert.equal(d.edns?.udpSize, 1232);
    assert.ok(buf.length <= 512);
  });

  it("drops whole additional RRsets that do not fit, without TC", () => {
    const m = sample();
    m.answer = [rr("a", "A", "10.0.0.1")];
    m.additional = [
      rr("x", "TXT", `"${"x".repeat(200)}"`),
      ...Array.from({ length: 3 }, () => rr("y", "TXT", `"${"y".repeat(200)}"`)),
    ];
    const d = decodeMessage(encodeMessage(m, { maxSize: 512 }).buf);
    assert.equal(d.tc, false);
    assert.deepEqual(
      d.additional.map((r) => keyOf(r.name)),
      [keyOf(nameFromText("x.example.com."))],
    );
  });
});

describe("names", () => {
  it("text escapes round-trip", () => {
    for (const t of ["a\\.b.example.", "sp\\032ace.", "\\\\.", "@\\@.x.", "\\000\\255."]) {
      assert.equal(nameToText(nameFromText(t)), t.replace("@\\@", "\\@\\@").replace("\\\\.", "\\\\."));
    }
    assert.equal(keyOf(nameFromText("WwW.Example.COM.")), keyOf(nameFromText("www.example.com.")));
  });

  it("rejects long labels and names", () => {
    assert.throws(() => nameFromText("x".repeat(64) + "."), { code: "EBADNAME" });
    assert.throws(() => nameFromText(("x".repeat(63) + ".").repeat(4)), { code: "EBADNAME" });
  });

  const header = Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  const cases: [string, number[], number][] = [
    ["pointer to itself", [0xc0, 12, 0, 1, 0, 1], 12],
    ["forward pointer", [0xc0, 14, 0, 1, 0, 1, 0], 12],
    ["pointer loop through a label", [1, 0x61, 0xc0, 12, 0, 1, 0, 1], 14],
    ["reserved label type 0x40", [0x41, 0, 1, 0, 1], 12],
    ["truncated label", [5, 0x61, 0x62], 12],
    ["truncated pointer", [0xc0], 12],
  ];
  for (const [what, bytes, offset] of cases) {
    it(`WireError with the offset: ${what}`, () => {
      assert.throws(
        () => decodeMessage(Buffer.concat([header, Buffer.from(bytes)])),
        (e: unknown) => e instanceof WireError && e.offset === offset,
      );
    });
  }

  it("rejects a name expanding past 255 bytes through pointers", () => {
    // 4 x 63-byte labels chained backwards: 4*64+1 > 255
    const parts: number[] = [];
    const label = [63, ...Array<number>(63).fill(0x61)];
    parts.push(...label, 0); // at 0
    for (let i = 0; i < 4; i++) parts.push(...label, 0xc0, i * 66 - (i > 0 ? 0 : 0));
    const buf = Buffer.from(parts);
    assert.throws(() => readName(new Reader(buf, buf.length - 66)), WireError);
  });
});

describe("fuzz (fast-check)", () => {
  it("decodeMessage throws nothing but WireError on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          decodeMessage(Buffer.from(bytes));
        } catch (e) {
          if (!(e instanceof WireError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("decodeMessage throws nothing but WireError on mutated valid messages", () => {
    const base = encodeMessage(sample()).buf;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(base.length),
        (edits, cut) => {
          const b = Buffer.from(base.subarray(0, Math.max(12, cut)));
          for (const [at, v] of edits) if (at < b.length) b[at] = v;
          try {
            decodeMessage(b);
          } catch (e) {
            if (!(e instanceof WireError)) throw e;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("AAAA text parses as inet_pton does (WHATWG URL as the reference; valid and invalid forms)", () => {
    // ipaddr.js reads ::a.b.c.d as ::ffff:a.b.c.d; the URL parser follows RFC 4291 like BIND
    const reference = (t: string): Buffer =>
      Buffer.from(ipaddr.IPv6.parse(new URL(`http://[${t}]/`).hostname.slice(1, -1)).toByteArray());
    const parse = (t: string): Buffer | undefined => {
      try {
        return rdataFromText(28, [{ text: t, quoted: false }], ORIGIN);
      } catch {
        return undefined;
      }
    };
    fc.assert(
      fc.property(fc.ipV6(), (t) => {
        assert.deepEqual(parse(t), reference(t));
      }),
      { numRuns: 2000 },
    );
    for (const bad of [
      "1:",
      ":1",
      "1:::2",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "::g",
      "1.2.3.4",
      "::1.2.3",
      "",
    ])
      assert.equal(parse(bad), undefined, bad);
  });

  const label = fc.stringMatching(/^[a-z0-9_*-]{1,20}$/);
  const name = fc
    .array(label, { minLength: 0, maxLength: 5 })
    .map((ls) => nameFromText(ls.length === 0 ? "." : ls.join(".") + "."));
  const record = fc.oneof(
    fc.tuple(name, fc.ipV4()).map(([n, ip]) => ({
      name: n,
      type: 1,
      cls: 1,
      ttl: 60,
      rdata: rdataFromText(1, [{ text: ip, quoted: false }], ORIGIN),
    })),
    fc.tuple(name, name, fc.integer({ min: 0, max: 65535 })).map(([n, t, p]) => ({
      name: n,
      type: 15,
      cls: 1,
      ttl: 1,
      rdata: Buffer.concat([Buffer.from([p >> 8, p & 255]), t]),
    })),
    fc
      .tuple(name, fc.array(fc.uint8Array({ maxLength: 255 }), { minLength: 1, maxLength: 3 }))
      .map(([n, ss]) => ({
        name: n,
        type: 16,
        cls: 1,
        ttl: 0x7fffffff,
        rdata: Buffer.concat(ss.map((s) => Buffer.concat([Buffer.from([s.length]), s]))),
      })),
    fc
      .tuple(name, fc.integer({ min: 1000, max: 65000 }), fc.uint8Array({ maxLength: 40 }))
      .map(([n, t, d]) => ({ name: n, type: t, cls: 1, ttl: 5, rdata: Buffer.from(d) })),
  );

  it("decode(encode(m)) == m", () => {
    fc.assert(
      fc.property(
        name,
        fc.array(record, { maxLength: 12 }),
        fc.array(record, { maxLength: 4 }),
        fc.boolean(),
        (q, an, ns, edns) => {
          const m = emptyMessage();
          m.id = 99;
          m.qr = true;
          m.question = [{ name: q, type: 1, cls: 1 }];
          m.answer = an;
          m.authority = ns;
          if (edns) m.edns = { udpSize: 4096, version: 0, do: false, z: 0, options: [] };
          assert.deepEqual(decodeMessage(encodeMessage(m).buf), m);
        },
      ),
      { numRuns: 500 },
    );
  });
});
