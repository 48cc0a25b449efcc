import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dispatch, pick, release, setAdmin, setWeight } from "../../../src/lb/engine/backend.ts";
import { buildMap, sdbm } from "../../../src/lb/engine/balance/map.ts";
import { sourceHash } from "../../../src/lb/engine/balance/source.ts";
import { backendFrom, req, servers } from "./fixture.ts";

const names = (be: ReturnType<typeof backendFrom>, n: number, r = req()): string[] =>
  Array.from({ length: n }, () => pick(be, r)?.name ?? "-");

describe("balance roundrobin", () => {
  it("rotates in declaration order with equal weights", () => {
    const be = backendFrom(["balance roundrobin", ...servers(3)]);
    assert.deepEqual(names(be, 7), ["s0", "s1", "s2", "s0", "s1", "s2", "s0"]);
  });
  it("interleaves weights as HAProxy's fwrr does (5:1:1)", () => {
    const be = backendFrom([
      "balance roundrobin",
      "server a 127.0.0.1:1 weight 5",
      "server b 127.0.0.1:2",
      "server c 127.0.0.1:3",
    ]);
    const seq = names(be, 14);
    assert.deepEqual(seq.slice(0, 7), ["a", "a", "a", "b", "a", "a", "c"]);
    assert.deepEqual(seq.slice(7), seq.slice(0, 7));
  });
  it("honours weights 3:1 over many picks and weight changes at run time", () => {
    const be = backendFrom([
      "balance roundrobin",
      "server a 127.0.0.1:1 weight 3",
      "server b 127.0.0.1:2 weight 1",
    ]);
    const seq = names(be, 400);
    assert.equal(seq.filter((n) => n === "a").length, 300);
    assert.ok(!seq.join(",").includes("a,a,a,a"), "interleaved: never 4 a in a row");
    setWeight(be, be.byName.get("b")!, 3);
    const after = names(be, 100);
    assert.equal(after.filter((n) => n === "a").length, 50);
  });
  it("skips servers that are down, in maintenance, or with weight 0", () => {
    const be = backendFrom(["balance roundrobin", ...servers(3), "server z 127.0.0.1:9 weight 0"]);
    setAdmin(be, be.byName.get("s1")!, "MAINT");
    assert.deepEqual(names(be, 4), ["s0", "s2", "s0", "s2"]);
    setAdmin(be, be.byName.get("s0")!, "DRAIN");
    assert.deepEqual(names(be, 2), ["s2", "s2"]);
  });
});

describe("balance static-rr", () => {
  it("walks HAProxy's weighted map", () => {
    const be = backendFrom(["balance static-rr", "server a 127.0.0.1:1 weight 2", "server b 127.0.0.1:2"]);
    assert.deepEqual(names(be, 6), ["a", "a", "b", "a", "a", "b"]);
  });
  it("buildMap puts the first declared first and respects weights", () => {
    const be = backendFrom([
      "balance static-rr",
      "server a 127.0.0.1:1 weight 1",
      "server b 127.0.0.1:2 weight 3",
    ]);
    const map = buildMap(be.eligible).map((s) => s.name);
    assert.equal(map.length, 4);
    assert.equal(map.filter((n) => n === "b").length, 3);
  });
});

describe("balance leastconn", () => {
  it("picks the server with the fewest live connections, ties in turn", () => {
    const be = backendFrom(["balance leastconn", ...servers(3)]);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = dispatch(be, req());
      assert.equal(d.kind, "server");
      if (d.kind === "server") got.push(d.server.name);
    }
    assert.deepEqual(got.sort(), ["s0", "s1", "s2"]);
    release(be, be.byName.get("s1")!);
    assert.equal(pick(be, req())?.name, "s1");
    release(be, be.byName.get("s0")!);
    release(be, be.byName.get("s2")!);
    const t = names(be, 3);
    assert.equal(new Set(t).size, 3, "idle servers take turns");
  });
  it("weights scale the load", () => {
    const be = backendFrom([
      "balance leastconn",
      "server a 127.0.0.1:1 weight 2",
      "server b 127.0.0.1:2 weight 1",
    ]);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 30; i++) {
      const d = dispatch(be, req());
      if (d.kind === "server") counts[d.server.name as "a" | "b"]++;
    }
    assert.equal(counts.a, 20);
    assert.equal(counts.b, 10);
  });
});

describe("balance first", () => {
  it("fills the first server up to its maxconn before using the next", () => {
    const be = backendFrom([
      "balance first",
      "server a 127.0.0.1:1 maxconn 2",
      "server b 127.0.0.1:2 maxconn 2",
    ]);
    const got = Array.from({ length: 4 }, () => {
      const d = dispatch(be, req());
      return d.kind === "server" ? d.server.name : d.kind;
    });
    assert.deepEqual(got, ["a", "a", "b", "b"]);
    assert.equal(dispatch(be, req()).kind, "queued");
  });
});

describe("hash algorithms (map-based, as HAProxy's default hash-type)", () => {
  it("source: the IPv4 address modulo the total weight; stable; v4-mapped is the same client", () => {
    const be = backendFrom(["balance source", ...servers(4)]);
    assert.equal(sourceHash("10.0.0.7"), 0x0a000007);
    const a = names(be, 5, req({ src: "10.0.0.7" }));
    assert.equal(new Set(a).size, 1);
    assert.equal(a[0], `s${0x0a000007 % 4}`);
    assert.equal(pick(be, req({ src: "::ffff:10.0.0.7" }))?.name, a[0]);
    const spread = new Set(Array.from({ length: 40 }, (_, i) => pick(be, req({ src: `10.0.1.${i}` }))?.name));
    assert.equal(spread.size, 4);
  });
  it("uri: sdbm of the path (query ignored unless whole)", () => {
    const be = backendFrom(["balance uri", ...servers(3)]);
    const h = sdbm(new TextEncoder().encode("/img/a.png"));
    assert.equal(pick(be, req({ uri: "/img/a.png?x=1" }))?.name, `s${h % 3}`);
    assert.equal(pick(be, req({ uri: "/img/a.png?y=2" }))?.name, `s${h % 3}`);
    const whole = backendFrom(["balance uri whole", ...servers(3)]);
    const hw = sdbm(new TextEncoder().encode("/img/a.png?x=1"));
    assert.equal(pick(whole, req({ uri: "/img/a.png?x=1" }))?.name, `s${hw % 3}`);
  });
  it("sdbm treats bytes as signed chars like HAProxy", () => {
    assert.equal(sdbm(new Uint8Array([0x61])), 0x61);
    assert.equal(sdbm(new Uint8Array([0xff])), 0xffffffff);
  });
  it("hdr(NAME): same value, same server; missing header falls back to round-robin", () => {
    const be = backendFrom(["balance hdr(X-User)", ...servers(3)]);
    const r = req({ headers: { "x-user": "alice" } });
    assert.equal(new Set(names(be, 5, r)).size, 1);
    assert.equal(pick(be, r)?.name, `s${sdbm(new TextEncoder().encode("alice")) % 3}`);
    assert.deepEqual(names(be, 3), ["s0", "s1", "s2"]);
  });
  it("stays stable while the server set does not change, and remaps when it does", () => {
    const be = backendFrom(["balance source", ...servers(3)]);
    const before = Array.from({ length: 20 }, (_, i) => pick(be, req({ src: `192.168.0.${i}` }))?.name);
    const again = Array.from({ length: 20 }, (_, i) => pick(be, req({ src: `192.168.0.${i}` }))?.name);
    assert.deepEqual(again, before);
    setAdmin(be, be.byName.get("s2")!, "MAINT");
    const after = Array.from({ length: 20 }, (_, i) => pick(be, req({ src: `192.168.0.${i}` }))?.name);
    assert.ok(!after.includes("s2"));
  });
});

describe("balance random", () => {
  it("draws two and keeps the less loaded (power of two choices)", () => {
    let i = 0;
    const seq = [0.1, 0.9, 0.1, 0.9];
    const be = backendFrom(["balance random", ...servers(2)], undefined, () => seq[i++ % seq.length]!);
    const d1 = dispatch(be, req());
    assert.equal(d1.kind === "server" && d1.server.name, "s0");
    // s0 now has a connection: drawing s0 and s1 keeps s1.
    const d2 = dispatch(be, req());
    assert.equal(d2.kind === "server" && d2.server.name, "s1");
  });
  it("random(1) follows the draw", () => {
    const be = backendFrom(["balance random(1)", ...servers(4)], undefined, () => 0.6);
    assert.equal(pick(be, req())?.name, "s2");
  });
});

describe("a rotation shared by the processes of --workers N (BalanceEnv.share)", () => {
  /** N strided copies taking turns, as the primary hands connections out in turn. */
  const together = (
    lines: string[],
    n: number,
    picks: number,
    between?: (bes: ReturnType<typeof backendFrom>[], i: number) => void,
  ): string[] => {
    const bes = Array.from({ length: n }, (_, index) =>
      backendFrom(lines, undefined, undefined, { index, count: n }),
    );
    const out: string[] = [];
    for (let i = 0; i < picks; i++) {
      between?.(bes, i);
      out.push(pick(bes[i % n]!, req())?.name ?? "-");
    }
    return out;
  };
  for (const algo of ["roundrobin", "static-rr"]) {
    for (const n of [2, 3]) {
      it(`${algo}, ${n} processes: together they follow one process's rotation (weights 5:1:2:1)`, () => {
        const lines = [
          `balance ${algo}`,
          "server a 127.0.0.1:1 weight 5",
          "server b 127.0.0.1:2",
          "server c 127.0.0.1:3 weight 2",
          "server d 127.0.0.1:4",
        ];
        assert.deepEqual(together(lines, n, 54), names(backendFrom(lines), 54));
      });
    }
  }
  it("stays together when a server goes down and comes back in every process", () => {
    const lines = ["balance roundrobin", ...servers(4)];
    const flip = (bes: ReturnType<typeof backendFrom>[], i: number): void => {
      if (i !== 10 && i !== 20) return;
      for (const be of bes) setAdmin(be, be.byName.get("s1")!, i === 10 ? "MAINT" : "READY");
    };
    const one = backendFrom(lines);
    const alone = Array.from({ length: 40 }, (_, i) => {
      flip([one], i);
      return pick(one, req())?.name ?? "-";
    });
    assert.deepEqual(together(lines, 2, 40, flip), alone);
  });
  it("leaves other algorithms alone (leastconn is per process)", () => {
    const lines = ["balance leastconn", ...servers(3)];
    const be = backendFrom(lines, undefined, undefined, { index: 1, count: 2 });
    assert.equal(pick(be, req())?.name, "s0");
  });
});
