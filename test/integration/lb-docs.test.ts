import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseConfigText } from "../../src/lb/config/index.ts";
import { ROOT } from "../helpers/proc.ts";

/** Every ```haproxy example in docs/lb.md is a valid configuration (CoreDNS's readme_test habit). */
describe("docs/lb.md examples", () => {
  const text = readFileSync(join(ROOT, "docs", "lb.md"), "utf8");
  const blocks = [...text.matchAll(/```haproxy\n([\s\S]*?)```/g)].map((m) => m[1]!);
  it("has examples", () => assert.ok(blocks.length >= 2));
  for (const [i, block] of blocks.entries()) {
    it(`example ${i + 1} loads without errors`, () => {
      const r = parseConfigText(block, `docs/lb.md#${i + 1}`, {});
      assert.deepEqual(
        r.errors.map((e) => e.toString()),
        [],
      );
      assert.ok(r.config !== undefined);
    });
  }
});
