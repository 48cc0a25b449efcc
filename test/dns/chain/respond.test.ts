import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { respond, respondStream } from "../../../src/dns/chain/respond.ts";
import { makeView } from "../../../src/dns/view.ts";
import { decodeMessage, emptyMessage, encodeMessage, Opcode, Rcode } from "../../../src/dns/wire/message.ts";
import { nameFromText } from "../../../src/dns/wire/name.ts";
import { rdataFromText } from "../../../src/dns/wire/rdata.ts";
import { RRType } from "../../../src/dns/wire/rrtypes.ts";
import { loadZoneSync } from "../../../src/dns/zone/parse.ts";
import { ZoneSet } from "../../../src/dns/zone/zone.ts";

const ZONE = `$TTL 300
@ SOA ns hostmaster 5 3600 600 86400 60
@ NS ns
ns A 192.0.2.1
big TXT ${Array.from({ length: 12 }, (_, i) => `"${String(i).repeat(60)}"`).join(" ")}
$GENERATE 1-40 many A 10.0.0.$
`;

function zoneOf(text: string) {
  return loadZoneSync("mem.zone", "example.test", { readFile: () => text }).zone;
}

const view = makeView({ zones: new ZoneSet([zoneOf(ZONE)]) });
const UDP = { address: "127.0.0.1", transport: "udp" } as const;
const TCP = { address: "127.0.0.1", transport: "tcp" } as const;

function q(
  name: string,
  type: number,
  f: (m: ReturnType<typeof emptyMessage>) => void = () => undefined,
): Buffer {
  const m = emptyMessage();
  m.id = 777;
  m.question = [{ name: nameFromText(name), type, cls: 1 }];
  f(m);
  return encodeMessage(m).buf;
}

describe("respond(): header handling", () => {
  it("drops what is not a query: < 12 bytes, QR=1", () => {
    assert.equal(respond(view, Buffer.alloc(11), UDP), null);
    const resp = Buffer.from(q("ns.example.test.", RRType.A));
    resp[2]! |= 0x80;
    assert.equal(respond(view, resp, UDP), null);
  });

  it("FORMERR for garbage after a readable header, echoing ID and RD", () => {
    const bad = Buffer.concat([
      Buffer.from([0xab, 0xcd, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
      Buffer.from([0xc0, 0x0c]),
    ]);
    const r = decodeMessage(respond(view, bad, UDP)!);
    assert.equal(r.id, 0xabcd);
    assert.equal(r.rcode, Rcode.FORMERR);
    assert.equal(r.rd, true);
    assert.equal(r.qr, true);
  });

  it("FORMERR for QDCOUNT 0 or 2, no question echoed", () => {
    for (const n of [0, 2]) {
      const m = emptyMessage();
      m.question = Array.from({ length: n }, () => ({
        name: nameFromText("ns.example.test."),
        type: 1,
        cls: 1,
      }));
      const r = decodeMessage(respond(view, encodeMessage(m).buf, UDP)!);
      assert.equal(r.rcode, Rcode.FORMERR);
      assert.equal(r.question.length, 0);
    }
  });

  it("NOTIMP for unknown opcodes, REFUSED for UPDATE, NOTIFY acknowledged", () => {
    const op = (o: number) =>
      decodeMessage(
        respond(
          view,
          q("example.test.", RRType.SOA, (m) => (m.opcode = o)),
          UDP,
        )!,
      );
    assert.equal(op(Opcode.STATUS).rcode, Rcode.NOTIMP);
    assert.equal(op(3).rcode, Rcode.NOTIMP);
    assert.equal(op(Opcode.UPDATE).rcode, Rcode.REFUSED);
    const n = op(Opcode.NOTIFY);
    assert.equal(n.rcode, Rcode.NOERROR);
    assert.equal(n.aa, true);
  });

  it("BADVERS for EDNS version 1, with an OPT of version 0", () => {
    const r = decodeMessage(
      respond(
        view,
        q(
          "ns.example.test.",
          1,
          (m) => (m.edns = { udpSize: 1232, version: 1, do: false, z: 0, options: [] }),
        ),
        UDP,
      )!,
    );
    assert.equal(r.rcode, Rcode.BADVERS);
    assert.equal(r.edns?.version, 0);
    assert.equal(r.answer.length, 0);
  });

  it("echoes CD and the DO bit, advertises edns-udp-size", () => {
    const r = decodeMessage(
      respond(
        view,
        q("ns.example.test.", 1, (m) => {
          m.cd = true;
          m.edns = {
            udpSize: 4096,
            version: 0,
            do: true,
            z: 0,
            options: [{ code: 65001, data: Buffer.from("x") }],
          };
        }),
        UDP,
      )!,
    );
    assert.equal(r.cd, true);
    assert.equal(r.edns?.do, true);
    assert.equal(r.edns?.udpSize, 1232);
    assert.deepEqual(r.edns?.options, []);
  });

  it("FORMERR for AXFR over UDP and for qclass ANY; REFUSED for class CH", () => {
    assert.equal(decodeMessage(respond(view, q("example.test.", RRType.AXFR), UDP)!).rcode, Rcode.FORMERR);
    const any = q("ns.example.test.", 1);
    any.writeUInt16BE(255, any.length - 2);
    assert.equal(decodeMessage(respond(view, any, UDP)!).rcode, Rcode.FORMERR);
    const ch = q("ns.example.test.", 1);
    ch.writeUInt16BE(3, ch.length - 2);
    assert.equal(decodeMessage(respond(view, ch, UDP)!).rcode, Rcode.REFUSED);
  });
});

describe("respond(): sizes", () => {
  it("TC=1 with header + question when the answer does not fit 512 (no EDNS); full over TCP", () => {
    const udp = respond(view, q("many.example.test.", RRType.A), UDP)!;
    const r = decodeMessage(udp);
    assert.ok(udp.length <= 512);
    assert.equal(r.tc, true);
    assert.equal(r.answer.length, 0);
    assert.equal(r.question.length, 1);
    const tcp = decodeMessage(respond(view, q("many.example.test.", RRType.A), TCP)!);
    assert.equal(tcp.tc, false);
    assert.equal(tcp.answer.length, 40);
  });

  it("EDNS size is honoured up to max-udp-size, and below 512 counts as 512", () => {
    const edns = (size: number) => (m: ReturnType<typeof emptyMessage>) =>
      (m.edns = { udpSize: size, version: 0, do: false, z: 0, options: [] });
    assert.equal(decodeMessage(respond(view, q("many.example.test.", 1, edns(1232)), UDP)!).tc, false);
    assert.equal(decodeMessage(respond(view, q("big.example.test.", RRType.TXT, edns(100)), UDP)!).tc, true);
    const small = makeView({ zones: view.zones, maxUdpSize: 512 });
    assert.equal(decodeMessage(respond(small, q("many.example.test.", 1, edns(4096)), UDP)!).tc, true);
  });
});

describe("respond(): chain and cache", () => {
  it("allow-query refuses clients outside it (before the cache)", () => {
    const acl = makeView({ zones: view.zones, allowQuery: (a) => a === "127.0.0.1" });
    assert.equal(decodeMessage(respond(acl, q("ns.example.test.", 1), UDP)!).rcode, Rcode.NOERROR);
    const r = decodeMessage(
      respond(acl, q("ns.example.test.", 1), { address: "192.0.2.9", transport: "udp" })!,
    );
    assert.equal(r.rcode, Rcode.REFUSED);
    assert.equal(r.answer.length, 0);
  });

  it("a new view (reload) is never answered from the old view's cache", () => {
    const v1 = makeView({ zones: new ZoneSet([zoneOf(ZONE)]) });
    const v2 = makeView({ zones: new ZoneSet([zoneOf(ZONE.replace("192.0.2.1", "192.0.2.2"))]) });
    const a = (v: typeof v1) => decodeMessage(respond(v, q("ns.example.test.", 1), UDP)!).answer[0]!.rdata;
    assert.deepEqual(a(v1), a(v1));
    assert.deepEqual(a(v2), rdataFromText(1, [{ text: "192.0.2.2", quoted: false }], nameFromText(".")));
  });

  it("cached answers carry each query's ID and letter case", () => {
    for (const [id, name] of [
      [1, "ns.example.test."],
      [2, "NS.EXAMPLE.test."],
      [3, "Ns.Example.Test."],
    ] as const) {
      const out = respond(
        view,
        q(name, 1, (m) => (m.id = id)),
        UDP,
      )!;
      const r = decodeMessage(out);
      assert.equal(r.id, id);
      assert.deepEqual(out.subarray(12, 12 + nameFromText(name).length), nameFromText(name));
    }
  });

  it("AXFR over TCP: SOA, every record, SOA; IXFR at the current serial: one SOA", () => {
    const msgs = respondStream(view, q("example.test.", RRType.AXFR), TCP).map(decodeMessage);
    const rrs = msgs.flatMap((m) => m.answer);
    assert.equal(rrs[0]!.type, RRType.SOA);
    assert.equal(rrs.at(-1)!.type, RRType.SOA);
    assert.equal(rrs.length, 2 + 1 + 1 + 1 + 40);
    const ixfr = q("example.test.", RRType.IXFR, (m) => {
      m.authority = [
        {
          name: nameFromText("example.test."),
          type: RRType.SOA,
          cls: 1,
          ttl: 0,
          rdata: Buffer.concat([
            Buffer.from([0, 0]),
            Buffer.from([0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
          ]),
        },
      ];
    });
    const one = respondStream(view, ixfr, TCP).map(decodeMessage);
    assert.equal(one.length, 1);
    assert.equal(one[0]!.answer.length, 1);
    const refused = makeView({ zones: view.zones, allowTransfer: () => false });
    assert.equal(
      decodeMessage(respondStream(refused, q("example.test.", RRType.AXFR), TCP)[0]!).rcode,
      Rcode.REFUSED,
    );
    assert.equal(
      decodeMessage(respondStream(view, q("ns.example.test.", RRType.AXFR), TCP)[0]!).rcode,
      Rcode.NOTAUTH,
    );
  });

  it("never throws, whatever the bytes (fuzz)", () => {
    const base = q(
      "many.example.test.",
      1,
      (m) => (m.edns = { udpSize: 1232, version: 0, do: true, z: 0, options: [] }),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (raw, edits) => {
          for (const t of ["udp", "tcp"] as const) {
            respond(view, Buffer.from(raw), { address: "127.0.0.1", transport: t });
            const b = Buffer.from(base);
            for (const [at, v] of edits) b[at] = v;
            const out = respond(view, b, { address: "127.0.0.1", transport: t });
            if (out !== null) decodeMessage(out); // every answer we send decodes
            respondStream(view, b, { address: "127.0.0.1", transport: t });
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
