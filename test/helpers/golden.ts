import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";

/**
 * Compare `actual` with a golden file; rewrite it instead when UPDATE_GOLDEN=1.
 * Golden files live under test/ in the source tree (not dist/), so pass a path from the repo root.
 */
export function assertGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === "1") {
    writeFileSync(path, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(path, "utf8");
  } catch {
    assert.fail(`golden file ${path} is missing; run with UPDATE_GOLDEN=1 to create it`);
  }
  assert.equal(actual, expected, `output differs from ${path} (UPDATE_GOLDEN=1 rewrites it)`);
}
