import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { siphash24 } from "../../../src/dns/wire/siphash.ts";

/** The reference implementation's vectors: key 00..0f, message 00..n-1, output as it writes it. */
describe("SipHash-2-4", () => {
  const key = Buffer.from([...Array(16).keys()]);
  const msg = (n: number): Buffer => Buffer.from([...Array(n).keys()]);
  it("matches the reference vectors", () => {
    assert.equal(siphash24(key, msg(0)).toString("hex"), "310e0edd47db6f72");
    assert.equal(siphash24(key, msg(1)).toString("hex"), "fd67dc93c539f874");
    assert.equal(siphash24(key, msg(8)).toString("hex"), "6224939a79f5f593");
    // the paper's worked example: 15 bytes, 0xa129ca6149be45e5
    assert.equal(siphash24(key, msg(15)).readBigUInt64LE(0), 0xa129ca6149be45e5n);
  });
  it("refuses a key that is not 128 bits", () => {
    assert.throws(() => siphash24(Buffer.alloc(8), msg(1)), RangeError);
  });
});
