import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/proc.ts";

/** docs/ports.md shows the output of the golden fixture (listeners.test.ts): keep the two in step. */
const doc = readFileSync(`${ROOT}/docs/ports.md`, "utf8");

function block(after: string): string {
  const i = doc.indexOf(`\`\`\`\n${after}\n`);
  assert.ok(i >= 0, `docs/ports.md has an example starting with '${after}'`);
  const start = i + 4 + after.length + 1;
  return doc.slice(start, doc.indexOf("```", start));
}

describe("docs/ports.md", () => {
  it("the table example is the golden table", () => {
    assert.equal(block("$ netsvc ports"), readFileSync(`${ROOT}/test/ports/golden/table.out`, "utf8"));
  });

  it("the JSON example is the first golden object", () => {
    const shown = block("$ netsvc ports --json").replace(/,\n {2}\.\.\.\n\]\n$/, "\n]\n");
    const golden = JSON.parse(readFileSync(`${ROOT}/test/ports/golden/listeners.json`, "utf8")) as unknown[];
    assert.deepEqual(JSON.parse(shown), [golden[0]]);
  });

  it("documents every JSON field", () => {
    const golden = JSON.parse(readFileSync(`${ROOT}/test/ports/golden/listeners.json`, "utf8")) as object[];
    for (const field of Object.keys(golden[0]!)) assert.ok(doc.includes(`\`${field}\``), field);
  });
});
