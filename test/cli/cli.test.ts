import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ROOT, runNetsvc } from "../helpers/proc.ts";

describe("netsvc CLI contract", () => {
  it("--version prints the package version and exits 0", async () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { version: string };
    const r = await runNetsvc(["--version"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });
  it("--help lists the commands and exits 0", async () => {
    const r = await runNetsvc(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /check/);
  });
  it("an unknown command or option is a usage error: exit 2", async () => {
    assert.equal((await runNetsvc(["frobnicate"])).code, 2);
    assert.equal((await runNetsvc(["check", "--bogus", "x"])).code, 2);
  });
  it("check on a missing file exits 1", async () => {
    const r = await runNetsvc(["check", "/nonexistent/named.conf"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not found/);
  });
});
