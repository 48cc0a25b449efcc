import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Reader } from "../../src/lib/bytes/reader.ts";
import { Writer } from "../../src/lib/bytes/writer.ts";
import { WireError } from "../../src/lib/errors.ts";

describe("Reader/Writer", () => {
  it("round-trips integers and bytes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.nat(),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.uint8Array(),
        (a, b, c, d, e) => {
          const w = new Writer(1);
          w.u8(a);
          w.u16(b);
          w.u32(c);
          w.u64(d);
          w.bytes(e);
          const r = new Reader(w.finish());
          assert.equal(r.u8(), a);
          assert.equal(r.u16(), b);
          assert.equal(r.u32(), c);
          assert.equal(r.u64(), d);
          assert.deepEqual([...r.bytes(e.length)], [...e]);
          assert.equal(r.remaining, 0);
        },
      ),
    );
  });
  it("reports the offset of a truncated read as a WireError", () => {
    const r = new Reader(Buffer.from([1, 2, 3]));
    r.u16();
    assert.throws(
      () => r.u16(),
      (e: unknown) => e instanceof WireError && e.offset === 2 && e.code === "EWIRE",
    );
    assert.throws(() => r.bytes(5), WireError);
  });
  it("back-patches lengths", () => {
    const w = new Writer(2);
    w.u16(0);
    w.u32(7);
    w.patchU16(0, 4);
    assert.deepEqual([...w.view()], [0, 4, 0, 0, 0, 7]);
  });
  it("sub-readers stay inside their bounds", () => {
    const r = new Reader(Buffer.from([0, 1, 2, 3, 4]));
    const s = r.sub(2);
    s.u16();
    assert.throws(() => s.u8(), WireError);
    assert.equal(r.u8(), 2);
  });
});
