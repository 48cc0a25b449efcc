import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as T from "../../../src/nfs/v3/types.ts";
import type { GetattrRes } from "../../../src/nfs/v3/procs/getattr.ts";
import type { LookupRes } from "../../../src/nfs/v3/procs/lookup.ts";
import type { AccessRes } from "../../../src/nfs/v3/procs/access.ts";
import type { ReadRes } from "../../../src/nfs/v3/procs/read.ts";
import type { WriteRes } from "../../../src/nfs/v3/procs/write.ts";
import type { CreatedRes } from "../../../src/nfs/v3/dirop.ts";
import type { SetattrRes } from "../../../src/nfs/v3/procs/setattr.ts";
import type { ReadlinkRes } from "../../../src/nfs/v3/procs/readlink.ts";
import type { RemoveRes } from "../../../src/nfs/v3/procs/remove.ts";
import type { RenameRes } from "../../../src/nfs/v3/procs/rename.ts";
import type { LinkRes } from "../../../src/nfs/v3/procs/link.ts";
import type { ReaddirRes } from "../../../src/nfs/v3/procs/readdir.ts";
import type { ReaddirplusRes } from "../../../src/nfs/v3/procs/readdirplus.ts";
import type { FsstatRes } from "../../../src/nfs/v3/procs/fsstat.ts";
import type { FsinfoRes } from "../../../src/nfs/v3/procs/fsinfo.ts";
import type { PathconfRes } from "../../../src/nfs/v3/procs/pathconf.ts";
import type { CommitRes } from "../../../src/nfs/v3/procs/commit.ts";
import { XdrWriter } from "../../../src/nfs/xdr/writer.ts";
import { XdrReader } from "../../../src/nfs/xdr/reader.ts";
import {
  ALICE,
  BOB,
  Harness,
  IS_ROOT,
  createArgs,
  dirop,
  fh,
  localKind,
  memoryKind,
  readArgs,
  readdirArgs,
  readdirplusArgs,
  sattr,
  setattrArgs,
  writeArgs,
  type StoreKind,
} from "./harness.ts";

const ZERO: Buffer = Buffer.alloc(8);

for (const kind of [memoryKind, localKind] as StoreKind[]) {
  // The local store can give files to other users only when the tests run as root.
  const perms = kind.name === "memory" || IS_ROOT;
  describe(`NFSv3 procedures on the ${kind.name} store`, () => {
    let h: Harness;
    let made: ReturnType<StoreKind["make"]>;
    before(() => {
      made = kind.make();
      h = new Harness(made.store);
    });
    after(() => made.cleanup());

    const mk = async (dir: Buffer, name: string, data = "", mode = 0o644): Promise<Buffer> => {
      const r = await h.call<CreatedRes>(T.NFSPROC3_CREATE, createArgs(dir, name, "guarded", { mode }));
      assert.equal(r.status, T.NFS3_OK, `create ${name}`);
      if (data) {
        const w = await h.call<WriteRes>(T.NFSPROC3_WRITE, writeArgs(r.value!.fh, 0, Buffer.from(data), 2));
        assert.equal(w.status, T.NFS3_OK);
      }
      return r.value!.fh;
    };
    const mkdir = async (dir: Buffer, name: string, mode = 0o755): Promise<Buffer> => {
      const r = await h.call<CreatedRes>(T.NFSPROC3_MKDIR, (w) => {
        dirop(dir, name)(w);
        sattr(w, { mode });
      });
      assert.equal(r.status, T.NFS3_OK, `mkdir ${name}`);
      return r.value!.fh;
    };
    const lookup = (dir: Buffer, name: string, who = ALICE) =>
      h.call<LookupRes>(T.NFSPROC3_LOOKUP, dirop(dir, name), who);

    it("NULL answers", async () => {
      assert.equal(await h.call(T.NFSPROC3_NULL, () => undefined), undefined);
    });

    it("GETATTR: the root; BADHANDLE for foreign bytes; STALE for another export", async () => {
      const r = await h.call<GetattrRes>(T.NFSPROC3_GETATTR, fh(h.root));
      assert.equal(r.status, T.NFS3_OK);
      assert.equal(r.attr!.type, T.NF3DIR);
      assert.equal(
        (await h.call<GetattrRes>(T.NFSPROC3_GETATTR, fh(Buffer.from("nonsense")))).status,
        T.NFS3ERR_BADHANDLE,
      );
      const other = Buffer.from(h.root);
      other.writeUInt32BE(0xdeadbeef, 2);
      assert.equal((await h.call<GetattrRes>(T.NFSPROC3_GETATTR, fh(other))).status, T.NFS3ERR_STALE);
    });

    it("CREATE: GUARDED, UNCHECKED on an existing file, EXCLUSIVE replay; owner and wcc_data", async () => {
      const r = await h.call<CreatedRes>(
        T.NFSPROC3_CREATE,
        createArgs(h.root, "c1", "guarded", { mode: 0o640 }),
      );
      assert.equal(r.status, T.NFS3_OK);
      assert.equal(r.value!.attr.mode, 0o640);
      if (perms) assert.equal(r.value!.attr.uid, ALICE.uid);
      assert.ok(r.wcc.before && r.wcc.after, "dir wcc before and after");
      const again = await h.call<CreatedRes>(T.NFSPROC3_CREATE, createArgs(h.root, "c1", "guarded"));
      assert.equal(again.status, T.NFS3ERR_EXIST);
      assert.ok(again.wcc.after, "wcc on failure too");
      await h.call<WriteRes>(T.NFSPROC3_WRITE, writeArgs(r.value!.fh, 0, Buffer.from("hello")));
      const un = await h.call<CreatedRes>(
        T.NFSPROC3_CREATE,
        createArgs(h.root, "c1", "unchecked", { size: 0n }),
      );
      assert.equal(un.status, T.NFS3_OK);
      assert.deepEqual(un.value!.fh, r.value!.fh, "same object");
      assert.equal(un.value!.attr.size, 0n, "truncated by the attributes");

      const verf = Buffer.from("verifier");
      const x1 = await h.call<CreatedRes>(T.NFSPROC3_CREATE, createArgs(h.root, "excl", verf));
      assert.equal(x1.status, T.NFS3_OK);
      const x2 = await h.call<CreatedRes>(T.NFSPROC3_CREATE, createArgs(h.root, "excl", verf));
      assert.equal(x2.status, T.NFS3_OK, "a retransmission succeeds");
      assert.deepEqual(x2.value!.fh, x1.value!.fh);
      const x3 = await h.call<CreatedRes>(
        T.NFSPROC3_CREATE,
        createArgs(h.root, "excl", Buffer.from("another!")),
      );
      assert.equal(x3.status, T.NFS3ERR_EXIST);
      const s = await h.call<SetattrRes>(
        T.NFSPROC3_SETATTR,
        setattrArgs(x1.value!.fh, { mode: 0o600, mtime: "server" }),
      );
      assert.equal(s.status, T.NFS3_OK);
    });

    it("CREATE: bad names", async () => {
      for (const [name, status] of [
        ["a/b", T.NFS3ERR_ACCES],
        ["", T.NFS3ERR_ACCES],
        ["x\0y", T.NFS3ERR_ACCES],
        [".", T.NFS3ERR_EXIST],
        ["..", T.NFS3ERR_EXIST],
        ["n".repeat(256), T.NFS3ERR_NAMETOOLONG],
      ] as const) {
        const r = await h.call<CreatedRes>(T.NFSPROC3_CREATE, createArgs(h.root, name, "guarded"));
        assert.equal(r.status, status, JSON.stringify(name));
      }
      const ok = await h.call<CreatedRes>(T.NFSPROC3_CREATE, createArgs(h.root, "n".repeat(255), "guarded"));
      assert.equal(ok.status, T.NFS3_OK);
    });

    it("LOOKUP: found, NOENT, '.', '..' at the root, names that are paths", async () => {
      const f = await mk(h.root, "l1", "x");
      const r = await lookup(h.root, "l1");
      assert.equal(r.status, T.NFS3_OK);
      assert.deepEqual(r.fh, f);
      assert.ok(r.attr && r.dirAttr);
      const miss = await lookup(h.root, "nope");
      assert.equal(miss.status, T.NFS3ERR_NOENT);
      assert.ok(miss.dirAttr, "dir attributes on failure");
      const root = (await h.call<GetattrRes>(T.NFSPROC3_GETATTR, fh(h.root))).attr!;
      for (const n of [".", ".."]) {
        const up = await lookup(h.root, n);
        assert.equal(up.status, T.NFS3_OK);
        assert.equal(up.attr!.fileid, root.fileid, `${n} at the root is the root`);
      }
      for (const n of ["../..", "../../../../etc", "a/../..", "/etc", "l1/"]) {
        assert.equal((await lookup(h.root, n)).status, T.NFS3ERR_ACCES, n);
      }
      assert.equal((await lookup(f, "x")).status, T.NFS3ERR_NOTDIR);
      const d = await mkdir(h.root, "ld");
      const dd = await lookup(d, "..");
      assert.equal(dd.attr!.fileid, root.fileid);
    });

    it("SYMLINK, READLINK; symlinks are returned, never followed", async () => {
      const r = await h.call<CreatedRes>(T.NFSPROC3_SYMLINK, (w: XdrWriter) => {
        dirop(h.root, "s1")(w);
        sattr(w, {});
        w.string("/etc");
      });
      assert.equal(r.status, T.NFS3_OK);
      assert.equal(r.value!.attr.type, T.NF3LNK);
      const l = await lookup(h.root, "s1");
      assert.equal(l.attr!.type, T.NF3LNK);
      const rl = await h.call<ReadlinkRes>(T.NFSPROC3_READLINK, fh(l.fh!));
      assert.equal(rl.status, T.NFS3_OK);
      assert.equal(rl.data!.toString(), "/etc");
      assert.equal((await lookup(l.fh!, "passwd")).status, T.NFS3ERR_NOTDIR, "no lookup through a link");
      assert.equal((await h.call<ReadRes>(T.NFSPROC3_READ, readArgs(l.fh!, 0, 100))).status, T.NFS3ERR_INVAL);
      const f = await mk(h.root, "notalink");
      assert.equal((await h.call<ReadlinkRes>(T.NFSPROC3_READLINK, fh(f))).status, T.NFS3ERR_INVAL);
    });

    it("WRITE and READ: stable levels, verifier, eof, wcc, holes", async () => {
      const f = await mk(h.root, "rw1");
      const w1 = await h.call<WriteRes>(T.NFSPROC3_WRITE, writeArgs(f, 0, Buffer.from("abcdef"), T.UNSTABLE));
      assert.equal(w1.status, T.NFS3_OK);
      assert.equal(w1.count, 6);
      assert.equal(w1.committed, T.UNSTABLE);
      assert.equal(w1.verf!.length, 8);
      assert.equal(w1.wcc.before!.size, 0n);
      assert.equal(w1.wcc.after!.size, 6n);
      const w2 = await h.call<WriteRes>(T.NFSPROC3_WRITE, writeArgs(f, 10, Buffer.from("Z"), T.FILE_SYNC));
      assert.equal(w2.committed, T.FILE_SYNC);
      assert.deepEqual(w2.verf, w1.verf);
      const r = await h.call<ReadRes>(T.NFSPROC3_READ, readArgs(f, 0, 100));
      assert.equal(r.status, T.NFS3_OK);
      assert.deepEqual(r.data, Buffer.from("abcdef\0\0\0\0Z"));
      assert.equal(r.eof, true);
      const part = await h.call<ReadRes>(T.NFSPROC3_READ, readArgs(f, 2, 3));
      assert.equal(part.data!.toString(), "cde");
      assert.equal(part.eof, false);
      const past = await h.call<ReadRes>(T.NFSPROC3_READ, readArgs(f, 100, 10));
      assert.equal(past.data!.length, 0);
      assert.equal(past.eof, true);
      const c = await h.call<CommitRes>(T.NFSPROC3_COMMIT, readArgs(f, 0, 0));
      assert.equal(c.status, T.NFS3_OK);
      assert.deepEqual(c.verf, w1.verf);
      assert.equal((await h.call<ReadRes>(T.NFSPROC3_READ, readArgs(h.root, 0, 1))).status, T.NFS3ERR_ISDIR);
      assert.equal(
        (await h.call<WriteRes>(T.NFSPROC3_WRITE, writeArgs(h.root, 0, Buffer.from("x")))).status,
        T.NFS3ERR_ISDIR,
      );
      const far = (w: XdrWriter): void => {
        w.opaque(f);
        w.u64(2n ** 60n);
        w.u32(1);
        w.u32(0);
        w.opaque(Buffer.from("x"));
      };
      assert.equal((await h.call<WriteRes>(T.NFSPROC3_WRITE, far)).status, T.NFS3ERR_FBIG);
      const big = Buffer.alloc(300_000, 7);
      await h.call<WriteRes>(T.NFSPROC3_WRITE, writeArgs(f, 0, big));
      const rb = await h.call<ReadRes>(T.NFSPROC3_READ, readArgs(f, 0, 300_000));
      assert.ok(rb.data!.equals(big));
    });

    it("READ replies are well-formed XDR, small and large (assembled around the data)", async () => {
      const payload = Buffer.alloc(200_001);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 131 + 7) & 0xff;
      const f = await mk(h.root, "xdr-read");
      await h.call<WriteRes>(T.NFSPROC3_WRITE, writeArgs(f, 0, payload));
      for (const [off, count, header] of [
        [0, 10, 24],
        [0, 200_001, 24],
        [5, 100_000, 24],
        [100_000, 150_000, 28 + 400],
        [0, 200_001, 0],
      ] as const) {
        const body = await h.encoded(T.NFSPROC3_READ, readArgs(f, off, count), header);
        const x = new XdrReader(body);
        assert.equal(x.u32(), T.NFS3_OK);
        assert.equal(x.bool(), true, "post_op_attr follows");
        x.r.skip(84);
        const n = x.u32();
        const eof = x.bool();
        const data = x.opaque(1 << 21);
        assert.equal(x.remaining, 0, "nothing after the data");
        const want = payload.subarray(off, Math.min(payload.length, off + count));
        assert.equal(n, want.length);
        assert.ok(data.equals(want), `data at ${off}+${count}`);
        assert.equal(eof, off + count >= payload.length);
      }
    });

    it("an async export acknowledges stable writes; UDP gets 32 KiB transfers", async () => {
      const f = await mk(h.root, "async-udp", "x".repeat(100_000));
      h.sync = false;
      h.transport = "udp";
      try {
        const w = await h.call<WriteRes>(T.NFSPROC3_WRITE, writeArgs(f, 0, Buffer.from("y"), T.FILE_SYNC));
        assert.equal(w.status, T.NFS3_OK);
        assert.equal(w.committed, T.FILE_SYNC);
        assert.equal((await h.call<CommitRes>(T.NFSPROC3_COMMIT, readArgs(f, 0, 0))).status, T.NFS3_OK);
        const r = await h.call<ReadRes>(T.NFSPROC3_READ, readArgs(f, 0, 100_000));
        assert.equal(r.data!.length, 32 * 1024);
        assert.equal(r.eof, false);
        const i = await h.call<FsinfoRes>(T.NFSPROC3_FSINFO, fh(h.root));
        assert.equal(i.xfer, 32 * 1024);
      } finally {
        h.sync = true;
        h.transport = "tcp";
      }
    });

    it("WRITE with count above the data is GARBAGE_ARGS (decode throws)", () => {
      const w = (x: XdrWriter): void => {
        x.opaque(h.root);
        x.u64(0n);
        x.u32(10);
        x.u32(0);
        x.opaque(Buffer.from("abc"));
      };
      const xw = new XdrWriter();
      w(xw);
      assert.throws(() => h.decode(T.NFSPROC3_WRITE, xw.finish()));
      assert.throws(() => h.decode(T.NFSPROC3_GETATTR, Buffer.from([0, 0, 0, 100])));
    });

    it("SETATTR: mode, size, times, guard, owner rules", async () => {
      const f = await mk(h.root, "sa1", "0123456789");
      const r = await h.call<SetattrRes>(T.NFSPROC3_SETATTR, setattrArgs(f, { mode: 0o600, size: 4n }));
      assert.equal(r.status, T.NFS3_OK);
      assert.equal(r.wcc.before!.size, 10n);
      assert.equal(r.wcc.after!.size, 4n);
      assert.equal(r.wcc.after!.mode, 0o600);
      const t = await h.call<SetattrRes>(
        T.NFSPROC3_SETATTR,
        setattrArgs(f, { atime: { sec: 1000000000, nsec: 0 }, mtime: { sec: 1234567890, nsec: 0 } }),
      );
      assert.equal(t.wcc.after!.mtime.sec, 1234567890);
      assert.equal(t.wcc.after!.atime.sec, 1000000000);
      const ctime = t.wcc.after!.ctime;
      const stale = await h.call<SetattrRes>(
        T.NFSPROC3_SETATTR,
        setattrArgs(f, { mode: 0o644 }, { sec: ctime.sec - 5, nsec: 0 }),
      );
      assert.equal(stale.status, T.NFS3ERR_NOT_SYNC);
      const guarded = await h.call<SetattrRes>(T.NFSPROC3_SETATTR, setattrArgs(f, { mode: 0o644 }, ctime));
      assert.equal(guarded.status, T.NFS3_OK);
      if (perms) {
        assert.equal(
          (await h.call<SetattrRes>(T.NFSPROC3_SETATTR, setattrArgs(f, { mode: 0o777 }), BOB)).status,
          T.NFS3ERR_PERM,
        );
        assert.equal(
          (await h.call<SetattrRes>(T.NFSPROC3_SETATTR, setattrArgs(f, { uid: 0 }))).status,
          T.NFS3ERR_PERM,
        );
        assert.equal(
          (await h.call<SetattrRes>(T.NFSPROC3_SETATTR, setattrArgs(f, { size: 0n }), BOB)).status,
          T.NFS3ERR_ACCES,
        );
      }
    });

    it("ACCESS answers for the caller", async () => {
      const all = 0x3f;
      const f = await mk(h.root, "ac1", "", 0o640);
      const mine = await h.call<AccessRes>(T.NFSPROC3_ACCESS, (w) => {
        w.opaque(f);
        w.u32(all);
      });
      assert.equal(mine.status, T.NFS3_OK);
      assert.equal(mine.access, T.ACCESS3_READ | T.ACCESS3_MODIFY | T.ACCESS3_EXTEND);
      if (perms) {
        const bob = await h.call<AccessRes>(
          T.NFSPROC3_ACCESS,
          (w) => {
            w.opaque(f);
            w.u32(all);
          },
          BOB,
        );
        assert.equal(bob.access, 0);
        const grp = await h.call<AccessRes>(
          T.NFSPROC3_ACCESS,
          (w) => {
            w.opaque(f);
            w.u32(all);
          },
          { uid: 1002, gid: 5, gids: [ALICE.gid] },
        );
        assert.equal(grp.access, T.ACCESS3_READ);
      }
      const d = await h.call<AccessRes>(T.NFSPROC3_ACCESS, (w) => {
        w.opaque(h.root);
        w.u32(all);
      });
      assert.equal(
        d.access,
        T.ACCESS3_READ | T.ACCESS3_LOOKUP | T.ACCESS3_MODIFY | T.ACCESS3_EXTEND | T.ACCESS3_DELETE,
      );
    });

    it("permissions are the caller's: a private directory refuses others", { skip: !perms }, async () => {
      const d = await mkdir(h.root, "private", 0o700);
      await mk(d, "inside");
      assert.equal((await lookup(d, "inside", BOB)).status, T.NFS3ERR_ACCES);
      assert.equal(
        (await h.call<CreatedRes>(T.NFSPROC3_CREATE, createArgs(d, "x", "guarded"), BOB)).status,
        T.NFS3ERR_ACCES,
      );
      assert.equal(
        (await h.call<RemoveRes>(T.NFSPROC3_REMOVE, dirop(d, "inside"), BOB)).status,
        T.NFS3ERR_ACCES,
      );
      const sticky = await mkdir(h.root, "sticky", 0o1777);
      const mine = await h.call<CreatedRes>(T.NFSPROC3_CREATE, createArgs(sticky, "alice", "guarded"));
      assert.equal(mine.status, T.NFS3_OK);
      assert.equal(
        (await h.call<RemoveRes>(T.NFSPROC3_REMOVE, dirop(sticky, "alice"), BOB)).status,
        T.NFS3ERR_ACCES,
      );
      const bobs = await h.call<CreatedRes>(T.NFSPROC3_CREATE, createArgs(sticky, "bob", "guarded"), BOB);
      assert.equal(bobs.value!.attr.uid, BOB.uid, "created files belong to the caller");
    });

    it("MKDIR, RMDIR: EXIST, NOTEMPTY, NOTDIR", async () => {
      const d = await mkdir(h.root, "m1");
      const again = await h.call<CreatedRes>(T.NFSPROC3_MKDIR, (w) => {
        dirop(h.root, "m1")(w);
        sattr(w);
      });
      assert.equal(again.status, T.NFS3ERR_EXIST);
      await mk(d, "f");
      assert.equal(
        (await h.call<RemoveRes>(T.NFSPROC3_RMDIR, dirop(h.root, "m1"))).status,
        T.NFS3ERR_NOTEMPTY,
      );
      assert.equal((await h.call<RemoveRes>(T.NFSPROC3_RMDIR, dirop(d, "f"))).status, T.NFS3ERR_NOTDIR);
      assert.equal((await h.call<RemoveRes>(T.NFSPROC3_REMOVE, dirop(h.root, "m1"))).status, T.NFS3ERR_ISDIR);
      assert.equal((await h.call<RemoveRes>(T.NFSPROC3_REMOVE, dirop(d, "f"))).status, T.NFS3_OK);
      const rm = await h.call<RemoveRes>(T.NFSPROC3_RMDIR, dirop(h.root, "m1"));
      assert.equal(rm.status, T.NFS3_OK);
      assert.ok(rm.wcc.before && rm.wcc.after);
      assert.equal((await h.call<GetattrRes>(T.NFSPROC3_GETATTR, fh(d))).status, T.NFS3ERR_STALE);
      assert.equal((await h.call<RemoveRes>(T.NFSPROC3_REMOVE, dirop(h.root, "m1"))).status, T.NFS3ERR_NOENT);
    });

    it("MKNOD: FIFO; devices need root; other types BADTYPE", async () => {
      const fifo = await h.call<CreatedRes>(T.NFSPROC3_MKNOD, (w) => {
        dirop(h.root, "fifo")(w);
        w.u32(T.NF3FIFO);
        sattr(w, { mode: 0o600 });
      });
      assert.equal(fifo.status, T.NFS3_OK);
      assert.equal(fifo.value!.attr.type, T.NF3FIFO);
      const chr = await h.call<CreatedRes>(T.NFSPROC3_MKNOD, (w) => {
        dirop(h.root, "null")(w);
        w.u32(T.NF3CHR);
        sattr(w, { mode: 0o600 });
        w.u32(1);
        w.u32(3);
      });
      assert.equal(chr.status, T.NFS3ERR_PERM);
      const reg = await h.call<CreatedRes>(T.NFSPROC3_MKNOD, (w) => {
        dirop(h.root, "reg")(w);
        w.u32(T.NF3REG);
      });
      assert.equal(reg.status, T.NFS3ERR_BADTYPE);
    });

    it("RENAME: over a file, directories, into itself, kinds", async () => {
      await mk(h.root, "r1", "one");
      await mk(h.root, "r2", "two");
      const ren = (fd: Buffer, fn: string, td: Buffer, tn: string) =>
        h.call<RenameRes>(T.NFSPROC3_RENAME, (w) => {
          dirop(fd, fn)(w);
          dirop(td, tn)(w);
        });
      const r = await ren(h.root, "r1", h.root, "r2");
      assert.equal(r.status, T.NFS3_OK);
      assert.ok(r.fromWcc.after && r.toWcc.before);
      assert.equal((await lookup(h.root, "r1")).status, T.NFS3ERR_NOENT);
      const moved = await lookup(h.root, "r2");
      assert.equal(
        (await h.call<ReadRes>(T.NFSPROC3_READ, readArgs(moved.fh!, 0, 10))).data!.toString(),
        "one",
      );
      const a = await mkdir(h.root, "ra");
      const b = await mkdir(a, "rb");
      assert.equal((await ren(h.root, "ra", b, "x")).status, T.NFS3ERR_INVAL);
      assert.equal((await ren(h.root, "ra", h.root, "r2")).status, T.NFS3ERR_NOTDIR);
      assert.equal((await ren(h.root, "r2", a, "rb")).status, T.NFS3ERR_ISDIR);
      await mk(b, "deep", "deep");
      assert.equal((await ren(h.root, "ra", h.root, "ra2")).status, T.NFS3_OK);
      const ra2 = await lookup(h.root, "ra2");
      const rb = await lookup(ra2.fh!, "rb");
      assert.deepEqual(rb.fh, b, "handles survive a rename of the parent");
      assert.equal((await lookup(b, "deep")).status, T.NFS3_OK);
      assert.equal((await ren(h.root, "missing", h.root, "x")).status, T.NFS3ERR_NOENT);
    });

    it("LINK: a second name, not for directories", async () => {
      const f = await mk(h.root, "h1", "hl");
      const l = await h.call<LinkRes>(T.NFSPROC3_LINK, (w) => {
        w.opaque(f);
        dirop(h.root, "h2")(w);
      });
      assert.equal(l.status, T.NFS3_OK);
      assert.equal(l.fileAttr!.nlink, 2);
      const d = await mkdir(h.root, "hd");
      const ld = await h.call<LinkRes>(T.NFSPROC3_LINK, (w) => {
        w.opaque(d);
        dirop(h.root, "hd2")(w);
      });
      assert.equal(ld.status, T.NFS3ERR_ISDIR);
      await h.call<RemoveRes>(T.NFSPROC3_REMOVE, dirop(h.root, "h1"));
      const g = await h.call<GetattrRes>(T.NFSPROC3_GETATTR, fh(f));
      assert.equal(g.status, T.NFS3_OK, "the other link keeps the file");
      assert.equal(g.attr!.nlink, 1);
    });

    it("READDIR and READDIRPLUS page through 2000 entries; cookie verifier", async () => {
      const d = await mkdir(h.root, "big");
      for (let i = 0; i < 2000; i++) {
        const r = await h.call<CreatedRes>(
          T.NFSPROC3_CREATE,
          createArgs(d, `f${String(i).padStart(5, "0")}`, "unchecked"),
        );
        assert.equal(r.status, T.NFS3_OK);
      }
      for (const plus of [false, true]) {
        const seen = new Set<string>();
        let cookie = 0n;
        let verf: Buffer = ZERO;
        let pages = 0;
        for (;;) {
          const r = plus
            ? await h.call<ReaddirplusRes>(
                T.NFSPROC3_READDIRPLUS,
                readdirplusArgs(d, cookie, verf, 512, 4096),
              )
            : await h.call<ReaddirRes>(T.NFSPROC3_READDIR, readdirArgs(d, cookie, verf, 1024));
          assert.equal(r.status, T.NFS3_OK);
          pages++;
          for (const e of r.entries!) {
            assert.ok(!seen.has(e.name), `duplicate ${e.name}`);
            seen.add(e.name);
            if (plus && e.name !== "..") assert.ok(e.fh && e.attr, `plus entry ${e.name}`);
            cookie = e.cookie;
          }
          verf = r.verifier!;
          if (r.eof) break;
          assert.ok(r.entries!.length > 0, "progress without eof");
        }
        assert.equal(seen.size, 2002, "2000 files, '.' and '..'");
        assert.ok(pages > 10, `paged (${pages} pages)`);
      }
      const first = await h.call<ReaddirRes>(T.NFSPROC3_READDIR, readdirArgs(d, 0n, ZERO, 1024));
      const bad = await h.call<ReaddirRes>(
        T.NFSPROC3_READDIR,
        readdirArgs(d, first.entries!.at(-1)!.cookie, Buffer.from("badverf!"), 1024),
      );
      assert.equal(bad.status, T.NFS3ERR_BAD_COOKIE);
      const tiny = await h.call<ReaddirRes>(T.NFSPROC3_READDIR, readdirArgs(d, 0n, ZERO, 100));
      assert.equal(tiny.status, T.NFS3ERR_TOOSMALL);
      // a client paging while entries go away keeps its snapshot
      const cont = first.entries!.at(-1)!.cookie;
      await h.call<RemoveRes>(T.NFSPROC3_REMOVE, dirop(d, "f01999"));
      const next = await h.call<ReaddirRes>(T.NFSPROC3_READDIR, readdirArgs(d, cont, first.verifier!, 1024));
      assert.equal(next.status, T.NFS3_OK);
      for (let i = 0; i < 1999; i++)
        await h.call<RemoveRes>(T.NFSPROC3_REMOVE, dirop(d, `f${String(i).padStart(5, "0")}`));
      const empty = await h.call<ReaddirRes>(T.NFSPROC3_READDIR, readdirArgs(d, 0n, ZERO, 4096));
      assert.deepEqual(empty.entries!.map((e) => e.name).sort(), [".", ".."]);
      assert.equal(empty.eof, true);
    });

    it("FSSTAT, FSINFO, PATHCONF", async () => {
      const s = await h.call<FsstatRes>(T.NFSPROC3_FSSTAT, fh(h.root));
      assert.equal(s.status, T.NFS3_OK);
      assert.ok(s.stat!.tbytes > 0n && s.stat!.fbytes <= s.stat!.tbytes);
      assert.equal((await h.call<FsinfoRes>(T.NFSPROC3_FSINFO, fh(h.root))).status, T.NFS3_OK);
      assert.equal((await h.call<PathconfRes>(T.NFSPROC3_PATHCONF, fh(h.root))).status, T.NFS3_OK);
      assert.equal(
        (await h.call<FsinfoRes>(T.NFSPROC3_FSINFO, fh(Buffer.alloc(3)))).status,
        T.NFS3ERR_BADHANDLE,
      );
    });

    it("a read-only export answers ROFS to every changing procedure, with wcc_data", async () => {
      const f = await mk(h.root, "ro-target", "keep");
      h.readOnly = true;
      try {
        const changing: [number, (w: XdrWriter) => void][] = [
          [T.NFSPROC3_SETATTR, setattrArgs(f, { mode: 0o600 })],
          [T.NFSPROC3_WRITE, writeArgs(f, 0, Buffer.from("x"))],
          [T.NFSPROC3_CREATE, createArgs(h.root, "ro-new", "guarded")],
          [
            T.NFSPROC3_MKDIR,
            (w) => {
              dirop(h.root, "ro-dir")(w);
              sattr(w);
            },
          ],
          [
            T.NFSPROC3_SYMLINK,
            (w) => {
              dirop(h.root, "ro-ln")(w);
              sattr(w);
              w.string("x");
            },
          ],
          [
            T.NFSPROC3_MKNOD,
            (w) => {
              dirop(h.root, "ro-fifo")(w);
              w.u32(T.NF3FIFO);
              sattr(w);
            },
          ],
          [T.NFSPROC3_REMOVE, dirop(h.root, "ro-target")],
          [T.NFSPROC3_RMDIR, dirop(h.root, "ld")],
          [
            T.NFSPROC3_RENAME,
            (w) => {
              dirop(h.root, "ro-target")(w);
              dirop(h.root, "ro-x")(w);
            },
          ],
          [
            T.NFSPROC3_LINK,
            (w) => {
              w.opaque(f);
              dirop(h.root, "ro-link")(w);
            },
          ],
        ];
        for (const [proc, args] of changing) {
          const r = await h.call<{ status: number }>(proc, args);
          assert.equal(r.status, T.NFS3ERR_ROFS, `procedure ${proc}`);
        }
        const acc = await h.call<AccessRes>(T.NFSPROC3_ACCESS, (w) => {
          w.opaque(f);
          w.u32(0x3f);
        });
        assert.equal(acc.access, T.ACCESS3_READ);
        const rd = await h.call<ReadRes>(T.NFSPROC3_READ, readArgs(f, 0, 10));
        assert.equal(rd.data!.toString(), "keep");
      } finally {
        h.readOnly = false;
      }
    });

    it("handles stay valid across a restart; COMMIT's verifier changes", async () => {
      const d = await mkdir(h.root, "persist");
      const sub = await mkdir(d, "a-rather-long-directory-name-to-defeat-the-hint");
      const f = await mk(sub, "file-with-a-long-name-as-well.txt", "persisted");
      const verf = (await h.call<CommitRes>(T.NFSPROC3_COMMIT, readArgs(f, 0, 0))).verf!;
      const h2 = new Harness(made.restart());
      for (const x of [f, sub, d, h.root]) {
        assert.equal((await h2.call<GetattrRes>(T.NFSPROC3_GETATTR, fh(x))).status, T.NFS3_OK);
      }
      const r = await h2.call<ReadRes>(T.NFSPROC3_READ, readArgs(f, 0, 100));
      assert.equal(r.data!.toString(), "persisted");
      const again = await h2.call<LookupRes>(
        T.NFSPROC3_LOOKUP,
        dirop(sub, "file-with-a-long-name-as-well.txt"),
      );
      assert.deepEqual(again.fh, f, "the same handle as before the restart");
      const v2 = (await h2.call<CommitRes>(T.NFSPROC3_COMMIT, readArgs(f, 0, 0))).verf!;
      assert.notDeepEqual(v2, verf, "a new write verifier after a restart");
      await h2.call<RemoveRes>(T.NFSPROC3_REMOVE, dirop(sub, "file-with-a-long-name-as-well.txt"));
      assert.equal((await h2.call<GetattrRes>(T.NFSPROC3_GETATTR, fh(f))).status, T.NFS3ERR_STALE);
      const h3 = new Harness(made.restart());
      assert.equal((await h3.call<GetattrRes>(T.NFSPROC3_GETATTR, fh(f))).status, T.NFS3ERR_STALE);
    });
  });
}
