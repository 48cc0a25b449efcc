import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { BUILTIN_SERVICES, builtinServices, parseServices } from "../../src/ports/services.ts";
import { ROOT } from "../helpers/proc.ts";

const fixture = readFileSync(`${ROOT}/test/ports/fixtures/services`, "utf8");

describe("/etc/services parsing", () => {
  const { table, skipped } = parseServices(fixture);

  it("reads name, port/protocol and aliases, with comments anywhere", () => {
    assert.deepEqual(table.byPortProto(80, "tcp"), {
      name: "http",
      port: 80,
      proto: "tcp",
      aliases: ["www"],
      line: 7,
    });
    assert.deepEqual(table.byPortProto(8080, "tcp")?.aliases, ["webcache"]);
    assert.equal(table.byPortProto(20048, "udp")?.name, "mountd"); // `#` right after the protocol
    assert.equal(table.byPortProto(111, "udp")?.aliases[0], "portmapper");
  });

  it("looks up by port AND protocol", () => {
    assert.equal(table.byPortProto(53, "udp")?.name, "domain");
    assert.equal(table.byPortProto(22, "udp"), undefined);
    assert.equal(table.byPortProto(20048, "tcp"), undefined);
  });

  it("the first line for a port/protocol wins, as getservbyport's; later names still resolve by name", () => {
    assert.equal(table.byPortProto(53, "tcp")?.name, "domain");
    assert.equal(table.byNameProto("nameserver", "tcp")?.name, "dns-alias");
    assert.equal(table.byNameProto("www", "tcp")?.port, 80);
  });

  it("skips lines that are not entries and says why, like glibc never failing on them", () => {
    assert.deepEqual(
      skipped.map((s) => s.line),
      [15, 16, 17, 18],
    );
    assert.match(skipped[1]!.reason, /out of range/);
    assert.equal(table.entries.length, 12);
  });

  it("the built-in copy parses without a skipped line and names the common ports", () => {
    const parsed = parseServices(BUILTIN_SERVICES);
    assert.deepEqual(parsed.skipped, []);
    const b = builtinServices();
    const names = [
      [22, "tcp", "ssh"],
      [25, "tcp", "smtp"],
      [53, "tcp", "domain"],
      [53, "udp", "domain"],
      [80, "tcp", "http"],
      [111, "udp", "sunrpc"],
      [443, "tcp", "https"],
      [2049, "tcp", "nfs"],
      [20048, "udp", "mountd"],
    ] as const;
    for (const [port, proto, name] of names) assert.equal(b.byPortProto(port, proto)?.name, name);
  });

  it("the built-in copy leaves the lab's ports unnamed", () => {
    const b = builtinServices();
    for (const port of [7000, 7001, 8080, 8081, 8082, 8083, 8084, 8085])
      for (const proto of ["tcp", "udp"])
        assert.equal(b.byPortProto(port, proto), undefined, `${port}/${proto}`);
  });

  it("the built-in copy agrees with this machine's /etc/services where both name a port", (t) => {
    if (!existsSync("/etc/services")) {
      t.skip("no /etc/services here");
      return;
    }
    const sys = parseServices(readFileSync("/etc/services", "utf8")).table;
    for (const e of builtinServices().entries) {
      const s = sys.byPortProto(e.port, e.proto);
      if (s !== undefined) assert.equal(s.name, e.name, `${e.port}/${e.proto}`);
    }
  });
  it("property: any text parses without throwing, and every entry is a valid port/protocol", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 8 }), (lines) => {
        const { table } = parseServices(lines.join("\n"));
        for (const e of table.entries) {
          assert.ok(e.port >= 0 && e.port <= 65535);
          assert.ok(!/[\s#/]/.test(e.name) && !/[\s]/.test(e.proto));
        }
      }),
    );
  });
});
