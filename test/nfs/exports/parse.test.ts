import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, it } from "node:test";
import { clientText } from "../../../src/nfs/exports/client.ts";
import { formatOptions } from "../../../src/nfs/exports/options.ts";
import { parseExports } from "../../../src/nfs/exports/parse.ts";
import { assertGolden } from "../../helpers/golden.ts";
import { repoRoot } from "./root.ts";

/**
 * Golden files: each NAME.in holds accepted and rejected lines side by side; NAME.out is every
 * diagnostic (file:line:col) followed by the model the accepted lines produced, clients in file
 * order. UPDATE_GOLDEN=1 rewrites the .out files.
 */
const DIR = `${repoRoot()}/test/nfs/exports/golden`;

export function render(name: string, text: string): string {
  const { exports, diagnostics } = parseExports(text, name, "/data");
  const out = diagnostics.map((d) => d.toString());
  out.push("---");
  for (const e of exports) {
    out.push(`${JSON.stringify(e.path)} -> ${e.localPath} (line ${e.pos.line})`);
    for (const c of e.clients)
      out.push(`  ${c.match.kind} ${clientText(c.match)} (${formatOptions(c.options)})`);
  }
  return out.join("\n") + "\n";
}

describe("exports parser (golden)", () => {
  for (const f of readdirSync(DIR).filter((n) => n.endsWith(".in"))) {
    it(f, () => {
      const text = readFileSync(`${DIR}/${f}`, "utf8");
      assertGolden(`${DIR}/${f.replace(/\.in$/, ".out")}`, render(f, text));
    });
  }
});

describe("exports parser (fuzz)", () => {
  it("never throws, and every diagnostic has a line within the file (fast-check)", () => {
    const piece = fc.oneof(
      fc.constantFrom(
        "/srv",
        '"/a b"',
        "*",
        "(",
        ")",
        "(rw)",
        "*(ro,sync)",
        "@g",
        "\\\n",
        "\n",
        "#c",
        " ",
        "\t",
        ",",
        "=",
      ),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const text = parts.join("");
        const lines = text.split("\n").length;
        const { diagnostics } = parseExports(text, "f");
        for (const d of diagnostics) assert.ok(d.line >= 1 && d.line <= lines, d.toString());
      }),
      { numRuns: 500 },
    );
  });
});
