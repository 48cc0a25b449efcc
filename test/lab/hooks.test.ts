import assert from "node:assert/strict";
import { describe, it } from "node:test";
import dnsPacket from "dns-packet";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labStats, withLabStats as dnsWithLab } from "../../src/dns/server/lab-stats.ts";
import { S, Stats } from "../../src/dns/stats/counters.ts";
import { loadZoneSync } from "../../src/dns/zone/parse.ts";
import type { ServerView } from "../../src/dns/view.ts";
import { ZoneSet } from "../../src/dns/zone/zone.ts";
import { countingProgram, withLabStats as nfsWithLab } from "../../src/nfs/server/lab-stats.ts";
import type { Program } from "../../src/nfs/rpc/types.ts";
import { memoryLogger } from "../../src/lib/log.ts";

/** The service-side hooks of `netsvc up`'s dashboard: counting wrappers and their pass-through. */
function query(type: string, name = "example.com"): Buffer {
  return dnsPacket.encode({ type: "query", id: 1, questions: [{ type: type as "A", name }] });
}

function answer(rcode: number): Buffer {
  const b = Buffer.alloc(12);
  b[2] = 0x84;
  b[3] = rcode;
  return b;
}

describe("lab stats hooks", () => {
  it("reads the dashboard's DNS figures from the server's counters (src/dns/stats)", () => {
    const st = new Stats();
    const q = (type: string): void => {
      const p = query(type);
      st.qtypeAt(p, p.length - 4); // the question's QTYPE sits before its QCLASS
    };
    st.scalar[S.queriesUdp] = 4;
    st.scalar[S.queriesTcp] = 1;
    for (const t of ["A", "A", "MX", "TXT", "AXFR"]) q(t);
    const big = query("A");
    big.writeUInt16BE(65280, big.length - 4); // a private-use type: counted in the "other" slot
    st.qtypeAt(big, big.length - 4);
    st.response(answer(0), true);
    st.response(answer(0), true);
    st.response(answer(3), true);
    st.response(answer(5), false);
    const s = labStats(st.snapshot(), undefined);
    assert.equal(s.queries, 5);
    assert.deepEqual(s.qtypes, { A: 2, MX: 1, TXT: 1, AXFR: 1, other: 1 });
    assert.deepEqual(s.rcodes, { NOERROR: 2, NXDOMAIN: 1, REFUSED: 1 });
    assert.equal(s.zones, null);
  });

  it("lists the zones of the view in force, with serial and record count", () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-hooks-"));
    try {
      const file = join(dir, "db.example.com");
      writeFileSync(
        file,
        "$TTL 300\n@ IN SOA ns1 admin 7 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\nwww IN A 127.0.0.2\n",
      );
      const { zone } = loadZoneSync(file, "example.com");
      const view = { zones: new ZoneSet([zone]) } as unknown as ServerView;
      assert.deepEqual(labStats(new Stats().snapshot(), view).zones, [
        { name: "example.com.", serial: 7, records: 4 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("counts NFS procedures by name without changing what they do", async () => {
    const ops = new Map<string, number>();
    const proc = {
      name: "GETATTR",
      decode: () => 7,
      run: (a: number) => a * 2,
      encode: () => undefined,
      idempotent: true,
    };
    const p: Program = { prog: 100003, vers: 3, name: "nfs", procs: [undefined, proc] };
    const c = countingProgram(p, ops);
    assert.equal(c.procs[0], undefined);
    const ctx = {} as never;
    assert.equal(await c.procs[1]!.run(21, ctx), 42);
    await c.procs[1]!.run(1, ctx);
    assert.deepEqual(Object.fromEntries(ops), { GETATTR: 2 });
    assert.equal(c.procs[1]!.name, "GETATTR");
    assert.equal(c.procs[1]!.idempotent, true);
  });

  it("changes nothing outside the lab", () => {
    const saved = process.env.NETSVC_LAB;
    delete process.env.NETSVC_LAB;
    try {
      const d = { configFile: "x", log: memoryLogger(), workers: 1 };
      assert.equal(dnsWithLab(d), d);
      const n = { exportsFile: "x" } as Parameters<typeof nfsWithLab>[0];
      assert.equal(nfsWithLab(n), n);
    } finally {
      if (saved !== undefined) process.env.NETSVC_LAB = saved;
    }
  });
});
