import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { WireError } from "../../../src/lib/errors.ts";
import { XdrReader } from "../../../src/nfs/xdr/reader.ts";
import { XdrWriter } from "../../../src/nfs/xdr/writer.ts";

describe("XDR (RFC 4506)", () => {
  it("encodes the primitives big-endian in 4-byte units", () => {
    const w = new XdrWriter();
    w.u32(0xdeadbeef);
    w.i32(-2);
    w.u64(1n << 40n);
    w.i64(-1n);
    w.bool(true);
    w.opaque(Buffer.from("abcde"));
    w.string("hi");
    w.opaqueFixed(Buffer.from([1, 2, 3]));
    assert.equal(
      w.view().toString("hex"),
      "deadbeef" +
        "fffffffe" +
        "0000010000000000" +
        "ffffffffffffffff" +
        "00000001" +
        "00000005" +
        "6162636465000000" +
        "00000002" +
        "68690000" +
        "01020300",
    );
    const r = new XdrReader(w.finish());
    assert.equal(r.u32(), 0xdeadbeef);
    assert.equal(r.i32(), -2);
    assert.equal(r.u64(), 1n << 40n);
    assert.equal(r.i64(), -1n);
    assert.equal(r.bool(), true);
    assert.equal(r.opaque(10).toString(), "abcde");
    assert.equal(r.string(10), "hi");
    assert.deepEqual([...r.opaqueFixed(3)], [1, 2, 3]);
    assert.equal(r.remaining, 0);
  });

  it("checks declared maxima before reading", () => {
    const w = new XdrWriter();
    w.opaque(Buffer.alloc(9));
    assert.throws(() => new XdrReader(w.finish()).opaque(8), WireError);
    const big = new XdrWriter();
    big.u32(0xffffffff); // a huge length with no data behind it
    assert.throws(() => new XdrReader(big.finish()).opaque(0xffffffff), WireError);
    assert.throws(
      () => new XdrReader(big.finish()).array(0xffffffff, (x) => x.u32()),
      /exceeds the data left/,
    );
  });

  it("rejects a boolean other than 0 or 1 and an enum outside its set", () => {
    assert.throws(() => new XdrReader(Buffer.from("00000002", "hex")).bool(), /invalid boolean/);
    assert.throws(() => new XdrReader(Buffer.from("00000007", "hex")).enum(new Set([1, 2])), /invalid enum/);
  });

  it("reports truncation as WireError with the offset, never RangeError", () => {
    const r = new XdrReader(Buffer.from("0000000400", "hex"));
    assert.throws(
      () => r.opaque(10),
      (e: unknown) => e instanceof WireError && e.offset === 4,
    );
  });

  it("round-trips arbitrary values (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ t: fc.constant("u32" as const), v: fc.nat({ max: 0xffffffff }) }),
            fc.record({
              t: fc.constant("i32" as const),
              v: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
            }),
            fc.record({ t: fc.constant("u64" as const), v: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
            fc.record({
              t: fc.constant("i64" as const),
              v: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
            }),
            fc.record({ t: fc.constant("opaque" as const), v: fc.uint8Array({ maxLength: 70 }) }),
            fc.record({ t: fc.constant("string" as const), v: fc.string({ maxLength: 40 }) }),
            fc.record({
              t: fc.constant("list" as const),
              v: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 5 }),
            }),
          ),
          { maxLength: 12 },
        ),
        (items) => {
          const w = new XdrWriter();
          for (const it of items) {
            if (it.t === "u32") w.u32(it.v);
            else if (it.t === "i32") w.i32(it.v);
            else if (it.t === "u64") w.u64(it.v);
            else if (it.t === "i64") w.i64(it.v);
            else if (it.t === "opaque") w.opaque(it.v);
            else if (it.t === "string") w.string(it.v);
            else w.list(it.v, (x, n) => x.u32(n));
          }
          const buf = w.finish();
          assert.equal(buf.length % 4, 0);
          const r = new XdrReader(buf);
          for (const it of items) {
            if (it.t === "u32") assert.equal(r.u32(), it.v);
            else if (it.t === "i32") assert.equal(r.i32(), it.v);
            else if (it.t === "u64") assert.equal(r.u64(), it.v);
            else if (it.t === "i64") assert.equal(r.i64(), it.v);
            else if (it.t === "opaque") assert.deepEqual(new Uint8Array(r.opaque(1000)), it.v);
            else if (it.t === "string") assert.equal(r.string(1000), Buffer.from(it.v).toString());
            else
              assert.deepEqual(
                r.list((x) => x.u32()),
                it.v,
              );
          }
          assert.equal(r.remaining, 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws anything but WireError on random bytes (fast-check)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = new XdrReader(Buffer.from(bytes));
        try {
          r.string(16);
          r.array(8, (x) => x.opaque(8));
          r.optional((x) => x.u64());
          r.list((x) => x.bool(), 4);
        } catch (e) {
          assert.ok(e instanceof WireError, String(e));
        }
      }),
      { numRuns: 500 },
    );
  });
});
