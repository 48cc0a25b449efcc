import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeRecord, LAST_FRAGMENT, RecordDecoder, RecordTooLarge } from "../../../src/nfs/rpc/record.ts";

function frag(body: Buffer, last: boolean): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(((last ? LAST_FRAGMENT : 0) | body.length) >>> 0);
  return Buffer.concat([h, body]);
}

describe("RPC record marking (RFC 5531 §11)", () => {
  it("joins several fragments into one record", () => {
    const d = new RecordDecoder(1024);
    const wire = Buffer.concat([
      frag(Buffer.from("ab"), false),
      frag(Buffer.alloc(0), false),
      frag(Buffer.from("cde"), true),
    ]);
    assert.deepEqual(
      d.push(wire).map((b) => b.toString()),
      ["abcde"],
    );
    assert.equal(d.buffered, 0);
  });

  it("handles records split at every byte and several records in one chunk", () => {
    const wire = Buffer.concat([
      encodeRecord(Buffer.from("one1")),
      frag(Buffer.from("tw"), false),
      frag(Buffer.from("o2"), true),
    ]);
    const d = new RecordDecoder(1024);
    const out: string[] = [];
    for (const b of wire) out.push(...d.push(Buffer.from([b])).map((x) => x.toString()));
    assert.deepEqual(out, ["one1", "two2"]);
    assert.deepEqual(
      new RecordDecoder(1024).push(wire).map((x) => x.toString()),
      ["one1", "two2"],
    );
  });

  it("refuses a record over the maximum before buffering it, also across fragments", () => {
    const d = new RecordDecoder(100);
    const h = Buffer.alloc(4);
    h.writeUInt32BE((LAST_FRAGMENT | 101) >>> 0);
    assert.throws(() => d.push(h), RecordTooLarge);
    const d2 = new RecordDecoder(100);
    d2.push(frag(Buffer.alloc(60), false));
    assert.throws(() => d2.push(frag(Buffer.alloc(60), true)), RecordTooLarge);
  });

  it("encodes in fragments and decodes back (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 50 }),
        (body, maxFrag, chunk) => {
          const wire = encodeRecord(Buffer.from(body), maxFrag);
          const d = new RecordDecoder(1000);
          const out: Buffer[] = [];
          for (let i = 0; i < wire.length; i += chunk) out.push(...d.push(wire.subarray(i, i + chunk)));
          assert.equal(out.length, 1);
          assert.deepEqual(new Uint8Array(out[0]!), body);
        },
      ),
      { numRuns: 300 },
    );
  });
});
