import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildNamedConf } from "../../../src/dns/config/build.ts";
import { ROOT } from "../../helpers/proc.ts";

/** Every ```named.conf example in docs/dns.md is a valid configuration. */
describe("docs/dns.md examples", () => {
  const md = readFileSync(join(ROOT, "docs/dns.md"), "utf8");
  const blocks = [...md.matchAll(/```named\.conf\n([\s\S]*?)```/g)].map((m) => m[1]!);
  it("has examples", () => assert.ok(blocks.length >= 2));
  blocks.forEach((text, i) => {
    it(`example ${i + 1} is accepted`, () => {
      const r = buildNamedConf("/docs/named.conf", () => text);
      assert.deepEqual(r.errors.map(String), []);
      assert.ok(r.conf!.zones.length >= 1);
    });
  });
});
