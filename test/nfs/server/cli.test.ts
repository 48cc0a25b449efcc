import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import * as M from "../../../src/nfs/mount/types.ts";
import * as P from "../../../src/nfs/rpc/portmap/types.ts";
import { authSys, RpcClient } from "../../../src/nfs/server/rpc-client.ts";
import { runNetsvc, startNetsvc, type Running } from "../../helpers/proc.ts";
import { needTool } from "../../helpers/tools.ts";

/**
 * `netsvc nfs` as a user runs it: the lab exports served from a copy of the lab data, NFS and
 * MOUNT on port 0, the port mapper on a port picked at run time; real clients (libnfs) where
 * they can be pointed at those ports, our RPC client for the rest.
 */
const run = promisify(execFile);
let LAB = "";

/** The lab layout (as lab/exports and lab/data): two exports, a secret, a user's directory. */
function makeLab(): string {
  const d = mkdtempSync(`${tmpdir()}/netsvc-lab-`);
  mkdirSync(`${d}/data/opt/lab7/public`, { recursive: true });
  mkdirSync(`${d}/data/opt/lab7/private/student`, { recursive: true });
  writeFileSync(`${d}/data/opt/lab7/public/secret.txt`, "The secret word is: lighthouse\n");
  writeFileSync(`${d}/data/opt/lab7/private/student/README.txt`, "Your private directory.\n");
  writeFileSync(
    `${d}/exports`,
    "# The lab's two NFS exports\n/opt/lab7/public\t*(ro,all_squash,insecure,no_subtree_check)\n" +
      "/opt/lab7/private\t127.0.0.0/8(rw,root_squash,insecure,no_subtree_check)\n",
  );
  return d;
}

before(() => {
  LAB = makeLab();
});
after(() => rmSync(LAB, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

describe("netsvc nfs (CLI, real clients)", () => {
  let dir: string;
  let srv: Running;
  let nfsPort: number;
  let mountPort: number;
  let pmPort: number;
  const url = (path: string, q = "") =>
    `nfs://127.0.0.1${path}?version=3&nfsport=${nfsPort}&mountport=${mountPort}${q}`;

  before(async () => {
    dir = mkdtempSync(`${tmpdir()}/netsvc-nfs-`);
    cpSync(`${labDir()}/data`, `${dir}/data`, { recursive: true });
    cpSync(`${labDir()}/exports`, `${dir}/exports`);
    pmPort = await freePort();
    srv = await startNetsvc([
      "nfs",
      "-e",
      `${dir}/exports`,
      "--root",
      `${dir}/data`,
      "--listen",
      "127.0.0.1",
      "--port",
      "0",
      "--mount-port",
      "0",
      "--portmap-port",
      String(pmPort),
    ]);
    nfsPort = srv.endpoints.find((e) => e.role === "nfs" && e.proto === "tcp")!.port;
    mountPort = srv.endpoints.find((e) => e.role === "mount" && e.proto === "tcp")!.port;
  });
  after(async () => {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists every endpoint in the ready line", () => {
    assert.deepEqual(srv.endpoints.map((e) => `${e.role}/${e.proto}`).sort(), [
      "mount/tcp",
      "mount/udp",
      "nfs/tcp",
      "nfs/udp",
      "portmap/tcp",
      "portmap/udp",
    ]);
    assert.equal(srv.endpoints.find((e) => e.role === "portmap")!.port, pmPort);
  });

  it("nfs-ls and nfs-cat mount the lab's public export and read the secret", async (t) => {
    if (!needTool(t, "nfs-ls")) return;
    const ls = await run("nfs-ls", [url("/opt/lab7/public")], { timeout: 10_000 });
    assert.match(ls.stdout, /secret\.txt/);
    const cat = await run("nfs-cat", [url("/opt/lab7/public/secret.txt")], { timeout: 10_000 });
    assert.match(cat.stdout, /lighthouse/);
    const sub = await run("nfs-ls", [url("/opt/lab7/private/student", "&uid=1000&gid=1000")], {
      timeout: 10_000,
    });
    assert.match(sub.stdout, /README\.txt/, "MNT of a directory inside an export");
  });

  it("the port mapper answers DUMP with NFS and MOUNT registered", async () => {
    const c = await RpcClient.tcp("127.0.0.1", pmPort);
    const r = await c.call(P.PMAP_PROG, 2, P.PMAPPROC_DUMP);
    assert.ok(r.kind === "accepted");
    const list = r.body.list(P.decodeMapping).map((m) => `${m.prog}/${m.vers}/${m.prot}/${m.port}`);
    for (const want of [
      `100003/3/6/${nfsPort}`,
      `100003/3/17/${nfsPort}`,
      `100005/3/6/${mountPort}`,
      `100000/2/17/${pmPort}`,
    ])
      assert.ok(list.includes(want), `${want} in ${list.join(" ")}`);
    c.close();
  });

  it("MNT of a missing path fails with NOENT (nfs-ls reports it)", async (t) => {
    if (!needTool(t, "nfs-ls")) return;
    await assert.rejects(run("nfs-ls", [url("/opt/lab7/nothere")], { timeout: 10_000 }), /MNT3ERR_NOENT/);
  });

  it("SIGHUP: a client the new exports do not list is refused at MNT and on NFS calls", async (t) => {
    // Mount first (the handle stays valid as long as the export exists).
    const m = await RpcClient.tcp("127.0.0.1", mountPort);
    const r = await m.call(M.MOUNT_PROGRAM, 3, M.MOUNTPROC3_MNT, (w) => w.string("/opt/lab7/public"), {
      cred: authSys({ uid: 1000 }),
    });
    assert.ok(r.kind === "accepted");
    assert.equal(r.body.u32(), 0);
    const fh = r.body.opaque(64);

    writeFileSync(
      `${dir}/exports`,
      "/opt/lab7/public 127.0.0.2(ro,insecure)\n/opt/lab7/private 127.0.0.0/8(rw,insecure)\n",
    );
    const seen = srv.logs.length;
    srv.child.kill("SIGHUP");
    await srv.waitLog((l) => l.msg === "exports reloaded" && srv.logs.indexOf(l) >= seen);

    const again = await m.call(M.MOUNT_PROGRAM, 3, M.MOUNTPROC3_MNT, (w) => w.string("/opt/lab7/public"));
    assert.ok(again.kind === "accepted");
    assert.equal(again.body.u32(), M.MNT3ERR_ACCES);
    m.close();
    const n = await RpcClient.tcp("127.0.0.1", nfsPort);
    const g = await n.call(100003, 3, 1 /* GETATTR */, (w) => w.opaque(fh, 64), {
      cred: authSys({ uid: 1000 }),
    });
    assert.ok(g.kind === "accepted");
    assert.equal(g.body.u32(), 13, "NFS3ERR_ACCES");
    n.close();
    if (needTool(t, "nfs-ls"))
      await assert.rejects(run("nfs-ls", [url("/opt/lab7/public")], { timeout: 10_000 }), /MNT3ERR_ACCES/);

    // A broken file is refused and the running exports stay.
    writeFileSync(`${dir}/exports`, "/opt/lab7/public *(ro,bogus)\n");
    const before = srv.logs.length;
    srv.child.kill("SIGHUP");
    const fail = await srv.waitLog(
      (l) => l.msg === "reload failed, keeping the running configuration" && srv.logs.indexOf(l) >= before,
    );
    assert.match(String(fail.error), /exports:1:\d+: unknown option 'bogus'/);
    const p = await RpcClient.tcp("127.0.0.1", mountPort);
    const ex = await p.call(M.MOUNT_PROGRAM, 3, M.MOUNTPROC3_EXPORT);
    assert.ok(ex.kind === "accepted");
    assert.deepEqual(
      ex.body.list((x) => `${x.string(1024)} ${x.list((y) => y.string(255)).join(",")}`),
      ["/opt/lab7/public 127.0.0.2", "/opt/lab7/private 127.0.0.0/8"],
    );
    p.close();
  });

  it("SIGTERM drains and exits 0", async () => {
    const other = await startNetsvc([
      "nfs",
      "-e",
      `${labDir()}/exports`,
      "--root",
      `${labDir()}/data`,
      "--listen",
      "127.0.0.1",
      "--port",
      "0",
      "--mount-port",
      "0",
      "--portmap-port",
      String(await freePort()),
    ]);
    assert.equal(await other.stop("SIGTERM"), 0);
  });
});

describe("netsvc nfs and check: errors and exit codes", () => {
  it("check exports: file:line:col errors, exit 1; the lab file passes", async () => {
    const dir = mkdtempSync(`${tmpdir()}/netsvc-chk-`);
    writeFileSync(`${dir}/exports`, "/ok *(ro)\n/x 10.0.0.0/8(rw,frobnicate)\n/y @staff(rw)\n");
    const bad = await runNetsvc(["check", `${dir}/exports`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /exports:2:\d+: unknown option 'frobnicate'/);
    assert.match(bad.stdout, /exports:3:4: netgroups are not supported/);
    const good = await runNetsvc(["check", `${labDir()}/exports`]);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    rmSync(dir, { recursive: true, force: true });
  });

  it("an invalid exports file: exit 1 with every error; a bad port: exit 2", async () => {
    const dir = mkdtempSync(`${tmpdir()}/netsvc-bad-`);
    writeFileSync(`${dir}/exports`, "/a *(nope)\nrelative *(ro)\n");
    const r = await runNetsvc([
      "nfs",
      "-e",
      `${dir}/exports`,
      "--port",
      "0",
      "--mount-port",
      "0",
      "--portmap-port",
      "0",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exports:1:6: unknown option 'nope'/);
    assert.match(r.stderr, /exports:2:1: export path 'relative' is not absolute/);
    assert.equal((await runNetsvc(["nfs", "-e", `${dir}/exports`, "--port", "70000"])).code, 2);
    assert.equal((await runNetsvc(["nfs"])).code, 2, "-e is required");
    // A port in use (here the MOUNT port, after NFS bound): exit 1 at once, naming the address.
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const taken = (busy.address() as { port: number }).port;
    writeFileSync(`${dir}/ok`, "/a *(ro)\n");
    const inUse = await runNetsvc([
      "nfs",
      "-e",
      `${dir}/ok`,
      "--listen",
      "127.0.0.1",
      "--port",
      "0",
      "--mount-port",
      String(taken),
      "--portmap-port",
      "0",
    ]);
    busy.close();
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken}`));
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("rpcinfo and showmount against netsvc on port 111", () => {
  it("rpcinfo -p and showmount -e see the lab exports (only as root with 111 free)", async (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root for port 111");
    if (!(await portFree(111))) return t.skip("port 111 is in use");
    if (!needTool(t, "rpcinfo") || !needTool(t, "showmount")) return;
    const s = await startNetsvc([
      "nfs",
      "-e",
      `${labDir()}/exports`,
      "--root",
      `${labDir()}/data`,
      "--listen",
      "127.0.0.1",
      "--port",
      "0",
      "--mount-port",
      "0",
      "--portmap-port",
      "111",
    ]);
    try {
      const nfsPort = s.endpoints.find((e) => e.role === "nfs")!.port;
      const p = await run("rpcinfo", ["-p", "127.0.0.1"], { timeout: 10_000 });
      assert.match(p.stdout, new RegExp(`100003\\s+3\\s+tcp\\s+${nfsPort}\\s+nfs`));
      assert.match(p.stdout, /100005\s+3\s+udp\s+\d+\s+mountd/);
      assert.match(p.stdout, /100000\s+4\s+tcp\s+111\s+portmapper/);
      const e = await run("showmount", ["-e", "127.0.0.1"], { timeout: 10_000 });
      assert.match(e.stdout, /\/opt\/lab7\/public\s+\*/);
      assert.match(e.stdout, /\/opt\/lab7\/private\s+127\.0\.0\.0\/8/);
      const t3 = await run("rpcinfo", ["-t", "127.0.0.1", "nfs", "3"], { timeout: 10_000 });
      assert.match(t3.stdout, /ready and waiting/);
      if (needTool(t, "nfs-ls")) {
        const ls = await run("nfs-ls", ["nfs://127.0.0.1/opt/lab7/public?version=3"], { timeout: 10_000 });
        assert.match(ls.stdout, /secret\.txt/, "libnfs found the ports through the port mapper");
      }
    } finally {
      await s.stop();
    }
  });
});

function labDir(): string {
  return LAB;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "0.0.0.0", () => s.close(() => resolve(true)));
  });
}
