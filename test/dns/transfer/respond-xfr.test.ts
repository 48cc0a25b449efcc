import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { respond, respondStream } from "../../../src/dns/chain/respond.ts";
import { clock } from "../../../src/dns/transfer/gate.ts";
import { findTsig, makeKey, ResponseVerifier, sign, TsigError } from "../../../src/dns/transfer/tsig.ts";
import { decodeMessage, emptyMessage, encodeMessage, Opcode, Rcode } from "../../../src/dns/wire/message.ts";
import { keyFromText, keyOf, nameFromText } from "../../../src/dns/wire/name.ts";
import { CLASS, RRType } from "../../../src/dns/wire/rrtypes.ts";
import { makeView, type ServerView } from "../../../src/dns/view.ts";
import { loadZoneSync } from "../../../src/dns/zone/parse.ts";
import { ZoneSet } from "../../../src/dns/zone/zone.ts";

/** Transfers, TSIG and NOTIFY through respond()/respondStream(), as the sockets call them. */
const KEY = makeKey("xfr", "hmac-sha256", Buffer.from("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==", "base64"));
const z = loadZoneSync("db", "pri.test", {
  readFile: () => "$TTL 60\n@ SOA ns root 4 100 20 300 60\n@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.1\n",
}).zone;
const notified: string[] = [];
const view: ServerView = makeView({
  zones: new ZoneSet([z]),
  keys: new Map([[keyOf(KEY.nameWire), KEY]]),
  allowTransfer: (_a, key) => key === "xfr",
  unavailable: new Set([keyFromText("sec.test"), keyFromText("down.pri.test")]),
  zoneOptions: new Map([
    [keyFromText("sec.test"), { secondary: true, allowNotify: (a: string) => a === "127.0.0.9" }],
  ]),
  onNotify: (zone, from) => notified.push(`${zone === keyFromText("sec.test") ? "sec.test" : "?"} ${from}`),
});
const TCP = { address: "127.0.0.1", transport: "tcp" as const };
const UDP = { address: "127.0.0.1", transport: "udp" as const };
const realNow = clock.now;
after(() => (clock.now = realNow));

function msg(name: string, type: number, opcode: number = Opcode.QUERY): Buffer {
  const m = emptyMessage();
  m.id = 4242;
  m.opcode = opcode;
  m.question = [{ name: nameFromText(name), type, cls: CLASS.IN }];
  return encodeMessage(m).buf;
}

describe("transfers through respond()", () => {
  it("a signed AXFR: every message signed, verified by the client side", () => {
    const req = sign(msg("pri.test.", RRType.AXFR), KEY, { time: clock.now() });
    const out = respondStream(view, req.buf, TCP);
    assert.ok(out.length >= 1);
    const v = new ResponseVerifier(KEY, req.mac);
    for (const b of out) assert.equal(v.feed(b, clock.now()), undefined);
    assert.ok(v.complete());
    const all = out.flatMap((b) => decodeMessage(b).answer);
    assert.equal(all[0]!.type, RRType.SOA);
    assert.equal(all[all.length - 1]!.type, RRType.SOA);
  });

  it("unsigned AXFR where allow-transfer wants the key: REFUSED; over UDP: FORMERR", () => {
    assert.equal(
      decodeMessage(respondStream(view, msg("pri.test.", RRType.AXFR), TCP)[0]!).rcode,
      Rcode.REFUSED,
    );
    assert.equal(decodeMessage(respond(view, msg("pri.test.", RRType.AXFR), UDP)!).rcode, Rcode.FORMERR);
  });

  it("BADKEY, BADSIG (unsigned, empty MAC) and BADTIME (signed) come back as NOTAUTH with the TSIG error", () => {
    const other = makeKey("nokey", "hmac-sha256", Buffer.from("x"));
    const badkey = respond(view, sign(msg("pri.test.", RRType.SOA), other, { time: clock.now() }).buf, UDP)!;
    assert.equal(decodeMessage(badkey).rcode, Rcode.NOTAUTH);
    assert.equal(findTsig(badkey)!.rec.error, TsigError.BADKEY);
    assert.equal(findTsig(badkey)!.rec.mac.length, 0);
    const wrong = makeKey("xfr", "hmac-sha256", Buffer.from("wrong secret"));
    const badsig = respond(view, sign(msg("pri.test.", RRType.SOA), wrong, { time: clock.now() }).buf, UDP)!;
    assert.equal(findTsig(badsig)!.rec.error, TsigError.BADSIG);
    const old = sign(msg("pri.test.", RRType.SOA), KEY, { time: clock.now() - 1000 });
    const badtime = respond(view, old.buf, UDP)!;
    assert.equal(decodeMessage(badtime).rcode, Rcode.NOTAUTH);
    const t = findTsig(badtime)!.rec;
    assert.equal(t.error, TsigError.BADTIME);
    assert.equal(t.other.length, 6);
    assert.ok(t.mac.length === 32);
  });

  it("a signed plain query gets a signed answer (not from the answer cache)", () => {
    const req = sign(msg("www.pri.test.", RRType.A), KEY, { time: clock.now() });
    const out = respond(view, req.buf, UDP)!;
    const v = new ResponseVerifier(KEY, req.mac);
    assert.equal(v.feed(out, clock.now()), undefined);
    assert.equal(decodeMessage(out).answer.length, 1);
  });

  it("a secondary zone without data: SERVFAIL for queries and transfers; names below a loaded zone too", () => {
    assert.equal(decodeMessage(respond(view, msg("www.sec.test.", RRType.A), UDP)!).rcode, Rcode.SERVFAIL);
    assert.equal(decodeMessage(respond(view, msg("x.down.pri.test.", RRType.A), UDP)!).rcode, Rcode.SERVFAIL);
    assert.equal(decodeMessage(respond(view, msg("www.pri.test.", RRType.A), UDP)!).rcode, Rcode.NOERROR);
    const sf = respondStream(view, sign(msg("sec.test.", RRType.AXFR), KEY, { time: clock.now() }).buf, TCP);
    assert.equal(decodeMessage(sf[0]!).rcode, Rcode.SERVFAIL);
  });
});

describe("NOTIFY received (RFC 1996)", () => {
  it("from an allowed primary: AA, and the zone is refreshed", () => {
    notified.length = 0;
    const r = decodeMessage(
      respond(view, msg("sec.test.", RRType.SOA, Opcode.NOTIFY), { address: "127.0.0.9", transport: "udp" })!,
    );
    assert.equal(r.rcode, Rcode.NOERROR);
    assert.ok(r.aa);
    assert.equal(r.opcode, Opcode.NOTIFY);
    assert.deepEqual(notified, ["sec.test 127.0.0.9"]);
  });

  it("from anyone else: REFUSED; for a zone we do not serve: NOTAUTH; for a primary zone: acknowledged", () => {
    notified.length = 0;
    assert.equal(
      decodeMessage(respond(view, msg("sec.test.", RRType.SOA, Opcode.NOTIFY), UDP)!).rcode,
      Rcode.REFUSED,
    );
    assert.equal(
      decodeMessage(respond(view, msg("other.test.", RRType.SOA, Opcode.NOTIFY), UDP)!).rcode,
      Rcode.NOTAUTH,
    );
    const pri = decodeMessage(respond(view, msg("pri.test.", RRType.SOA, Opcode.NOTIFY), UDP)!);
    assert.equal(pri.rcode, Rcode.NOERROR);
    assert.deepEqual(notified, []);
  });
});
