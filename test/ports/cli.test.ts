import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Listener } from "../../src/ports/listeners.ts";
import { runNetsvc } from "../helpers/proc.ts";

describe("netsvc ports: the command", () => {
  it("prints netstat's title and header, exit 0", async () => {
    const r = await runNetsvc(["ports"]);
    assert.equal(r.code, 0, r.stderr);
    const [title, header] = r.stdout.split("\n");
    assert.equal(title, "Active Internet connections (only servers)");
    assert.match(
      header!,
      /^Proto Recv-Q Send-Q Local Address {11}Foreign Address {9}State {7}PID\/Program name {5}Service$/,
    );
  });

  it("--json prints an array of listener objects", async () => {
    const r = await runNetsvc(["ports", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Listener[];
    assert.ok(Array.isArray(rows));
    for (const row of rows) {
      assert.match(row.proto, /^(tcp|udp)6?$/);
      assert.ok(row.localPort >= 0 && row.localPort <= 65535);
      assert.ok(row.state === "LISTEN" || row.state === "UNCONN");
    }
  });

  it("usage errors exit 2", async () => {
    assert.equal((await runNetsvc(["ports", "--bogus"])).code, 2);
    assert.equal((await runNetsvc(["ports", "extra"])).code, 2);
  });
});
