import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { assertGolden } from "../../helpers/golden.ts";
import { ROOT } from "../../helpers/proc.ts";
import { checkHaproxyText } from "../../../src/lb/config/checker.ts";
import { parseConfigText } from "../../../src/lb/config/load.ts";

/**
 * Golden files (STYLE habit 13): each .in is a haproxy.cfg with accepted and rejected lines side by
 * side; the .out holds what `netsvc check` prints and, for a valid file, the model it builds.
 * UPDATE_GOLDEN=1 rewrites the .out files.
 */
const DIR = `${ROOT}test/lb/config/golden`;

function model(text: string, file: string): string {
  const r = parseConfigText(text, file, { HOME: "/home/lab" });
  if (r.config === undefined) return "";
  return JSON.stringify(r.config, (k, v: unknown) => (k === "pos" || k === "file" ? undefined : v), 1) + "\n";
}

describe("haproxy.cfg golden files", () => {
  for (const name of readdirSync(DIR)
    .filter((f) => f.endsWith(".in"))
    .sort()) {
    it(name, () => {
      const text = readFileSync(`${DIR}/${name}`, "utf8");
      const file = name.replace(/\.in$/, ".cfg");
      const check = checkHaproxyText(text, file, { HOME: "/home/lab" });
      const out = `${check.lines.join("\n")}\nexit ${check.ok ? 0 : 1}\n${model(text, file)}`;
      assertGolden(`${DIR}/${name.replace(/\.in$/, ".out")}`, out);
    });
  }
});
