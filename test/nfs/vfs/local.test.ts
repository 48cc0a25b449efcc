import assert from "node:assert/strict";
import { lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { decodeHandle, encodeHandle, exportIdOf, genOf, HINT_MAX } from "../../../src/nfs/vfs/handles.ts";
import { InodeIndex } from "../../../src/nfs/vfs/inodes.ts";
import { LocalStore } from "../../../src/nfs/vfs/local.ts";
import { MemoryStore } from "../../../src/nfs/vfs/memory.ts";
import { Status, VfsError } from "../../../src/nfs/vfs/status.ts";
import { FH_MAX, Stable, type Cred } from "../../../src/nfs/vfs/store.ts";

const ROOT: Cred = { uid: 0, gid: 0, gids: [] };

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return Status.OK;
  } catch (e) {
    if (e instanceof VfsError) return e.status;
    throw e;
  }
}

describe("file handles", () => {
  it("round-trip, never longer than 64 bytes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.string({ maxLength: 80 }),
        (id, ino, hint) => {
          const b = encodeHandle({ exportId: id, dev: 7, ino, gen: 9, parent: ino >> 1n, hint });
          assert.ok(b.length <= FH_MAX);
          const f = decodeHandle(b);
          assert.equal(f.ino, ino);
          assert.equal(f.exportId, id);
          if (Buffer.byteLength(hint) <= HINT_MAX && hint !== "") assert.equal(f.hint, hint);
        },
      ),
    );
  });

  it("refuses foreign bytes as BADHANDLE", () => {
    for (const b of [
      Buffer.alloc(0),
      Buffer.alloc(29),
      Buffer.alloc(65, 1),
      Buffer.from([2, ...Buffer.alloc(29)]),
    ]) {
      assert.throws(
        () => decodeHandle(b),
        (e: unknown) => e instanceof VfsError && e.status === Status.BADHANDLE,
      );
    }
  });

  it("export ids are stable and never 0; generations fold birth times", () => {
    assert.equal(exportIdOf("/opt/lab7/public"), exportIdOf("/opt/lab7/public"));
    assert.notEqual(exportIdOf("/opt/lab7/public"), exportIdOf("/opt/lab7/private"));
    assert.equal(genOf(0n), 0);
    assert.notEqual(genOf(1795635362123456789n), genOf(1795635362123456790n));
  });
});

describe("local store: nothing outside the export is reachable", () => {
  let base: string;
  let root: string;
  let store: LocalStore;
  before(() => {
    base = mkdtempSync(join(tmpdir(), "netsvc-vfs-"));
    root = join(base, "export");
    mkdirSync(join(root, "sub"), { recursive: true });
    writeFileSync(join(base, "outside.txt"), "secret outside\n");
    mkdirSync(join(base, "outdir"));
    writeFileSync(join(base, "outdir", "x.txt"), "x\n");
    symlinkSync("/etc", join(root, "etc-link"));
    symlinkSync(join(base, "outdir"), join(root, "sub", "out-link"));
    store = new LocalStore({ root, exportId: 42 });
  });
  after(async () => {
    await store.close();
    rmSync(base, { recursive: true, force: true });
  });

  it("symlinks are objects, not paths: lookup returns them, MOUNT refuses them", async () => {
    const l = await store.lookup(store.rootHandle(), "etc-link", ROOT);
    assert.equal(l.attr.type, 5);
    assert.equal(await status(store.lookup(l.fh, "passwd", ROOT)), Status.NOTDIR);
    assert.equal(await status(store.handleOf("etc-link")), Status.NOENT);
    assert.equal(await status(store.handleOf("sub/out-link")), Status.NOENT);
    assert.equal(await status(store.handleOf("../outdir")), Status.NOENT);
    assert.equal(await status(store.read(l.fh, ROOT, 0n, 100)), Status.INVAL);
    assert.equal(
      await status(store.create(store.rootHandle(), "etc-link/evil", ROOT, { mode: "guarded", attrs: {} })),
      Status.ACCES,
    );
  });

  it("a forged handle (path hint through a symlink or above the root) is STALE", async () => {
    const passwd = lstatSync("/etc/passwd", { bigint: true });
    const rootSt = lstatSync(root, { bigint: true });
    for (const hint of ["etc-link/passwd", "../outside.txt", "sub/out-link/x.txt", "./../outside.txt"]) {
      const target = hint.endsWith("passwd")
        ? passwd
        : lstatSync(join(base, hint.includes("x.txt") ? "outdir/x.txt" : "outside.txt"), { bigint: true });
      const fh = encodeHandle({
        exportId: 42,
        dev: Number(target.dev & 0xffffffffn),
        ino: target.ino,
        gen: genOf(target.birthtimeNs),
        parent: rootSt.ino,
        hint,
      });
      assert.equal(await status(store.getattr(fh)), Status.STALE, hint);
    }
  });

  it("a handle of another export is STALE there", async () => {
    const other = new LocalStore({ root: join(root, "sub"), exportId: 43 });
    const fh = other.rootHandle();
    assert.equal(await status(store.getattr(fh)), Status.STALE);
    await other.close();
  });

  it("finds a file again after a restart even when it was moved outside NFS", async () => {
    mkdirSync(join(root, "a/b/c"), { recursive: true });
    writeFileSync(join(root, "a/b/c/moved-by-someone-else-with-a-long-name.txt"), "here\n");
    const c = await store.handleOf("a/b/c");
    const f = await store.lookup(c, "moved-by-someone-else-with-a-long-name.txt", ROOT);
    renameSync(join(root, "a/b/c/moved-by-someone-else-with-a-long-name.txt"), join(root, "sub/renamed.txt"));
    const fresh = new LocalStore({ root, exportId: 42 });
    const r = await fresh.read(f.fh, ROOT, 0n, 100);
    assert.equal(r.data.toString(), "here\n");
    await fresh.close();
  });

  it("an inode reused by a new file does not revive an old handle", async (t) => {
    const first = await store.create(store.rootHandle(), "reuse-1", ROOT, { mode: "guarded", attrs: {} });
    if (decodeHandle(first.fh).gen === 0) {
      t.skip("this file system keeps no birth times");
      return;
    }
    await store.remove(store.rootHandle(), "reuse-1", ROOT);
    await store.create(store.rootHandle(), "reuse-2", ROOT, { mode: "guarded", attrs: {} });
    assert.equal(await status(store.getattr(first.fh)), Status.STALE);
    const fresh = new LocalStore({ root, exportId: 42 });
    assert.equal(await status(fresh.getattr(first.fh)), Status.STALE);
    await fresh.close();
  });

  it("keeps a bounded number of files open", async () => {
    const small = new LocalStore({ root, exportId: 42, fdCache: 4 });
    for (let i = 0; i < 20; i++) {
      const f = await small.create(small.rootHandle(), `fd${i}`, ROOT, { mode: "unchecked", attrs: {} });
      await small.write(f.fh, ROOT, 0n, Buffer.from("data"), i % 2 ? Stable.FILE_SYNC : Stable.UNSTABLE);
      await small.commit(f.fh, ROOT);
      assert.ok(small.openFds <= 4, `open: ${small.openFds}`);
    }
    await small.close();
    assert.equal(small.openFds, 0);
  });
});

describe("the inode index is bounded", () => {
  it("forgets the least recently used, and keeps what is used (CLOCK)", () => {
    const ix = new InodeIndex(1n, 4);
    for (let i = 2n; i < 6n; i++) ix.set(i, 1n, `f${i}`);
    ix.get(2n); // used: survives the next sweep
    ix.set(6n, 1n, "f6");
    assert.equal(ix.size, 4);
    assert.ok(ix.get(2n));
    assert.equal(ix.get(3n), undefined);
    assert.equal(ix.path(6n), "f6");
    for (let i = 7n; i < 100n; i++) ix.set(i, 1n, `f${i}`);
    assert.equal(ix.size, 4);
    for (let i = 0n; i < 50n; i++) ix.delete(1000n + i, 7);
    assert.ok(ix.isGone(1049n, 7));
  });

  it("more objects than the bound: every handle still resolves, a removed one is STALE", async () => {
    const base = mkdtempSync(join(tmpdir(), "netsvc-index-"));
    const store = new LocalStore({ root: base, exportId: 44, maxIndexNodes: 8 });
    try {
      let dir = store.rootHandle();
      const files: { fh: Buffer; fileid: bigint; name: string; dir: Buffer }[] = [];
      for (let d = 0; d < 4; d++) {
        dir = (await store.mkdir(dir, `d${d}`, ROOT, {})).fh;
        for (let i = 0; i < 25; i++) {
          const c = await store.create(dir, `f${i}`, ROOT, { mode: "guarded", attrs: {} });
          files.push({ fh: c.fh, fileid: c.attr.fileid, name: `f${i}`, dir });
        }
      }
      assert.ok(store.indexSize <= 8, `index: ${store.indexSize}`);
      for (const f of files) assert.equal((await store.getattr(f.fh)).fileid, f.fileid);
      const gone = files[3]!;
      await store.remove(gone.dir, gone.name, ROOT);
      assert.equal(await status(store.getattr(gone.fh)), Status.STALE);
      const moved = files[60]!;
      await store.rename(moved.dir, moved.name, store.rootHandle(), "moved", ROOT);
      assert.equal((await store.getattr(moved.fh)).fileid, moved.fileid);
      assert.ok(store.indexSize <= 8);
    } finally {
      await store.close();
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe("memory store leak checks", () => {
  it("notices an operation that never settled and passes after a clean run", async () => {
    const m = new MemoryStore();
    const d = await m.mkdir(m.rootHandle(), "d", ROOT, {});
    await m.create(d.fh, "f", ROOT, { mode: "guarded", attrs: {} });
    await m.rename(d.fh, "f", m.rootHandle(), "g", ROOT);
    await m.rmdir(m.rootHandle(), "d", ROOT);
    m.assertNoLeaks();
    assert.equal(m.pending, 0);
  });
});
