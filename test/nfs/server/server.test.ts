import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { after, before, describe, it } from "node:test";
import { memoryLogger } from "../../../src/lib/log.ts";
import * as M from "../../../src/nfs/mount/types.ts";
import * as C from "../../../src/nfs/rpc/constants.ts";
import * as P from "../../../src/nfs/rpc/portmap/types.ts";
import { NULL_PROC, VOID, type Procedure, type Program } from "../../../src/nfs/rpc/types.ts";
import type { NfsDeps, NfsV3Service } from "../../../src/nfs/server/deps.ts";
import { authSys, RpcClient } from "../../../src/nfs/server/rpc-client.ts";
import { NfsServer } from "../../../src/nfs/server/server.ts";

/**
 * The server process in-process, with an NFS program double (prog 100003 v3): 0 NULL, 1 WHOAMI
 * (answers the squashed uid, or 13 when refused), 2 SLOW (takes 300 ms), 3 MAKE (non-idempotent,
 * counts its runs). The real NFS v3 procedures are exercised by the CLI test with libnfs.
 */
function fakeNfs(deps: NfsDeps, runs: { make: number }): NfsV3Service {
  const whoami: Procedure<string, number> = {
    name: "WHOAMI",
    idempotent: true,
    decode: (r) => r.string(1024),
    run: (path, ctx) => {
      const d = deps.exports.access(path, ctx.client, ctx.cred);
      return d.allowed ? d.uid : 13;
    },
    encode: (w, v) => w.u32(v),
  };
  const slow: Procedure<undefined, number> = {
    name: "SLOW",
    idempotent: true,
    decode: VOID.decode,
    run: () => new Promise<number>((r) => setTimeout(() => r(7), 300)),
    encode: (w, v) => w.u32(v),
  };
  const make: Procedure<string, number> = {
    name: "MAKE",
    idempotent: false,
    decode: (r) => r.string(255),
    run: () => ++runs.make,
    encode: (w, v) => w.u32(v),
  };
  const program: Program = { prog: 100003, vers: 3, name: "nfs", procs: [NULL_PROC, whoami, slow, make] };
  return {
    program,
    mount: {
      mountHandle: (exp, sub) =>
        Promise.resolve({ status: 0, handle: Buffer.from([exp.path, ...sub].join("/")) }),
    },
  };
}

describe("NFS server process (in-process, port 0)", () => {
  let dir: string;
  let server: NfsServer;
  const log = memoryLogger();
  const runs = { make: 0 };
  const port = (role: string, proto = "tcp") =>
    server.endpoints.find((e) => e.role === role && e.proto === proto)!.port;

  before(async () => {
    dir = mkdtempSync(`${tmpdir()}/nfs-server-`);
    writeFileSync(`${dir}/exports`, "/pub *(ro,insecure,all_squash)\n/priv 127.0.0.1(rw,insecure)\n");
    server = await NfsServer.start({
      exportsFile: `${dir}/exports`,
      root: dir,
      host: "127.0.0.1",
      nfsPort: 0,
      mountPort: 0,
      portmapPort: await freePort(),
      log,
      createNfs: (deps) => fakeNfs(deps, runs),
      maxRecord: 4096,
    });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("logs one ready line with every endpoint (TCP and UDP on one port per role)", () => {
    const ready = log.lines.find((l) => l.msg === "ready")!;
    const eps = ready.endpoints as { proto: string; role: string; port: number }[];
    assert.deepEqual(eps.map((e) => `${e.role}/${e.proto}`).sort(), [
      "mount/tcp",
      "mount/udp",
      "nfs/tcp",
      "nfs/udp",
      "portmap/tcp",
      "portmap/udp",
    ]);
    assert.ok(eps.every((e) => e.port > 0));
    assert.equal(port("nfs", "udp"), port("nfs", "tcp"));
    assert.equal(ready.portmap, "own");
  });

  it("the portmapper knows NFS and MOUNT on both transports (v2 GETPORT, v4 GETADDR)", async () => {
    for (const transport of ["tcp", "udp"] as const) {
      const c = await (transport === "tcp"
        ? RpcClient.tcp("127.0.0.1", port("portmap"))
        : RpcClient.udp("127.0.0.1", port("portmap")));
      try {
        for (const [prog, vers, role] of [
          [100003, 3, "nfs"],
          [100005, 3, "mount"],
          [100005, 1, "mount"],
          [P.PMAP_PROG, 2, "portmap"],
        ] as const) {
          for (const [prot, proto] of [
            [P.IPPROTO_TCP, "tcp"],
            [P.IPPROTO_UDP, "udp"],
          ] as const) {
            const r = await c.call(P.PMAP_PROG, 2, P.PMAPPROC_GETPORT, (w) =>
              P.encodeMapping(w, { prog, vers, prot, port: 0 }),
            );
            assert.ok(r.kind === "accepted");
            assert.equal(r.body.u32(), port(role, proto), `${prog}/${vers}/${proto} via ${transport}`);
          }
        }
        const a = await c.call(P.PMAP_PROG, 4, P.RPCBPROC_GETADDR, (w) =>
          P.encodeRpcb(w, { prog: 100003, vers: 3, netid: "tcp", addr: "", owner: "" }),
        );
        assert.ok(a.kind === "accepted");
        const p = port("nfs");
        assert.equal(a.body.string(100), `127.0.0.1.${p >> 8}.${p & 255}`);
      } finally {
        c.close();
      }
    }
  });

  it("MOUNT over TCP and UDP; the per-call access decision squashes", async () => {
    for (const make of [
      (h: string, p: number) => RpcClient.tcp(h, p),
      (h: string, p: number) => RpcClient.udp(h, p),
    ]) {
      const m = await make("127.0.0.1", port("mount"));
      const r = await m.call(M.MOUNT_PROGRAM, 3, M.MOUNTPROC3_MNT, (w) => w.string("/priv/sub"), {
        cred: authSys({ uid: 1000 }),
      });
      assert.ok(r.kind === "accepted" && r.stat === C.SUCCESS);
      assert.equal(r.body.u32(), M.MNT3_OK);
      assert.equal(r.body.opaque(64).toString(), "/priv/sub");
      m.close();
      const n = await make("127.0.0.1", port("nfs"));
      const who = async (path: string, uid: number) => {
        const x = await n.call(100003, 3, 1, (w) => w.string(path), { cred: authSys({ uid }) });
        assert.ok(x.kind === "accepted");
        return x.body.u32();
      };
      assert.equal(await who("/priv", 1000), 1000);
      assert.equal(await who("/priv", 0), 65534, "root_squash");
      assert.equal(await who("/pub", 1000), 65534, "all_squash");
      n.close();
    }
  });

  it("NFS and MOUNT answer only their own programs", async () => {
    const n = await RpcClient.tcp("127.0.0.1", port("nfs"));
    const r = await n.call(M.MOUNT_PROGRAM, 3, 0);
    assert.equal(r.stat, C.PROG_UNAVAIL);
    const v = await n.call(100003, 2, 0);
    assert.ok(v.kind === "accepted");
    assert.deepEqual([v.stat, v.low, v.high], [C.PROG_MISMATCH, 3, 3]);
    n.close();
  });

  it("a UDP retransmission of a non-idempotent call is answered from the cache", async () => {
    const u = await RpcClient.udp("127.0.0.1", port("nfs"));
    const xid = u.xid();
    const msg = u.buildCall(100003, 3, 3, (w) => w.string("f"), {}, xid);
    const first = u.waitReply(xid);
    u.sendMessage(msg);
    const a = await first;
    const second = u.waitReply(xid);
    u.sendMessage(msg);
    const b = await second;
    assert.ok(a.kind === "accepted" && b.kind === "accepted");
    assert.equal(a.body.u32(), b.body.u32());
    assert.equal(runs.make, 1);
    u.close();
  });

  it("pipelined calls on one connection are all answered, even when the client reads late", async () => {
    const n = await RpcClient.tcp("127.0.0.1", port("nfs"));
    const calls = Array.from({ length: 600 }, (_, i) =>
      n.call(100003, 3, 1, (w) => w.string(i % 2 ? "/priv" : "/pub")),
    );
    const replies = await Promise.all(calls);
    assert.equal(replies.filter((r) => r.stat === C.SUCCESS).length, 600);
    n.close();
  });

  it("a record over the maximum closes the TCP connection; others keep working", async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port: port("nfs") }, () => {
        const h = Buffer.alloc(4);
        h.writeUInt32BE((0x80000000 | 5000) >>> 0);
        s.write(h);
      });
      s.on("close", () => resolve(true));
      s.on("error", () => undefined);
      setTimeout(() => resolve(false), 3000).unref();
    });
    assert.equal(closed, true);
    const n = await RpcClient.tcp("127.0.0.1", port("nfs"));
    assert.equal((await n.call(100003, 3, 0)).stat, C.SUCCESS);
    n.close();
  });

  it("reload swaps a valid exports file and keeps the old one when the new one is invalid", async () => {
    writeFileSync(
      `${dir}/exports`,
      "/pub *(ro,insecure,all_squash)\n/priv 127.0.0.1(rw,insecure,no_root_squash)\n/new *(ro,insecure)\n",
    );
    await server.reload();
    assert.deepEqual(
      server.exports.list().map((e) => e.path),
      ["/pub", "/priv", "/new"],
    );
    writeFileSync(`${dir}/exports`, "/pub *(ro,bogus)\n");
    await assert.rejects(server.reload(), /unknown option 'bogus'/);
    assert.deepEqual(
      server.exports.list().map((e) => e.path),
      ["/pub", "/priv", "/new"],
    );
    const n = await RpcClient.tcp("127.0.0.1", port("nfs"));
    const x = await n.call(100003, 3, 1, (w) => w.string("/priv"), { cred: authSys({ uid: 0 }) });
    assert.ok(x.kind === "accepted");
    assert.equal(x.body.u32(), 0, "no_root_squash now");
    n.close();
  });
});

describe("NFS server lifecycle and rpcbind registration", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(`${tmpdir()}/nfs-server2-`);
    writeFileSync(`${dir}/exports`, "/pub *(ro,insecure)\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const start = (portmapPort: number, systemRpcbind?: { host: string; port: number }) => {
    const log = memoryLogger();
    return NfsServer.start({
      exportsFile: `${dir}/exports`,
      root: dir,
      host: "127.0.0.1",
      nfsPort: 0,
      mountPort: 0,
      portmapPort,
      log,
      createNfs: (deps) => fakeNfs(deps, { make: 0 }),
      ...(systemRpcbind ? { systemRpcbind } : {}),
    }).then((s) => ({ s, log }));
  };

  it("--portmap-port 0 registers with a running portmapper, unregisters on stop, or says there is none", async () => {
    const pm = await start(await freePort());
    const pmPort = pm.s.endpoints.find((e) => e.role === "portmap")!.port;
    const b = await start(0, { host: "127.0.0.1", port: pmPort });
    assert.equal(b.s.portmapMode, "system");
    assert.ok(
      b.log.lines.some((l) =>
        String(l.msg).includes(`registered NFS and MOUNT with the system rpcbind on 127.0.0.1:${pmPort}`),
      ),
    );
    const nfsPort = b.s.endpoints.find((e) => e.role === "nfs")!.port;
    assert.equal(pm.s.registry.find(100003, 3, "tcp")?.addr, `127.0.0.1.${nfsPort >> 8}.${nfsPort & 255}`);
    await b.s.stop();
    assert.equal(pm.s.registry.find(100003, 3, "tcp"), undefined, "unregistered on stop");
    await pm.s.stop();

    const none = await start(0, { host: "127.0.0.1", port: await freePort() });
    assert.equal(none.s.portmapMode, "none");
    assert.ok(none.log.lines.some((l) => l.level === "warn" && String(l.msg).startsWith("no portmapper on")));
    await none.s.stop();
  });

  it("serves IPv6 and registers tcp6/udp6", async () => {
    writeFileSync(`${dir}/exports6`, "/pub ::1(ro,insecure)\n");
    const log = memoryLogger();
    const s = await NfsServer.start({
      exportsFile: `${dir}/exports6`,
      root: dir,
      host: "::1",
      nfsPort: 0,
      mountPort: 0,
      portmapPort: await freePort(),
      log,
      createNfs: (deps) => fakeNfs(deps, { make: 0 }),
    });
    try {
      assert.equal(s.registry.find(100005, 3, "tcp6")?.addr.startsWith("::1."), true);
      const m = await RpcClient.tcp("::1", s.endpoints.find((e) => e.role === "mount")!.port);
      const r = await m.call(M.MOUNT_PROGRAM, 3, M.MOUNTPROC3_MNT, (w) => w.string("/pub"));
      assert.ok(r.kind === "accepted");
      assert.equal(r.body.u32(), M.MNT3_OK);
      m.close();
    } finally {
      await s.stop();
    }
  });

  it("secure exports: a reserved source port is let in, a high one refused", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("binding a source port below 1024 needs root");
    writeFileSync(`${dir}/exports-secure`, "/pub 127.0.0.1(ro)\n");
    const s = await NfsServer.start({
      exportsFile: `${dir}/exports-secure`,
      root: dir,
      host: "127.0.0.1",
      nfsPort: 0,
      mountPort: 0,
      portmapPort: await freePort(),
      log: memoryLogger(),
      createNfs: (deps) => fakeNfs(deps, { make: 0 }),
    });
    try {
      const mport = s.endpoints.find((e) => e.role === "mount")!.port;
      const status = async (localPort?: number) => {
        const c = await RpcClient.tcp("127.0.0.1", mport, localPort ? { localPort } : {});
        const r = await c.call(M.MOUNT_PROGRAM, 3, M.MOUNTPROC3_MNT, (w) => w.string("/pub"));
        c.close();
        assert.ok(r.kind === "accepted");
        return r.body.u32();
      };
      assert.equal(await status(), M.MNT3ERR_ACCES);
      let ok: number | undefined;
      for (let p = 1023; p > 900 && ok === undefined; p--) {
        try {
          ok = await status(p);
        } catch {
          // that reserved port is taken or in TIME_WAIT: try the next
        }
      }
      assert.equal(ok, M.MNT3_OK);
    } finally {
      await s.stop();
    }
  });

  it("stop lets a call in flight finish and be answered", async () => {
    const { s } = await start(await freePort());
    const n = await RpcClient.tcp("127.0.0.1", s.endpoints.find((e) => e.role === "nfs")!.port);
    const slow = n.call(100003, 3, 2);
    await new Promise((r) => setTimeout(r, 50));
    const stopped = s.stop();
    const r = await slow;
    assert.ok(r.kind === "accepted");
    assert.equal(r.body.u32(), 7);
    await stopped;
    n.close();
  });

  it("an invalid exports file fails the start with every error", async () => {
    writeFileSync(`${dir}/bad`, "/a *(nope)\n/b @ng(rw)\n");
    await assert.rejects(
      NfsServer.start({
        exportsFile: `${dir}/bad`,
        root: dir,
        host: "127.0.0.1",
        nfsPort: 0,
        mountPort: 0,
        portmapPort: 0,
        log: memoryLogger(),
        createNfs: (deps) => fakeNfs(deps, { make: 0 }),
      }),
      (e: Error) => /bad:1:6: unknown option 'nope'/.test(e.message) && /bad:2:4: netgroups/.test(e.message),
    );
  });
});

/** A port that was free a moment ago (the portmapper port cannot be 0: 0 means "use the system's"). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}
