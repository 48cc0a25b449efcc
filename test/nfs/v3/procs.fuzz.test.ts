/**
 * Every NFSv3 procedure, fed random argument bytes and random well-formed calls, either refuses to
 * decode (GARBAGE_ARGS) or answers with an NFS status: run() never throws (which the dispatcher
 * would answer SYSTEM_ERR) and the memory store never leaks.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { MemoryStore } from "../../../src/nfs/vfs/memory.ts";
import type { XdrWriter } from "../../../src/nfs/xdr/writer.ts";
import {
  Harness,
  ROOT,
  localKind,
  memoryKind,
  createArgs,
  dirop,
  readArgs,
  readdirArgs,
  readdirplusArgs,
  sattr,
  setattrArgs,
  writeArgs,
} from "./harness.ts";

const SEED = 20261125;

describe("NFSv3 procedures under random input", () => {
  it("random argument bytes: decode throws or the call answers", async () => {
    const h = new Harness(new MemoryStore());
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 21 }),
        fc.uint8Array({ maxLength: 200 }),
        async (proc, bytes) => {
          let ok = true;
          try {
            h.decode(proc, Buffer.from(bytes));
          } catch {
            ok = false;
          }
          if (!ok) return;
          const res = await h.call<{ status: number }>(proc, (w) => w.raw(bytes));
          assert.equal(typeof res.status, "number");
        },
      ),
      { seed: SEED, numRuns: 1500 },
    );
  });

  for (const kind of [memoryKind, localKind]) {
    it(`random well-formed calls on a small tree (${kind.name} store) always answer`, async () => {
      const made = kind.make();
      const h = new Harness(made.store);
      const handles: Buffer[] = [h.root];
      const names = ["a", "b", "c", "..", ".", "a/b", ""];
      const anyHandle = fc.nat().map((i) => handles[i % handles.length]!);
      const name = fc.constantFrom(...names);
      const call = fc.oneof(
        fc.tuple(fc.constant(3), anyHandle, name).map(([p, d, n]) => [p, dirop(d, n)] as const),
        fc
          .tuple(
            fc.constant(8),
            anyHandle,
            name,
            fc.constantFrom<"unchecked" | "guarded">("unchecked", "guarded"),
          )
          .map(([p, d, n, m]) => [p, createArgs(d, n, m)] as const),
        fc.tuple(fc.constant(9), anyHandle, name).map(
          ([p, d, n]) =>
            [
              p,
              (w: XdrWriter) => {
                dirop(d, n)(w);
                sattr(w, { mode: 0o755 });
              },
            ] as const,
        ),
        fc.tuple(fc.constant(12), anyHandle, name).map(([p, d, n]) => [p, dirop(d, n)] as const),
        fc.tuple(fc.constant(13), anyHandle, name).map(([p, d, n]) => [p, dirop(d, n)] as const),
        fc.tuple(fc.constant(14), anyHandle, name, anyHandle, name).map(
          ([p, d, n, d2, n2]) =>
            [
              p,
              (w: XdrWriter) => {
                dirop(d, n)(w);
                dirop(d2, n2)(w);
              },
            ] as const,
        ),
        fc.tuple(fc.constant(15), anyHandle, anyHandle, name).map(
          ([p, f, d, n]) =>
            [
              p,
              (w: XdrWriter) => {
                w.opaque(f);
                dirop(d, n)(w);
              },
            ] as const,
        ),
        fc
          .tuple(fc.constant(7), anyHandle, fc.nat(5000), fc.uint8Array({ maxLength: 300 }))
          .map(([p, f, o, b]) => [p, writeArgs(f, o, Buffer.from(b))] as const),
        fc
          .tuple(fc.constant(6), anyHandle, fc.nat(5000), fc.nat(9000))
          .map(([p, f, o, c]) => [p, readArgs(f, o, c)] as const),
        fc
          .tuple(fc.constant(2), anyHandle, fc.option(fc.nat(6000), { nil: undefined }))
          .map(
            ([p, f, s]) =>
              [p, setattrArgs(f, s === undefined ? { mode: 0o700 } : { size: BigInt(s) })] as const,
          ),
        fc
          .tuple(fc.constant(16), anyHandle, fc.nat(10))
          .map(([p, d, c]) => [p, readdirArgs(d, BigInt(c), Buffer.alloc(8), 600)] as const),
        fc
          .tuple(fc.constant(17), anyHandle, fc.nat(10))
          .map(([p, d, c]) => [p, readdirplusArgs(d, BigInt(c), Buffer.alloc(8), 300, 900)] as const),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(call, { maxLength: 40 }), async (calls) => {
          for (const [proc, args] of calls) {
            const res = await h.call<{ status: number; fh?: Buffer; value?: { fh?: Buffer } }>(
              proc,
              args,
              ROOT,
            );
            assert.equal(typeof res.status, "number");
            const fh = res.value?.fh ?? res.fh;
            if (res.status === 0 && fh && handles.length < 64) handles.push(fh);
          }
        }),
        { seed: SEED, numRuns: 100 },
      );
      await made.cleanup();
    });
  }
});
