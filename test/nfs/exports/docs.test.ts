import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseExports } from "../../../src/nfs/exports/parse.ts";
import { repoRoot } from "./root.ts";

/** Every ```exports block in docs/nfs.md parses without errors (the docs cannot rot). */
describe("docs/nfs.md examples", () => {
  const doc = readFileSync(`${repoRoot()}/docs/nfs.md`, "utf8");
  const blocks = [...doc.matchAll(/```exports\n([\s\S]*?)```/g)].map((m) => m[1]!);
  it("has exports examples", () => assert.ok(blocks.length > 0));
  blocks.forEach((text, i) => {
    it(`example ${i + 1} is a valid exports file`, () => {
      const { diagnostics, exports } = parseExports(text, `docs/nfs.md#${i + 1}`);
      assert.deepEqual(diagnostics.map(String), []);
      assert.ok(exports.length > 0);
    });
  });
});
