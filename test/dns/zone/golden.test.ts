import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { assertGolden } from "../../helpers/golden.ts";
import { ROOT } from "../../helpers/proc.ts";
import { dumpZone } from "../../../src/dns/zone/dump.ts";
import { loadZoneSync, ZoneErrors } from "../../../src/dns/zone/parse.ts";

/**
 * Golden files (STYLE habit 13): each test/dns/zone/golden/NAME.in is a zone file for
 * example.com; NAME.out is what loading it gives: warnings then the records in canonical order,
 * or the errors and warnings with their lines. UPDATE_GOLDEN=1 rewrites the .out files.
 */
const DIR = join(ROOT, "test/dns/zone/golden");

function render(file: string): string {
  const rel = (s: string): string => s.split(DIR + "/").join("");
  try {
    const { zone, warnings } = loadZoneSync(file, "example.com");
    return [
      ...[...warnings].sort((a, b) => a.line - b.line).map((w) => rel(w.toString())),
      `; serial ${zone.serial}, ${zone.recordCount} records`,
      dumpZone(zone),
    ].join("\n");
  } catch (e) {
    if (!(e instanceof ZoneErrors)) throw e;
    const all = [...e.errors, ...e.warnings].sort((a, b) => a.line - b.line || a.file.localeCompare(b.file));
    return all.map((x) => `${rel(x.toString())}  [${x.code}]`).join("\n") + "\n; rejected\n";
  }
}

describe("zone files (golden)", () => {
  for (const name of readdirSync(DIR)
    .filter((f) => f.endsWith(".in"))
    .sort()) {
    it(name, () => {
      const file = join(DIR, name);
      readFileSync(file); // exists
      assertGolden(join(DIR, name.replace(/\.in$/, ".out")), render(file));
    });
  }
});
