import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { BufferPool } from "../../../src/lib/bufpool.ts";
import {
  encodeRecord,
  LAST_FRAGMENT,
  RecordDecoder,
  RecordTooLarge,
  type ReceivedRecord,
} from "../../../src/nfs/rpc/record.ts";

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
      d.push(wire).map((r) => r.bytes.toString()),
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
    for (const b of wire) out.push(...d.push(Buffer.from([b])).map((x) => x.bytes.toString()));
    assert.deepEqual(out, ["one1", "two2"]);
    assert.deepEqual(
      new RecordDecoder(1024).push(wire).map((x) => x.bytes.toString()),
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
          for (let i = 0; i < wire.length; i += chunk)
            out.push(...d.push(wire.subarray(i, i + chunk)).map((r) => r.bytes));
          assert.equal(out.length, 1);
          assert.deepEqual(new Uint8Array(out[0]!), body);
        },
      ),
      { numRuns: 300 },
    );
  });

  /** Feed `wire` the way the TCP server does: reads of at most `read` bytes land in target(). */
  function readInPlace(
    d: RecordDecoder,
    wire: Buffer,
    read: number,
    onRec: (r: ReceivedRecord) => void,
  ): void {
    let off = 0;
    while (off < wire.length) {
      const t = d.target();
      assert.ok(t.length > 0, "target() is never empty");
      const n = Math.min(t.length, read, wire.length - off);
      wire.copy(t, 0, off, off + n);
      off += n;
      for (const r of d.filled(n)) onRec(r);
    }
  }

  it("reads in place: a one-fragment record is a view of the buffer it was read into", () => {
    const d = new RecordDecoder(1 << 20);
    const body = Buffer.from("in place");
    const t = d.target();
    const wire = encodeRecord(body);
    wire.copy(t);
    const [r] = d.filled(wire.length);
    assert.ok(r);
    assert.equal(r.bytes.toString(), "in place");
    assert.equal(r.bytes.buffer, t.buffer, "no copy");
    assert.throws(() => d.filled(d.target().length + 1), RangeError);
  });

  it("a 1 MiB record announced in a small arena moves on to one that holds it whole", () => {
    const pool = new BufferPool(4 << 20, 0, 8);
    const d = new RecordDecoder(2 << 20, pool);
    const body = randomBytes((1 << 20) + 100);
    const got: ReceivedRecord[] = [];
    readInPlace(d, encodeRecord(body), 65536, (r) => got.push(r));
    assert.equal(got.length, 1);
    assert.ok(got[0]!.bytes.equals(body));
    assert.ok(got[0]!.bytes.buffer.byteLength >= body.length + 4);
    got[0]!.release();
  });

  it("pooled arenas: bytes stay intact until release, arenas are reused after it, and stay bounded", () => {
    const pool = new BufferPool(4 << 20, 0, 8);
    const d = new RecordDecoder(2 << 20, pool);
    const sizes = [1 << 20, 200, 1 << 20, 0, 5000, (1 << 20) - 3, 64, 1 << 20];
    const bodies: Buffer[] = [];
    for (let i = 0; i < 80; i++) bodies.push(randomBytes(sizes[i % sizes.length]!));
    const wire = Buffer.concat(bodies.map((b) => encodeRecord(b)));
    const held: { r: ReceivedRecord; want: Buffer }[] = [];
    let seen = 0;
    readInPlace(d, wire, 150_000, (r) => {
      held.push({ r, want: bodies[seen++]! });
      // Four calls in flight, as a pipelining client keeps them: the oldest finishes.
      while (held.length > 4) {
        const h = held.shift()!;
        assert.ok(h.r.bytes.equals(h.want), "a record's bytes changed before its release");
        h.r.release();
        h.r.release(); // a second release is ignored
      }
    });
    for (const h of held) {
      assert.ok(h.r.bytes.equals(h.want));
      h.r.release();
    }
    assert.equal(seen, bodies.length);
    assert.equal(d.buffered, 0);
    assert.ok(pool.stats.reused > pool.stats.allocated, JSON.stringify(pool.stats));
    assert.ok(pool.stats.allocated <= 10, `arenas allocated: ${pool.stats.allocated}`);
    d.close();
    assert.ok(pool.size <= 16);
  });

  it("any chunking, any release order: every record intact (fast-check, pooled)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 1, max: 3 })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (spec, read, order) => {
          const pool = new BufferPool(1 << 20, 0, 2);
          const d = new RecordDecoder(300_000, pool);
          const bodies = spec.map(([n], i) => Buffer.alloc(n, i + 1));
          const wire = Buffer.concat(
            bodies.map((b, i) => encodeRecord(b, Math.ceil((b.length || 1) / spec[i]![1]))),
          );
          const held: { r: ReceivedRecord; want: Buffer }[] = [];
          let k = 0;
          let seen = 0;
          const check = (h: { r: ReceivedRecord; want: Buffer }): void => {
            assert.ok(h.r.bytes.equals(h.want));
            h.r.release();
          };
          readInPlace(d, wire, read, (r) => {
            held.push({ r, want: bodies[seen++]! });
            if (held.length > 3) check(held.splice((order[k++] ?? 0) % held.length, 1)[0]!);
          });
          held.forEach(check);
          assert.equal(seen, bodies.length);
          assert.equal(d.buffered, 0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
