import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, runNetsvc } from "../../helpers/proc.ts";
import { checkZoneFile, originFromFileName } from "../../../src/dns/zone/check.ts";

const G = join(ROOT, "test/dns/zone/golden");

describe("netsvc check for zone files (named-checkzone in spirit)", () => {
  it("a good zone: loaded serial, OK", async () => {
    const r = await checkZoneFile(join(G, "types.in"), { zone: "example.com" });
    assert.equal(r.ok, true);
    assert.deepEqual(r.lines.slice(-2), ["zone example.com/IN: loaded serial 1", "OK"]);
  });

  it("a bad zone: file:line: message for each error, then not loaded", async () => {
    const r = await checkZoneFile(join(G, "check-errors.in"), { zone: "example.com." });
    assert.equal(r.ok, false);
    assert.ok(r.lines.some((l) => l.endsWith("check-errors.in:10: www.example.com: CNAME and other data")));
    assert.equal(r.lines.at(-1), "zone example.com/IN: not loaded due to errors.");
  });

  it("derives the origin from db.NAME", () => {
    assert.equal(originFromFileName("/etc/bind/db.example.com"), "example.com");
    assert.equal(originFromFileName("example.net.zone"), "example.net");
    assert.equal(originFromFileName("zonefile"), undefined);
  });

  it("the CLI exits 0 / 1", async () => {
    const ok = await runNetsvc(["check", "--zone", "example.com", join(G, "directives.in")]);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /zone example\.com\/IN: loaded serial 2024010101\nOK\n$/);
    const bad = await runNetsvc(["check", "--zone", "example.com", join(G, "syntax-errors.in")]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /syntax-errors\.in:7: bad IPv4 address '300\.1\.1\.1'/);
  });
});
