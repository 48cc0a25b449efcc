import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildNamedConf } from "../../../src/dns/config/build.ts";
import { assertGolden } from "../../helpers/golden.ts";
import { ROOT } from "../../helpers/proc.ts";
import { renderConf } from "./render.ts";

/**
 * Golden files: each test/dns/config/golden/X.in is a named.conf (accepted and rejected constructs
 * side by side); X.out is every error and warning (file:line:col) and, when it is valid, the model.
 * UPDATE_GOLDEN=1 rewrites the .out files.
 */
const dir = join(ROOT, "test/dns/config/golden");

describe("named.conf golden files", () => {
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith(".in"))
    .sort()) {
    it(name, () => {
      const file = join(dir, name);
      const r = buildNamedConf(file);
      const strip = (s: string): string => s.split(`${dir}/`).join("");
      const lines = [...r.errors, ...r.warnings].map((e) => `${strip(e.toString())} [${e.code}]`);
      if (r.conf) lines.push("--- model", ...renderConf(r.conf, dir));
      else lines.push("--- invalid");
      assertGolden(join(dir, name.replace(/\.in$/, ".out")), `${lines.join("\n")}\n`);
    });
  }
});
