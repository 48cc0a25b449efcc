import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryLogger } from "../../../src/lib/log.ts";
import { parseExports } from "../../../src/nfs/exports/parse.ts";
import { ExportTable, LiveExports } from "../../../src/nfs/exports/table.ts";
import type { MountBackend } from "../../../src/nfs/mount/backend.ts";
import { mountPrograms } from "../../../src/nfs/mount/program.ts";
import { MountList } from "../../../src/nfs/mount/state.ts";
import * as M from "../../../src/nfs/mount/types.ts";
import { encodeAuthSys } from "../../../src/nfs/rpc/auth.ts";
import * as C from "../../../src/nfs/rpc/constants.ts";
import { Dispatcher } from "../../../src/nfs/rpc/dispatcher.ts";
import { decodeReply, encodeCallHeader } from "../../../src/nfs/rpc/message.ts";
import type { ClientInfo } from "../../../src/nfs/rpc/types.ts";
import type { XdrReader } from "../../../src/nfs/xdr/reader.ts";
import { XdrWriter } from "../../../src/nfs/xdr/writer.ts";

/** A file system double: a tree of directories and files under each export. */
const TREE = new Set(["/pub", "/pub/docs", "/pub/docs/a", "/priv", "/priv/student"]);
const FILES = new Set(["/pub/readme.txt"]);
const backend: MountBackend = {
  mountHandle(exp, sub) {
    const p = [exp.path, ...sub].join("/");
    if (FILES.has(p)) return Promise.resolve({ status: M.MNT3ERR_NOTDIR });
    if (!TREE.has(p)) return Promise.resolve({ status: M.MNT3ERR_NOENT });
    return Promise.resolve({ status: M.MNT3_OK, handle: Buffer.from(`fh:${p}`) });
  },
};

function setup(text = "/pub *(ro,insecure)\n/priv 127.0.0.0/8(rw,insecure) 10.0.0.1(rw)\n") {
  const { exports } = parseExports(text, "exports", "/data");
  const live = new LiveExports(new ExportTable(exports));
  const mounts = new MountList();
  const d = new Dispatcher({ log: memoryLogger() });
  for (const p of mountPrograms({ exports: live, backend, mounts, hostname: (c) => c.address }))
    d.register(p);
  return { d, mounts, live };
}

const local: ClientInfo = { address: "127.0.0.1", port: 50000, transport: "tcp" };

async function rpc(
  d: Dispatcher,
  vers: number,
  proc: number,
  args: (w: XdrWriter) => void = () => undefined,
  c = local,
) {
  const w = new XdrWriter();
  encodeCallHeader(w, {
    xid: 1,
    rpcvers: 2,
    prog: M.MOUNT_PROGRAM,
    vers,
    proc,
    cred: {
      flavor: C.AUTH_SYS,
      body: encodeAuthSys({ stamp: 0, machinename: "t", uid: 1000, gid: 1000, gids: [] }),
    },
    verf: { flavor: C.AUTH_NONE, body: Buffer.alloc(0) },
  });
  args(w);
  const out = await d.dispatch(w.finish(), c);
  assert.ok(out);
  const r = decodeReply(out);
  assert.equal(r.kind, "accepted");
  assert.ok(r.kind === "accepted");
  return r;
}

async function mnt(
  d: Dispatcher,
  path: string,
  c = local,
): Promise<{ status: number; fh?: string; flavors?: number[] }> {
  const r = await rpc(d, 3, M.MOUNTPROC3_MNT, (w) => w.string(path), c);
  assert.equal(r.stat, C.SUCCESS);
  const status = r.body.u32();
  if (status !== 0) return { status };
  return { status, fh: r.body.opaque(64).toString(), flavors: r.body.array(16, (x) => x.u32()) };
}

const readExports = (b: XdrReader) =>
  b.list((x) => ({ dir: x.string(1024), groups: x.list((y) => y.string(255)) }));

describe("MOUNT v3 (RFC 1813 §5)", () => {
  it("MNT returns the root handle and AUTH_SYS, also for a directory inside an export", async () => {
    const { d, mounts } = setup();
    assert.deepEqual(await mnt(d, "/pub"), { status: 0, fh: "fh:/pub", flavors: [C.AUTH_SYS] });
    assert.deepEqual(await mnt(d, "/pub/docs/a/"), {
      status: 0,
      fh: "fh:/pub/docs/a",
      flavors: [C.AUTH_SYS],
    });
    assert.deepEqual(await mnt(d, "/pub/docs/../docs"), {
      status: 0,
      fh: "fh:/pub/docs",
      flavors: [C.AUTH_SYS],
    });
    assert.deepEqual(
      mounts.list().map((m) => m.directory),
      ["/pub", "/pub/docs/a", "/pub/docs"],
    );
  });

  it("MNT errors: NOENT, NOTDIR, ACCES (no spec matches, secure port), INVAL", async () => {
    const { d } = setup();
    assert.equal((await mnt(d, "/nothere")).status, M.MNT3ERR_NOENT);
    assert.equal((await mnt(d, "/pub/missing")).status, M.MNT3ERR_NOENT);
    assert.equal((await mnt(d, "/pub/readme.txt")).status, M.MNT3ERR_NOTDIR);
    assert.equal((await mnt(d, "/priv", { ...local, address: "192.168.1.9" })).status, M.MNT3ERR_ACCES);
    assert.equal(
      (await mnt(d, "/priv", { ...local, address: "10.0.0.1" })).status,
      M.MNT3ERR_ACCES,
      "secure: port 50000",
    );
    assert.equal((await mnt(d, "/priv", { ...local, address: "10.0.0.1", port: 800 })).status, 0);
    assert.equal((await mnt(d, "pub")).status, M.MNT3ERR_INVAL);
    assert.equal((await mnt(d, "/../pub")).status, 0, "'..' above / stays at /");
  });

  it("MNT with a path over MNTPATHLEN is GARBAGE_ARGS", async () => {
    const { d } = setup();
    const r = await rpc(d, 3, M.MOUNTPROC3_MNT, (w) => w.string("/" + "x".repeat(1024)));
    assert.equal(r.stat, C.GARBAGE_ARGS);
  });

  it("EXPORT lists every export with its groups (v3 and v1)", async () => {
    const { d } = setup();
    for (const v of [1, 3]) {
      const r = await rpc(d, v, M.MOUNTPROC3_EXPORT);
      assert.deepEqual(readExports(r.body), [
        { dir: "/pub", groups: ["*"] },
        { dir: "/priv", groups: ["127.0.0.0/8", "10.0.0.1"] },
      ]);
    }
  });

  it("DUMP, UMNT and UMNTALL keep the mount list", async () => {
    const { d } = setup();
    await mnt(d, "/pub");
    await mnt(d, "/priv/student");
    const other = { ...local, address: "127.0.0.2" };
    await mnt(d, "/pub", other);
    const dump = async () =>
      (await rpc(d, 3, M.MOUNTPROC3_DUMP)).body.list((x) => `${x.string(255)}:${x.string(1024)}`).sort();
    assert.deepEqual(await dump(), ["127.0.0.1:/priv/student", "127.0.0.1:/pub", "127.0.0.2:/pub"]);
    await rpc(d, 3, M.MOUNTPROC3_UMNT, (w) => w.string("/pub"));
    assert.deepEqual(await dump(), ["127.0.0.1:/priv/student", "127.0.0.2:/pub"]);
    await rpc(d, 3, M.MOUNTPROC3_UMNTALL);
    assert.deepEqual(await dump(), ["127.0.0.2:/pub"]);
  });

  it("v1 has no MNT (NFSv2 handles are not served): PROC_UNAVAIL", async () => {
    const { d } = setup();
    assert.equal((await rpc(d, 1, 1, (w) => w.string("/pub"))).stat, C.PROC_UNAVAIL);
    assert.equal((await rpc(d, 2, 0)).stat, C.PROG_MISMATCH);
  });

  it("a reload that removes an export makes MNT answer NOENT", async () => {
    const { d, live } = setup();
    live.swap(new ExportTable(parseExports("/priv 127.0.0.1(rw,insecure)", "e", "/data").exports));
    assert.equal((await mnt(d, "/pub")).status, M.MNT3ERR_NOENT);
    assert.equal((await mnt(d, "/priv")).status, 0);
  });
});
