import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { NodeTable } from "../../../src/dns/zone/table.ts";

describe("NodeTable (off-heap zone index)", () => {
  it("behaves like a Map under sets, replacements, growth and compaction", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({
              unit: fc.constantFrom("a", "b", "z", "0", "\u0001", "\u0003"),
              minLength: 1,
              maxLength: 12,
            }),
            fc.uint8Array({ maxLength: 300 }),
          ),
          { maxLength: 400 },
        ),
        (ops) => {
          const t = new NodeTable();
          const m = new Map<string, Uint8Array>();
          for (const [k, v] of ops) {
            t.set(k, v);
            m.set(k, v);
          }
          const check = (): void => {
            assert.equal(t.size, m.size);
            for (const [k, v] of m) assert.deepEqual(new Uint8Array(t.get(k)!), new Uint8Array(v));
            assert.deepEqual([...t.keys()].sort(), [...m.keys()].sort());
            assert.equal(t.get("absent-key"), undefined);
            assert.equal(t.has("absent-key"), false);
          };
          check();
          t.compact();
          check();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("spreads entries over 1 MiB chunks", () => {
    const t = new NodeTable(10);
    const big = new Uint8Array(300_000).fill(7);
    for (let i = 0; i < 10; i++) t.set(`k${i}`, big);
    for (let i = 0; i < 10; i++) assert.equal(t.get(`k${i}`)!.length, 300_000);
    assert.throws(() => t.set("huge", new Uint8Array(1 << 20)), RangeError);
  });
});
