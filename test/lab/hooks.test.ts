import assert from "node:assert/strict";
import { describe, it } from "node:test";
import dnsPacket from "dns-packet";
import { countingEngine, questionType, withLabStats as dnsWithLab } from "../../src/dns/server/lab-stats.ts";
import type { Responder } from "../../src/dns/server/udp.ts";
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
  it("reads the QTYPE of the first question, and nothing from a truncated packet", () => {
    assert.equal(questionType(query("MX")), 15);
    assert.equal(questionType(query("AAAA", "a.b.c.example.com")), 28);
    assert.equal(questionType(query("A").subarray(0, 20)), undefined);
    assert.equal(questionType(Buffer.alloc(5)), undefined);
    const noQuestion = Buffer.alloc(12);
    assert.equal(questionType(noQuestion), undefined);
  });

  it("counts queries by type and answers by rcode, passing the engine's answers through", () => {
    const answers: Record<number, Buffer> = { 1: answer(0), 15: answer(3), 252: answer(5) };
    const base: Responder = {
      respond: (_v, p) => answers[questionType(p)!] ?? null,
      respondStream: (_v, p) => [answers[questionType(p)!]!],
    };
    const { engine, snapshot } = countingEngine(base);
    assert.equal(snapshot().zones, null);
    const view = { zones: new ZoneSet() } as unknown as ServerView;
    const client = { address: "127.0.0.1", transport: "udp" as const };
    assert.equal(engine.respond(view, query("A"), client), answers[1]);
    void engine.respond(view, query("A"), client);
    void engine.respond(view, query("MX"), client);
    void engine.respond(view, query("TXT"), client); // no answer (dropped)
    void engine.respondStream(view, query("AXFR"), { ...client, transport: "tcp" });
    const s = snapshot();
    assert.equal(s.queries, 5);
    assert.deepEqual(s.qtypes, { A: 2, MX: 1, TXT: 1, AXFR: 1 });
    assert.deepEqual(s.rcodes, { NOERROR: 2, NXDOMAIN: 1, REFUSED: 1 });
    assert.deepEqual(s.zones, []);
  });

  it("counts answers that an engine gives as promises (a resolver), returning them unchanged", async () => {
    const promised = Promise.resolve(answer(2));
    const base = {
      respond: () => promised,
      respondStream: () => Promise.resolve([answer(0)]),
    } as unknown as Responder;
    const { engine, snapshot } = countingEngine(base);
    const view = { zones: new ZoneSet() } as unknown as ServerView;
    const client = { address: "127.0.0.1", transport: "udp" as const };
    const out: unknown = engine.respond(view, query("NS"), client);
    assert.equal(out, promised);
    await (engine.respondStream(view, query("AXFR"), client) as unknown as Promise<Buffer[]>);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(snapshot().rcodes, { SERVFAIL: 1, NOERROR: 1 });
    assert.deepEqual(snapshot().qtypes, { NS: 1, AXFR: 1 });
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
