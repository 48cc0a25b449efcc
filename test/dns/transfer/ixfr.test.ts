import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeMessage, emptyMessage, type Message, Opcode, Rcode } from "../../../src/dns/wire/message.ts";
import { nameFromText } from "../../../src/dns/wire/name.ts";
import { rdataFromText } from "../../../src/dns/wire/rdata.ts";
import { CLASS, RRType } from "../../../src/dns/wire/rrtypes.ts";
import { makeView } from "../../../src/dns/view.ts";
import { ZoneSet, type Zone } from "../../../src/dns/zone/zone.ts";
import { loadZoneSync } from "../../../src/dns/zone/parse.ts";
import { dumpZone } from "../../../src/dns/zone/dump.ts";
import { diffsSince, diffZones, noteReload } from "../../../src/dns/transfer/journal.ts";
import { transferOut } from "../../../src/dns/transfer/out.ts";
import { applyTransfer, XfrReader } from "../../../src/dns/transfer/in.ts";
import { rrIdentity } from "../../../src/dns/transfer/records.ts";

function zone(serial: number, body: string): Zone {
  const text = `$TTL 300\n@ SOA ns root ${serial} 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n${body}`;
  return loadZoneSync("db.test", "example.test", { readFile: () => text }).zone;
}

const ORIGIN = nameFromText("example.test.");

function request(type: number, serial?: number): Message {
  const q = emptyMessage();
  q.id = 77;
  q.opcode = Opcode.QUERY;
  q.question = [{ name: ORIGIN, type, cls: CLASS.IN }];
  if (serial !== undefined) {
    const rd = rdataFromText(
      RRType.SOA,
      ["ns", "root", String(serial), "1", "1", "1", "1"].map((t) => ({ text: t, quoted: false })),
      ORIGIN,
    );
    q.authority = [{ name: ORIGIN, type: RRType.SOA, cls: CLASS.IN, ttl: 0, rdata: rd }];
  }
  return q;
}

function ask(z: Zone, type: number, serial: number | undefined, transport: "tcp" | "udp" = "tcp"): Message[] {
  const view = makeView({ zones: new ZoneSet([z]) });
  const q = request(type, serial);
  const r = { ...emptyMessage(), id: q.id, qr: true, question: q.question };
  return transferOut(view, q, r, { address: "127.0.0.1", transport, key: undefined }).map((b) =>
    decodeMessage(b),
  );
}

function receive(msgs: Message[], ourSerial: number | undefined): XfrReader {
  const rd = new XfrReader(ORIGIN, ourSerial);
  msgs.forEach((m, i) => assert.equal(rd.feed(m), i === msgs.length - 1, `message ${i}`));
  return rd;
}

describe("journal and IXFR (RFC 1995)", () => {
  const v1 = zone(1, "a A 10.0.0.1\nb A 10.0.0.2\n");
  const v2 = zone(2, "a A 10.0.0.1\nb A 10.0.0.3\nc TXT hello\n");
  const v3 = zone(3, "a A 10.0.0.9\nb A 10.0.0.3\nc TXT hello\n");
  noteReload(v1, v2);
  noteReload(v2, v3);

  it("diffs a reload: deleted and added records, SOA apart", () => {
    const d = diffZones(v1, v2);
    assert.equal(d.from, 1);
    assert.equal(d.to, 2);
    assert.deepEqual(
      d.deleted.map((r) => r.type),
      [RRType.A],
    );
    assert.deepEqual(d.added.map((r) => r.type).sort(), [RRType.A, RRType.TXT]);
  });

  it("keeps a chain of versions and falls back when the serial is unknown", () => {
    assert.equal(diffsSince(v3, 1)?.length, 2);
    assert.equal(diffsSince(v3, 2)?.length, 1);
    assert.equal(diffsSince(v3, 7), undefined);
  });

  it("a reload that lowers the serial starts the history over", () => {
    const back = zone(1, "");
    noteReload(v3, back);
    assert.equal(diffsSince(back, 3), undefined);
  });

  it("IXFR out from serial 1: incremental form, which the reader applies to reach v3", () => {
    const msgs = ask(v3, RRType.IXFR, 1);
    const ans = msgs.flatMap((m) => m.answer);
    // SOA3, SOA1, -b, SOA2, +b +c, SOA2, -a, SOA3, +a, SOA3
    assert.deepEqual(ans.filter((r) => r.type === RRType.SOA).length, 6);
    const rd = receive(msgs, 1);
    const res = rd.result();
    assert.equal(res.kind, "ixfr");
    const next = applyTransfer(ORIGIN, "x", v1, res)!;
    assert.equal(next.serial, 3);
    assert.equal(dumpZone(next), dumpZone(v3));
    // the secondary journals what it applied, so it can serve IXFR in turn
    assert.equal(diffsSince(next, 1)?.length, 2);
  });

  it("IXFR from an unknown serial gets the AXFR form; up to date gets one SOA", () => {
    const msgs = ask(v3, RRType.IXFR, 0);
    const res = receive(msgs, 0).result();
    assert.equal(res.kind, "axfr");
    assert.equal(dumpZone(applyTransfer(ORIGIN, "x", undefined, res)!), dumpZone(v3));
    const up = ask(v3, RRType.IXFR, 3);
    assert.equal(up.length, 1);
    assert.equal(up[0]!.answer.length, 1);
    assert.deepEqual(receive(up, 3).result(), { kind: "uptodate", serial: 3 });
    // a client ahead of us is told the same (RFC 1982 comparison)
    assert.equal(ask(v3, RRType.IXFR, 5)[0]!.answer.length, 1);
  });

  it("IXFR over UDP answers the single current SOA (RFC 1995 2)", () => {
    const m = ask(v3, RRType.IXFR, 1, "udp");
    assert.equal(m.length, 1);
    assert.equal(m[0]!.answer.length, 1);
    assert.equal(m[0]!.answer[0]!.type, RRType.SOA);
  });

  it("IXFR without the client's SOA is FORMERR", () => {
    const m = ask(v3, RRType.IXFR, undefined);
    assert.equal(m[0]!.rcode, Rcode.FORMERR);
  });
});

describe("AXFR out", () => {
  it("a big zone goes in several messages, SOA first and last, every record once", () => {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++)
      lines.push(
        `h${i} A 10.${(i >> 8) & 255}.${i & 255}.1\nh${i} TXT "record number ${i} with some padding"`,
      );
    const big = zone(9, lines.join("\n") + "\n");
    const msgs = ask(big, RRType.AXFR, undefined);
    assert.ok(msgs.length > 1, `${msgs.length} messages`);
    const all = msgs.flatMap((m) => m.answer);
    assert.equal(all[0]!.type, RRType.SOA);
    assert.equal(all[all.length - 1]!.type, RRType.SOA);
    assert.equal(all.length, big.recordCount + 1);
    assert.equal(new Set(all.slice(1, -1).map(rrIdentity)).size, all.length - 2);
    assert.ok(msgs.every((m) => m.aa && m.rcode === 0));
    assert.equal(msgs[0]!.question.length, 1);
    assert.equal(msgs[1]!.question.length, 0);
    const back = applyTransfer(ORIGIN, "x", undefined, receive(msgs, undefined).result())!;
    assert.equal(dumpZone(back), dumpZone(big));
  });

  it("allow-transfer decides, with the TSIG key name; a zone we lack is NOTAUTH", () => {
    const z = zone(1, "");
    const view = makeView({ zones: new ZoneSet([z]), allowTransfer: (_a, key) => key === "xfr" });
    const q = request(RRType.AXFR);
    const r = (): Message => ({ ...emptyMessage(), qr: true, question: q.question });
    const refused = transferOut(view, q, r(), { address: "127.0.0.1", transport: "tcp", key: undefined });
    assert.equal(decodeMessage(refused[0]!).rcode, Rcode.REFUSED);
    const ok = transferOut(view, q, r(), { address: "127.0.0.1", transport: "tcp", key: "xfr" });
    assert.equal(decodeMessage(ok[0]!).answer[0]!.type, RRType.SOA);
    const other = {
      ...q,
      question: [{ name: nameFromText("other.test."), type: RRType.AXFR, cls: CLASS.IN }],
    };
    const na = transferOut(view, other, r(), { address: "127.0.0.1", transport: "tcp", key: "xfr" });
    assert.equal(decodeMessage(na[0]!).rcode, Rcode.NOTAUTH);
  });
});

describe("reading transfers: what a secondary rejects", () => {
  const v1 = zone(1, "a A 10.0.0.1\n");
  const msgs = ask(v1, RRType.AXFR, undefined);
  it("an answer that does not start with the zone's SOA", () => {
    const m = { ...msgs[0]!, answer: msgs[0]!.answer.slice(1) };
    assert.throws(() => new XfrReader(ORIGIN, undefined).feed(m), /does not start with the zone's SOA/);
  });
  it("an error RCODE, named", () => {
    const m = { ...msgs[0]!, rcode: Rcode.REFUSED, answer: [] };
    assert.throws(() => new XfrReader(ORIGIN, undefined).feed(m), /answered REFUSED/);
  });
  it("a closing SOA with another serial, and records after the end", () => {
    const other = ask(zone(2, "a A 10.0.0.1\n"), RRType.AXFR, undefined)[0]!;
    const last = other.answer[other.answer.length - 1]!;
    const m = { ...msgs[0]!, answer: [...msgs[0]!.answer.slice(0, -1), last] };
    assert.throws(() => new XfrReader(ORIGIN, undefined).feed(m), /closing SOA serial differs/);
    const extra = { ...msgs[0]!, answer: [...msgs[0]!.answer, msgs[0]!.answer[1]!] };
    assert.throws(() => new XfrReader(ORIGIN, undefined).feed(extra), /after the closing SOA/);
  });
  it("an answer that stops early has no result", () => {
    const rd = new XfrReader(ORIGIN, undefined);
    assert.equal(rd.feed({ ...msgs[0]!, answer: msgs[0]!.answer.slice(0, 2) }), false);
    assert.throws(() => rd.result(), /ended early/);
  });
});
