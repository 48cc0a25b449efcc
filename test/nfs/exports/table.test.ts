import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientText } from "../../../src/nfs/exports/client.ts";
import { DEFAULT_OPTIONS } from "../../../src/nfs/exports/options.ts";
import { parseExports } from "../../../src/nfs/exports/parse.ts";
import { ExportTable, squash } from "../../../src/nfs/exports/table.ts";
import { checkExportsText } from "../../../src/nfs/exports/check.ts";
import { buildExports } from "../../../src/nfs/exports/load.ts";
import type { AuthSysCred } from "../../../src/nfs/rpc/types.ts";

function table(
  text: string,
  names: Record<string, string[]> = {},
  hosts: Record<string, string[]> = {},
): ExportTable {
  const { exports, diagnostics } = parseExports(text, "exports", "/data");
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error").map(String), []);
  return new ExportTable(exports, { addressesOf: (n) => hosts[n] ?? [], namesOf: (a) => names[a] ?? [] });
}

const cred = (uid: number, gid: number, gids: number[] = []): AuthSysCred => ({
  stamp: 0,
  machinename: "m",
  uid,
  gid,
  gids,
});
const cl = (address: string, port = 700) => ({ address, port, transport: "tcp" as const });

describe("exports client matching", () => {
  const t = table(
    [
      "/srv *(ro) *.lab.example(rw,anonuid=7) 10.0.0.0/8(rw,anonuid=8) 10.1.0.0/16(rw,anonuid=9) 10.1.2.3(rw,anonuid=10) builder(rw,anonuid=11)",
      "/priv 127.0.0.0/8(rw) ::1(rw)",
    ].join("\n"),
    { "192.168.9.9": ["pc.lab.example"], "10.9.9.9": ["x.lab.example"] },
    { builder: ["192.168.50.50"] },
  );
  const anon = (addr: string) => {
    const d = t.access("/srv", cl(addr), null);
    return d.allowed ? d.uid : d.reason;
  };

  it("picks the most specific spec: host, then the longest network, then wildcards, then *", () => {
    assert.equal(anon("10.1.2.3"), 10, "single address");
    assert.equal(anon("10.1.5.5"), 9, "/16 before /8");
    assert.equal(anon("10.9.9.9"), 8, "network before a matching wildcard");
    assert.equal(anon("192.168.9.9"), 7, "wildcard on the reverse name");
    assert.equal(anon("192.168.50.50"), 11, "host name resolved to its address");
    assert.equal(anon("8.8.8.8"), 65534, "world");
  });

  it("matches v4-mapped v6 addresses as IPv4 and refuses clients matching no spec", () => {
    assert.equal(t.access("/priv", cl("::ffff:127.0.0.1"), null).allowed, true);
    assert.equal(t.access("/priv", cl("::1"), null).allowed, true);
    const d = t.access("/priv", cl("192.168.1.1"), null);
    assert.equal(d.allowed ? "allowed" : d.reason, "no-match");
    const gone = t.access("/nope", cl("127.0.0.1"), null);
    assert.equal(gone.allowed ? "allowed" : gone.reason, "no-export");
    assert.equal(t.knowsClient("192.168.1.1"), true, "the world spec of /srv");
  });

  it("requires a reserved source port for secure exports", () => {
    const s = table("/s 127.0.0.1(rw) \n/i 127.0.0.1(rw,insecure)");
    const hi = s.access("/s", cl("127.0.0.1", 40000), null);
    assert.equal(hi.allowed ? "allowed" : hi.reason, "insecure-port");
    assert.equal(s.access("/s", cl("127.0.0.1", 1023), null).allowed, true);
    assert.equal(s.access("/i", cl("127.0.0.1", 40000), null).allowed, true);
  });

  it("finds the export of a MNT path (longest prefix, components below it)", () => {
    const m = table("/a *(ro)\n/a/b *(ro)\n/ab *(ro)");
    assert.deepEqual(m.forMount("/a/b/c/d"), { entry: m.get("/a/b"), sub: ["c", "d"] });
    assert.deepEqual(m.forMount("/a"), { entry: m.get("/a"), sub: [] });
    assert.deepEqual(m.forMount("/ab/x")?.entry.path, "/ab");
    assert.equal(m.forMount("/abc"), undefined);
  });

  it("read-only follows ro/rw of the matching spec", () => {
    const d = t.access("/srv", cl("10.1.2.3"), null);
    assert.ok(d.allowed);
    assert.equal(d.readOnly, false);
    const w = t.access("/srv", cl("8.8.8.8"), null);
    assert.ok(w.allowed);
    assert.equal(w.readOnly, true);
    assert.equal(clientText(w.spec.match), "*");
  });
});

describe("exports squashing (man 5 exports, User ID Mapping)", () => {
  const o = DEFAULT_OPTIONS;
  it("root_squash maps uid 0, gid 0 and group 0 to the anonymous ids", () => {
    assert.deepEqual(squash(o, cred(0, 0, [0, 5])), { uid: 65534, gid: 65534, gids: [65534, 5] });
    assert.deepEqual(squash(o, cred(1000, 1000, [4])), { uid: 1000, gid: 1000, gids: [4] });
  });
  it("no_root_squash keeps root; all_squash maps everyone and drops the groups", () => {
    assert.deepEqual(squash({ ...o, rootSquash: false }, cred(0, 0, [0])), { uid: 0, gid: 0, gids: [0] });
    assert.deepEqual(squash({ ...o, allSquash: true, anonuid: 99, anongid: 98 }, cred(1000, 1000, [4])), {
      uid: 99,
      gid: 98,
      gids: [],
    });
  });
  it("AUTH_NONE callers are anonymous", () => {
    assert.deepEqual(squash({ ...o, rootSquash: false }, null), { uid: 65534, gid: 65534, gids: [] });
  });
  it("the lab exports: public squashes everybody, private squashes root only", () => {
    const lab = table(
      "/opt/lab7/public *(ro,all_squash,insecure)\n/opt/lab7/private 127.0.0.0/8(rw,root_squash,insecure)",
    );
    const p = lab.access("/opt/lab7/public", cl("127.0.0.1", 50000), cred(1000, 1000));
    assert.ok(p.allowed);
    assert.deepEqual([p.uid, p.gid, p.readOnly], [65534, 65534, true]);
    const q = lab.access("/opt/lab7/private", cl("127.0.0.1", 50000), cred(0, 0));
    assert.ok(q.allowed);
    assert.deepEqual([q.uid, q.gid, q.readOnly], [65534, 65534, false]);
    const u = lab.access("/opt/lab7/private", cl("127.0.0.1", 50000), cred(1000, 1000));
    assert.ok(u.allowed);
    assert.equal(u.uid, 1000);
  });
});

describe("exports check and load", () => {
  it("every diagnostic carries a stable code", () => {
    const { diagnostics } = parseExports(
      'rel *(ro)\n/a *(bogus)\n/b @ng(ro)\n/c host(rw\n/d (rw)\n/a *(ro)\n"/e\n',
      "ex",
    );
    assert.deepEqual(
      diagnostics.map((d) => `${d.line}:${d.code}:${d.severity}`),
      [
        "1:EXPORTS_PATH:error",
        "2:EXPORTS_OPTION:error",
        "3:EXPORTS_CLIENT:error",
        "4:EXPORTS_SYNTAX:error",
        "5:EXPORTS_NO_HOST:warning",
        "7:EXPORTS_SYNTAX:error",
      ],
    );
  });

  it("check reports errors with file:line:col and fails; a valid file passes with a summary", () => {
    const bad = checkExportsText("/ok *(ro)\n/x *(rw,nope)\n/y @grp(ro)\n", "ex");
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.lines, [
      "ex:2:9: unknown option 'nope'",
      "ex:3:4: netgroups are not supported: '@grp' (list the hosts or networks)",
    ]);
    const good = checkExportsText("/ok *(ro)\n/w (rw)\n", "ex");
    assert.equal(good.ok, true);
    assert.deepEqual(good.lines, [
      "ex:2:4: warning: No host name given with /w (rw), suggest *(rw) to avoid warning",
      "ex: 2 exports, 2 client specs: OK",
    ]);
  });

  it("load throws every error at once and resolves host names", async () => {
    await assert.rejects(buildExports("/a *(bogus)\n/b *(worse)\n", "ex"), (e: unknown) => {
      assert.match((e as Error).message, /ex:1:6: unknown option .bogus.\nex:2:6: unknown option .worse./);
      return true;
    });
    const { table: t } = await buildExports("/a localhost(rw)\n", "ex");
    assert.equal(t.access("/a", cl("127.0.0.1", 100), null).allowed, true);
  });
});
