import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keyOf } from "../../../src/dns/wire/name.ts";
import {
  findTsig,
  makeKey,
  ResponseSigner,
  ResponseVerifier,
  sign,
  stripTsig,
  TsigError,
  verifyRequest,
} from "../../../src/dns/transfer/tsig.ts";

/**
 * Fixed vectors computed by dnspython 2.3 (a second, independent implementation) with the clock
 * pinned to 1700000000: a signed SOA query for example.com (ID 0x1234) and its signed answer.
 */
const SECRET = Buffer.from("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==", "base64");
const NOW = 1700000000;
const VECTORS = {
  "hmac-sha256": {
    query:
      "123401000001000000000001076578616d706c6503636f6d0000060001077866722d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c00204c677731ad171b7a5fb9bd1e9df8da19a107960179766adf0f94a935c8378295123400000000",
    response:
      "123481000001000100000001076578616d706c6503636f6d0000060001c00c000600010000012c0020026e73c00c04726f6f74c00c0000000500000e1000000258000151800000012c077866722d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c002075ef35c535f949254311c82e07f506302666b078612a564a80688fbd462d0126123400000000",
  },
  "hmac-sha1": {
    query:
      "123401000001000000000001076578616d706c6503636f6d0000060001077866722d6b65790000fa00ff00000000002f09686d61632d736861310000006553f100012c001400a54a7c044c8d9a0f1cb6ff12a79df2151d88e7123400000000",
    response:
      "123481000001000100000001076578616d706c6503636f6d0000060001c00c000600010000012c0020026e73c00c04726f6f74c00c0000000500000e1000000258000151800000012c077866722d6b65790000fa00ff00000000002f09686d61632d736861310000006553f100012c00148d6447ae2c50847348585e270fccb315b81bb6a5123400000000",
  },
  "hmac-sha512": {
    query:
      "123401000001000000000001076578616d706c6503636f6d0000060001077866722d6b65790000fa00ff00000000005d0b686d61632d7368613531320000006553f100012c0040a675ba9b09ac6b2f364353cd6ec1dd30d87284eb71dd5a64454d5fb9fc8ef70edea81b28900f1a7b7a64a03dfe61f8183f013dfb254e744e7d1e04b8e93af032123400000000",
    response:
      "123481000001000100000001076578616d706c6503636f6d0000060001c00c000600010000012c0020026e73c00c04726f6f74c00c0000000500000e1000000258000151800000012c077866722d6b65790000fa00ff00000000005d0b686d61632d7368613531320000006553f100012c0040dd4b47c659d4cf0185d6f7f291c331125f05a2158d5f6e78f794cbe34f1598c96737992e3886ac9b90cebbecaf52b03f08d7e3bd59831cac486f21f82f80266a123400000000",
  },
} as const;

function unsigned(p: Buffer): Buffer {
  const f = findTsig(p);
  assert.ok(f);
  return stripTsig(p, f);
}

for (const [alg, v] of Object.entries(VECTORS)) {
  describe(`TSIG ${alg} against dnspython's vectors`, () => {
    const key = makeKey("xfr-key", alg, SECRET);
    const ring = new Map([[keyOf(key.nameWire), key]]);
    const query = Buffer.from(v.query, "hex");
    const response = Buffer.from(v.response, "hex");

    it("signs the query byte for byte", () => {
      assert.equal(sign(unsigned(query), key, { time: NOW }).buf.toString("hex"), v.query);
    });

    it("verifies the query, and names the error of a bad one", () => {
      const ok = verifyRequest(query, ring, NOW + 10);
      assert.equal(ok.status, "ok");
      const tampered = Buffer.from(query);
      tampered[13] = 0x66; // a letter of the question
      const bad = verifyRequest(tampered, ring, NOW);
      assert.equal(bad.status === "error" && bad.error, TsigError.BADSIG);
      const other = new Map([[keyOf(key.nameWire), makeKey("xfr-key", alg, Buffer.from("other"))]]);
      assert.equal((verifyRequest(query, other, NOW) as { error: number }).error, TsigError.BADSIG);
      assert.equal((verifyRequest(query, new Map(), NOW) as { error: number }).error, TsigError.BADKEY);
      assert.equal((verifyRequest(query, ring, NOW + 301) as { error: number }).error, TsigError.BADTIME);
      assert.equal(verifyRequest(unsigned(query), ring, NOW).status, "unsigned");
    });

    it("signs the response with the request MAC byte for byte, and a client verifies it", () => {
      const q = verifyRequest(query, ring, NOW);
      assert.ok(q.status === "ok");
      const signer = new ResponseSigner(key, q.mac, NOW);
      assert.equal(signer.sign(unsigned(response)).toString("hex"), v.response);
      const verifier = new ResponseVerifier(key, q.mac);
      assert.equal(verifier.feed(response, NOW), undefined);
      assert.ok(verifier.complete());
    });
  });
}

describe("TSIG multi-message answers (RFC 8945 5.3.1)", () => {
  const key = makeKey("k", "hmac-sha256", SECRET);
  const msgs = [1, 2, 3, 4].map((i) => {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(0x8400 | i, 2); // differ somewhere (the RCODE)
    return b;
  });
  const reqMac = Buffer.alloc(32, 9);

  it("every message signed: the verifier chains the MACs", () => {
    const s = new ResponseSigner(key, reqMac, NOW);
    const v = new ResponseVerifier(key, reqMac);
    for (const m of msgs) assert.equal(v.feed(s.sign(m), NOW), undefined);
    assert.ok(v.complete());
  });

  it("a reordered or unsigned-at-the-end stream is rejected", () => {
    const s = new ResponseSigner(key, reqMac, NOW);
    const signed = msgs.map((m) => s.sign(m));
    const v = new ResponseVerifier(key, reqMac);
    assert.equal(v.feed(signed[0]!, NOW), undefined);
    assert.match(v.feed(signed[2]!, NOW) ?? "", /BADSIG/);
    const v2 = new ResponseVerifier(key, reqMac);
    assert.equal(v2.feed(signed[0]!, NOW), undefined);
    assert.equal(v2.feed(msgs[1]!, NOW), undefined);
    assert.equal(v2.complete(), false);
    assert.match(new ResponseVerifier(key, reqMac).feed(msgs[0]!, NOW) ?? "", /not signed/);
  });
});
