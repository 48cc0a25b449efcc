import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../../helpers/proc.ts";
import { needTool } from "../../helpers/tools.ts";
import { dumpZone } from "../../../src/dns/zone/dump.ts";
import { loadZoneSync, ZoneErrors } from "../../../src/dns/zone/parse.ts";

/**
 * BIND as the oracle for the zone reader: every golden zone that BIND accepts must load to the
 * same records as `named-compilezone` prints (compared as sets of normalised lines), and every
 * zone BIND rejects must be rejected here too.
 */
const DIR = join(ROOT, "test/dns/zone/golden");

function norm(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith(";"))
    .map((l) => l.split(/\s+/).join(" ").toLowerCase())
    .sort();
}

const CASES: [string, string][] = [
  ...readdirSync(DIR)
    .filter((f) => f.endsWith(".in"))
    .sort()
    .map((f): [string, string] => [DIR, f]),
  // the lab zone and the conformance zone ($INCLUDE, $GENERATE, RFC 3597...), as served
  [join(ROOT, "test/fixtures/dns/lab"), "db.example.com"],
  [join(ROOT, "test/fixtures/dns/conformance"), "db.example.com"],
];

describe("zone reader vs named-compilezone", () => {
  for (const [dir, name] of CASES) {
    it(join(dir.slice(ROOT.length), name), (t) => {
      if (!needTool(t, "named-compilezone")) return;
      const tmp = mkdtempSync(join(tmpdir(), "zone-oracle-"));
      try {
        let bind: string | undefined;
        try {
          execFileSync(
            "named-compilezone",
            ["-q", "-k", "ignore", "-i", "none", "-s", "full", "-o", join(tmp, "out"), "example.com", name],
            {
              cwd: dir,
              stdio: "ignore",
            },
          );
          bind = readFileSync(join(tmp, "out"), "utf8");
        } catch {
          bind = undefined;
        }
        let ours: string | undefined;
        try {
          ours = dumpZone(loadZoneSync(join(dir, name), "example.com").zone);
        } catch (e) {
          if (!(e instanceof ZoneErrors)) throw e;
        }
        // named-compilezone -i none skips the NS/glue integrity checks that we (and
        // named-checkzone) make, so only compare where BIND accepted
        if (bind === undefined) assert.equal(ours, undefined, "BIND rejects this zone, we load it");
        else if (ours !== undefined) {
          // BIND splits long hex/base64 fields with spaces; join them back
          const joined = (l: string) => l.replace(/([0-9a-z+/=]{8,}) (?=[0-9a-z+/=]{2,}$)/, "$1");
          assert.deepEqual(norm(ours), norm(bind).map(joined).sort());
        } else if (!name.startsWith("check-")) assert.fail("BIND accepts this zone, we reject it");
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});
