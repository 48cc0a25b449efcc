import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { notifyMessage, notifyTargets } from "../../../src/dns/transfer/notify-out.ts";
import { decodeMessage, Opcode } from "../../../src/dns/wire/message.ts";
import { RRType } from "../../../src/dns/wire/rrtypes.ts";
import { loadZoneSync } from "../../../src/dns/zone/parse.ts";

const z = loadZoneSync("db", "n.test", {
  readFile: () =>
    "$TTL 60\n@ SOA ns1 root 9 100 20 300 60\n@ NS ns1\n@ NS ns2\n@ NS ns3\n@ NS ns.elsewhere.test.\n" +
    "ns1 A 127.0.0.1\nns2 A 127.0.0.2\nns2 AAAA ::1\nns3 A 127.0.0.3\n",
}).zone;

describe("NOTIFY sent (RFC 1996)", () => {
  const also = [{ host: "127.0.0.7", port: 5300, key: "k" }];
  it("notify yes: the NS except the MNAME, at in-zone addresses on port 53, plus also-notify, minus ourselves", () => {
    const t = notifyTargets(z, "yes", also, [{ host: "127.0.0.3", port: 53 }]);
    assert.deepEqual(
      t.map((x) => `${x.host}#${x.port}${x.key ? ` ${x.key}` : ""}`),
      ["127.0.0.7#5300 k", "127.0.0.2#53", "0:0:0:0:0:0:0:1#53"],
    );
  });
  it("notify explicit: also-notify only; notify no: nobody", () => {
    assert.deepEqual(notifyTargets(z, "explicit", also, []), also);
    assert.deepEqual(notifyTargets(z, "no", also, []), []);
  });
  it("the message: opcode NOTIFY, AA, question SOA, the new SOA in the answer", () => {
    const m = decodeMessage(notifyMessage(z, 99));
    assert.equal(m.opcode, Opcode.NOTIFY);
    assert.ok(m.aa);
    assert.equal(m.question[0]!.type, RRType.SOA);
    assert.equal(m.answer[0]!.rdata.readUInt32BE(m.answer[0]!.rdata.length - 20), 9);
  });
});
