import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fdatasync,
  fstatSync,
  fsync,
  ftruncateSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  read as fsRead,
  readdirSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  statfsSync,
  symlinkSync,
  unlinkSync,
  chmodSync,
  write as fsWrite,
  type BigIntStats,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { promisify } from "node:util";
import {
  FileType,
  Stable,
  type Attr,
  type CreateHow,
  type Created,
  type Cred,
  type FsStat,
  type ReadResult,
  type ReaddirArgs,
  type ReaddirResult,
  type SetAttr,
  type Store,
  type Time,
  type WriteResult,
  type DirEntry,
  type Found,
} from "./store.ts";
import { Status, fail, fromErrno } from "./status.ts";
import { FdCache } from "./fdcache.ts";
import { LocalTree, childRel, lstatOrNull, typeOf, type Resolved } from "./local-tree.ts";
import { SnapshotCache, page, verifierOf, type SnapEntry } from "./snapshots.ts";
import {
  R,
  W,
  X,
  accessMask,
  checkName,
  checkNewName,
  newMode,
  requireDataPerm,
  requirePerm,
  requireSetattr,
  requireUnlink,
} from "./access.ts";
import { genOf } from "./handles.ts";

const readAsync = promisify(fsRead);
const writeAsync = promisify(fsWrite);
const fsyncAsync = promisify(fsync);
const fdatasyncAsync = promisify(fdatasync);

const IS_ROOT = typeof process.getuid === "function" && process.getuid() === 0;

export interface LocalStoreOptions {
  /** Absolute path of the exported directory. */
  root: string;
  exportId: number;
  /** Open regular files kept (default 64). */
  fdCache?: number;
  /** Objects remembered in the inode index (default inodes.ts DEFAULT_MAX_NODES). */
  maxIndexNodes?: number;
}

/**
 * The store of one export on a local directory (see store.ts for the contract). Metadata calls are
 * synchronous system calls (a stat costs microseconds; a thread-pool round trip costs more); data
 * I/O and syncs go through the thread pool. The server may run as root: permissions are decided in
 * access.ts for the caller, and new objects are chowned to the caller.
 */
export class LocalStore implements Store {
  readonly exportId: number;
  readonly writeVerifier = randomBytes(8);
  private readonly tree: LocalTree;
  private readonly fds: FdCache;
  private readonly snaps = new SnapshotCache();

  constructor(opts: LocalStoreOptions) {
    this.exportId = opts.exportId;
    this.tree = new LocalTree(opts.root, opts.exportId, opts.maxIndexNodes);
    this.fds = new FdCache(opts.fdCache ?? 64);
  }

  /** Open descriptors (for leak checks in tests). */
  get openFds(): number {
    return this.fds.openCount;
  }

  /** Objects in the inode index (bounded by maxIndexNodes). */
  get indexSize(): number {
    return this.tree.index.size;
  }

  rootHandle(): Buffer {
    return this.tree.rootHandle();
  }

  handleOf(rel: string): Promise<Buffer> {
    return run(() => {
      const clean = rel.replace(/^\/+|\/+$/g, "");
      const r = this.tree.walk(clean);
      if (!r || typeOf(r.st) === FileType.LNK) fail(Status.NOENT);
      if (typeOf(r.st) !== FileType.DIR) fail(Status.NOTDIR);
      return this.handleAt(r);
    });
  }

  getattr(fh: Buffer): Promise<Attr> {
    return run(() => this.tree.attr(this.tree.resolve(fh).st));
  }

  setattr(fh: Buffer, cred: Cred, sa: SetAttr, guardCtime?: Time): Promise<Attr> {
    return run(() => {
      const r = this.tree.resolve(fh);
      const attr = this.tree.attr(r.st);
      if (guardCtime && (guardCtime.sec !== attr.ctime.sec || guardCtime.nsec !== attr.ctime.nsec)) {
        fail(Status.NOT_SYNC);
      }
      requireSetattr(attr, cred, sa);
      this.apply(r, attr, sa);
      return this.tree.attr(this.restat(r));
    });
  }

  lookup(dir: Buffer, name: string, cred: Cred): Promise<Found> {
    return run(() => {
      const d = this.dir(dir);
      const dirAttr = this.tree.attr(d.st);
      requirePerm(dirAttr, cred, X);
      if (name === ".") return { ...this.created(d, this.parentIno(d)), dirAttr };
      if (name === "..") {
        if (d.rel === "") return { ...this.created(d, 0n), dirAttr };
        const prel = d.rel.includes("/") ? d.rel.slice(0, d.rel.lastIndexOf("/")) : "";
        const p = this.tree.walk(prel);
        if (!p) fail(Status.STALE);
        return { ...this.created(p, this.parentIno(p)), dirAttr };
      }
      checkName(name);
      const rel = childRel(d.rel, name);
      const st = lstatOrNull(this.tree.abs(rel));
      if (!st) fail(Status.NOENT);
      return { fh: this.tree.handle(st, d.ino, rel), attr: this.tree.attr(st), dirAttr };
    });
  }

  access(fh: Buffer, cred: Cred, mask: number): Promise<{ granted: number; attr: Attr }> {
    return run(() => {
      const attr = this.tree.attr(this.tree.resolve(fh).st);
      return { granted: accessMask(attr, cred, mask), attr };
    });
  }

  readlink(fh: Buffer, _cred: Cred): Promise<Buffer> {
    return run(() => {
      const r = this.tree.resolve(fh);
      if (typeOf(r.st) !== FileType.LNK) fail(Status.INVAL);
      return readlinkSync(r.path, { encoding: "buffer" });
    });
  }

  async read(fh: Buffer, cred: Cred, offset: bigint, count: number, into?: Buffer): Promise<ReadResult> {
    const r = this.file(fh);
    const attr = this.tree.attr(r.st);
    requireDataPerm(attr, cred, R);
    if (offset >= attr.size || count === 0) return { data: Buffer.alloc(0), eof: offset >= attr.size, attr };
    const want = Number(BigInt(count) < attr.size - offset ? BigInt(count) : attr.size - offset);
    const e = this.fds.acquire(r.ino, r.path, false);
    try {
      const buf = into && into.length >= want ? into : Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await readAsync(e.fd, buf, got, want - got, Number(offset) + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const st = fstatSync(e.fd, { bigint: true });
      return { data: buf.subarray(0, got), eof: offset + BigInt(got) >= st.size, attr: this.tree.attr(st) };
    } catch (err) {
      throw fromErrno(err);
    } finally {
      this.fds.release(e);
    }
  }

  async write(fh: Buffer, cred: Cred, offset: bigint, data: Buffer, stable: Stable): Promise<WriteResult> {
    const r = this.file(fh);
    requireDataPerm(this.tree.attr(r.st), cred, W);
    const e = this.fds.acquire(r.ino, r.path, true);
    try {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await writeAsync(
          e.fd,
          data,
          done,
          data.length - done,
          Number(offset) + done,
        );
        done += bytesWritten;
      }
      if (stable === Stable.FILE_SYNC) await fsyncAsync(e.fd);
      else if (stable === Stable.DATA_SYNC) await fdatasyncAsync(e.fd);
      const st = fstatSync(e.fd, { bigint: true });
      return { count: done, committed: stable, verifier: this.writeVerifier, attr: this.tree.attr(st) };
    } catch (err) {
      throw fromErrno(err);
    } finally {
      this.fds.release(e);
    }
  }

  async commit(fh: Buffer, _cred: Cred): Promise<{ verifier: Buffer; attr: Attr }> {
    const r = this.tree.resolve(fh);
    if (typeOf(r.st) !== FileType.REG) return { verifier: this.writeVerifier, attr: this.tree.attr(r.st) };
    const e = this.fds.acquire(r.ino, r.path, false);
    try {
      await fsyncAsync(e.fd);
      return { verifier: this.writeVerifier, attr: this.tree.attr(fstatSync(e.fd, { bigint: true })) };
    } catch (err) {
      throw fromErrno(err);
    } finally {
      this.fds.release(e);
    }
  }

  create(dir: Buffer, name: string, cred: Cred, how: CreateHow): Promise<Created> {
    return run(() => {
      const d = this.newEntry(dir, name, cred);
      const rel = childRel(d.rel, name);
      const path = this.tree.abs(rel);
      const excl = constants.O_CREAT | constants.O_EXCL | constants.O_RDWR | constants.O_NOFOLLOW;
      const mode = how.mode === "exclusive" ? 0o644 : newMode(how.attrs.mode, 0o644);
      let fd: number;
      try {
        fd = openSync(path, excl, 0o600);
      } catch (e) {
        if ((e as { code?: string }).code !== "EEXIST" || how.mode === "guarded") throw fromErrno(e);
        const st = lstatOrNull(path);
        if (!st) throw fromErrno(e);
        if (how.mode === "exclusive") {
          // RFC 1813 §3.3.8: the retransmission of a create that succeeded finds its verifier.
          if (typeOf(st) !== FileType.REG || !verifierMatches(st, how.verifier)) fail(Status.EXIST);
          return { fh: this.tree.handle(st, d.ino, rel), attr: this.tree.attr(st) };
        }
        if (typeOf(st) !== FileType.REG) fail(Status.EXIST);
        const r: Resolved = { path, rel, st, ino: st.ino };
        const attr = this.tree.attr(st);
        const { mode: _ignored, ...rest } = how.attrs;
        requireSetattr(attr, cred, rest);
        this.apply(r, attr, rest);
        const after = this.restat(r);
        return { fh: this.tree.handle(after, d.ino, rel), attr: this.tree.attr(after) };
      }
      try {
        this.own(fd, undefined, d.st, cred);
        fchmodSync(fd, mode);
        if (how.mode === "exclusive") {
          futimesSync(fd, how.verifier.readUInt32BE(0), how.verifier.readUInt32BE(4));
        } else {
          if (how.attrs.size !== undefined && how.attrs.size !== 0n)
            ftruncateSync(fd, Number(how.attrs.size));
          this.times(path, fstatSync(fd, { bigint: true }), how.attrs);
        }
        const st = fstatSync(fd, { bigint: true });
        return { fh: this.tree.handle(st, d.ino, rel), attr: this.tree.attr(st) };
      } finally {
        closeSync(fd);
      }
    });
  }

  mkdir(dir: Buffer, name: string, cred: Cred, attrs: SetAttr): Promise<Created> {
    return run(() => {
      const d = this.newEntry(dir, name, cred);
      const path = this.tree.abs(childRel(d.rel, name));
      mkdirSync(path, 0o700);
      const sgid = (Number(d.st.mode) & 0o2000) !== 0 ? 0o2000 : 0;
      this.own(undefined, path, d.st, cred);
      chmodSync(path, newMode(attrs.mode, 0o755) | sgid);
      return this.finishNew(d, name, attrs);
    });
  }

  symlink(dir: Buffer, name: string, cred: Cred, target: Buffer, attrs: SetAttr): Promise<Created> {
    return run(() => {
      const d = this.newEntry(dir, name, cred);
      if (target.length === 0) fail(Status.INVAL);
      if (target.length > 4096) fail(Status.NAMETOOLONG);
      const path = this.tree.abs(childRel(d.rel, name));
      symlinkSync(target, path);
      this.own(undefined, path, d.st, cred);
      return this.finishNew(d, name, timesOnly(attrs));
    });
  }

  mknod(
    dir: Buffer,
    name: string,
    cred: Cred,
    type: FileType,
    attrs: SetAttr,
    rdev: { major: number; minor: number },
  ): Promise<Created> {
    return run(() => {
      const letter =
        type === FileType.FIFO
          ? "p"
          : type === FileType.CHR
            ? "c"
            : type === FileType.BLK
              ? "b"
              : type === FileType.SOCK
                ? "s"
                : undefined;
      if (!letter) fail(Status.BADTYPE);
      if ((type === FileType.CHR || type === FileType.BLK) && cred.uid !== 0) fail(Status.PERM);
      const d = this.newEntry(dir, name, cred);
      const path = this.tree.abs(childRel(d.rel, name));
      const mode = newMode(attrs.mode, 0o644);
      try {
        if (letter === "s") {
          // coreutils' mknod makes no sockets; bind() does.
          execFileSync(
            "python3",
            ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path],
            { stdio: "ignore" },
          );
        } else {
          const devArgs = letter === "p" ? [] : [String(rdev.major), String(rdev.minor)];
          execFileSync("mknod", ["--", path, letter, ...devArgs], { stdio: "ignore" });
        }
      } catch (e) {
        if (lstatOrNull(path)) fail(Status.EXIST);
        throw fromErrno(e);
      }
      this.own(undefined, path, d.st, cred);
      chmodSync(path, mode);
      return this.finishNew(d, name, timesOnly(attrs));
    });
  }

  remove(dir: Buffer, name: string, cred: Cred): Promise<void> {
    return run(() => {
      const { d, rel, st } = this.victim(dir, name, cred);
      if (typeOf(st) === FileType.DIR) fail(Status.ISDIR);
      unlinkSync(this.tree.abs(rel));
      this.forget(st, d.ino, name);
    });
  }

  rmdir(dir: Buffer, name: string, cred: Cred): Promise<void> {
    return run(() => {
      if (name === ".") fail(Status.INVAL);
      if (name === "..") fail(Status.NOTEMPTY);
      const { d, rel, st } = this.victim(dir, name, cred);
      if (typeOf(st) !== FileType.DIR) fail(Status.NOTDIR);
      rmdirSync(this.tree.abs(rel));
      this.forget(st, d.ino, name, true);
    });
  }

  rename(fromDir: Buffer, fromName: string, toDir: Buffer, toName: string, cred: Cred): Promise<void> {
    return run(() => {
      for (const n of [fromName, toName]) if (n === "." || n === "..") fail(Status.INVAL);
      const { d: fd, rel: frel, st: src } = this.victim(fromDir, fromName, cred);
      const td = this.dir(toDir);
      checkName(toName);
      requirePerm(this.tree.attr(td.st), cred, W | X);
      const trel = childRel(td.rel, toName);
      const dst = lstatOrNull(this.tree.abs(trel));
      const srcDir = typeOf(src) === FileType.DIR;
      if (dst) {
        if (dst.ino === src.ino) return; // POSIX: two links to one file, nothing to do
        requireUnlink(this.tree.attr(td.st), this.tree.attr(dst), cred);
        const dstDir = typeOf(dst) === FileType.DIR;
        if (srcDir && !dstDir) fail(Status.NOTDIR);
        if (!srcDir && dstDir) fail(Status.ISDIR);
      }
      if (srcDir) {
        if (td.ino !== fd.ino) requirePerm(this.tree.attr(src), cred, W);
        if (trel === frel || trel.startsWith(`${frel}/`)) fail(Status.INVAL);
      }
      renameSync(this.tree.abs(frel), this.tree.abs(trel));
      if (dst) this.forget(dst, td.ino, toName, typeOf(dst) === FileType.DIR);
      this.tree.index.set(src.ino, td.ino, toName);
    });
  }

  link(fh: Buffer, dir: Buffer, name: string, cred: Cred): Promise<void> {
    return run(() => {
      const f = this.tree.resolve(fh);
      if (typeOf(f.st) === FileType.DIR) fail(Status.ISDIR);
      const d = this.newEntry(dir, name, cred);
      linkSync(f.path, this.tree.abs(childRel(d.rel, name)));
    });
  }

  readdir(dir: Buffer, cred: Cred, args: ReaddirArgs): Promise<ReaddirResult> {
    return run(() => {
      const d = this.dir(dir);
      requirePerm(this.tree.attr(d.st), cred, R);
      const snap = this.snaps.get(String(d.ino), args.cookie, args.verifier, verifierOf(d.st.mtimeNs), () =>
        this.list(d),
      );
      const { from, to, eof } = page(snap, args.cookie, args.limit);
      const entries: DirEntry[] = [];
      for (let i = from; i < to; i++) {
        const s = snap.entries[i]!;
        const e: DirEntry = { name: s.name, fileid: s.fileid, cookie: BigInt(i + 1) };
        if (args.plus) this.plus(d, e);
        entries.push(e);
      }
      return { verifier: snap.verifier, entries, eof };
    });
  }

  fsstat(fh: Buffer): Promise<FsStat> {
    return run(() => {
      const r = this.tree.resolve(fh);
      const s = statfsSync(r.path, { bigint: true });
      return {
        tbytes: s.blocks * s.bsize,
        fbytes: s.bfree * s.bsize,
        abytes: s.bavail * s.bsize,
        tfiles: s.files,
        ffiles: s.ffree,
        afiles: s.ffree,
      };
    });
  }

  close(): Promise<void> {
    this.fds.closeAll();
    return Promise.resolve();
  }

  // ---- helpers ----------------------------------------------------------------------------

  private dir(fh: Buffer): Resolved {
    const d = this.tree.resolve(fh);
    if (typeOf(d.st) !== FileType.DIR) fail(Status.NOTDIR);
    return d;
  }

  private file(fh: Buffer): Resolved {
    const r = this.tree.resolve(fh);
    const t = typeOf(r.st);
    if (t === FileType.DIR) fail(Status.ISDIR);
    if (t !== FileType.REG) fail(Status.INVAL);
    return r;
  }

  private parentIno(r: Resolved): bigint {
    return r.rel === "" ? 0n : (this.tree.index.get(r.ino)?.parent ?? 0n);
  }

  private created(r: Resolved, parent: bigint): Created {
    return { fh: this.handleAt(r, parent), attr: this.tree.attr(r.st) };
  }

  private handleAt(r: Resolved, parent = this.parentIno(r)): Buffer {
    return r.rel === "" ? this.tree.rootHandle() : this.tree.handle(r.st, parent, r.rel);
  }

  /** The directory a new entry goes in, with the name and the caller's w+x checked. */
  private newEntry(dir: Buffer, name: string, cred: Cred): Resolved {
    const d = this.dir(dir);
    checkNewName(name);
    requirePerm(this.tree.attr(d.st), cred, W | X);
    return d;
  }

  /** An existing entry about to be removed or renamed, with the sticky-bit rule checked. */
  private victim(dir: Buffer, name: string, cred: Cred): { d: Resolved; rel: string; st: BigIntStats } {
    const d = this.dir(dir);
    checkName(name);
    requirePerm(this.tree.attr(d.st), cred, X);
    const rel = childRel(d.rel, name);
    const st = lstatOrNull(this.tree.abs(rel));
    if (!st) fail(Status.NOENT);
    requireUnlink(this.tree.attr(d.st), this.tree.attr(st), cred);
    return { d, rel, st };
  }

  private finishNew(d: Resolved, name: string, attrs: SetAttr): Created {
    const rel = childRel(d.rel, name);
    const path = this.tree.abs(rel);
    let st = lstatOrNull(path);
    if (!st) fail(Status.IO);
    if (attrs.atime !== undefined || attrs.mtime !== undefined) {
      this.times(path, st, attrs);
      st = lstatOrNull(path) ?? st;
    }
    return { fh: this.tree.handle(st, d.ino, rel), attr: this.tree.attr(st) };
  }

  /** New objects belong to the caller; the group is the parent's when it has the setgid bit. */
  private own(fd: number | undefined, path: string | undefined, parent: BigIntStats, cred: Cred): void {
    if (!IS_ROOT) return;
    const gid = (Number(parent.mode) & 0o2000) !== 0 ? Number(parent.gid) : cred.gid;
    if (fd !== undefined) fchownSync(fd, cred.uid, gid);
    else if (path !== undefined) lchownSync(path, cred.uid, gid);
  }

  private apply(r: Resolved, attr: Attr, sa: SetAttr): void {
    const t = attr.type;
    if (sa.size !== undefined) {
      const e = this.fds.acquire(r.ino, r.path, true);
      try {
        ftruncateSync(e.fd, Number(sa.size));
      } finally {
        this.fds.release(e);
      }
    }
    if (sa.uid !== undefined || sa.gid !== undefined) lchownSync(r.path, sa.uid ?? -1, sa.gid ?? -1);
    if (sa.mode !== undefined) {
      if (t === FileType.LNK) fail(Status.NOTSUPP);
      chmodSync(r.path, sa.mode & 0o7777);
    }
    this.times(r.path, r.st, sa);
  }

  private times(path: string, st: BigIntStats, sa: SetAttr): void {
    if (sa.atime === undefined && sa.mtime === undefined) return;
    const now = Date.now() / 1000;
    const pick = (t: Time | "server" | undefined, cur: bigint): number =>
      t === undefined ? Number(cur) / 1e9 : t === "server" ? now : t.sec + t.nsec / 1e9;
    lutimesSync(path, pick(sa.atime, st.atimeNs), pick(sa.mtime, st.mtimeNs));
  }

  private restat(r: Resolved): BigIntStats {
    const st = lstatOrNull(r.path);
    if (!st || st.ino !== r.ino) fail(Status.STALE);
    return st;
  }

  /** After an unlink/rmdir/rename-over: drop the fd and index entry; remember a last link as gone. */
  private forget(st: BigIntStats, parent: bigint, name: string, isDir = false): void {
    const last = isDir || st.nlink <= 1n;
    const node = this.tree.index.get(st.ino);
    if (last) {
      this.fds.drop(st.ino);
      this.tree.index.delete(st.ino, genOf(st.birthtimeNs));
    } else if (node && node.parent === parent && node.name === name) {
      this.tree.index.delete(st.ino);
    }
  }

  private list(d: Resolved): SnapEntry[] {
    const out: SnapEntry[] = [
      { name: ".", fileid: d.ino },
      { name: "..", fileid: d.rel === "" ? d.ino : this.parentIno(d) || d.ino },
    ];
    for (const name of readdirSync(d.path)) {
      const rel = childRel(d.rel, name);
      const st = lstatOrNull(this.tree.abs(rel));
      if (!st) continue;
      this.tree.index.set(st.ino, d.ino, name);
      out.push({ name, fileid: st.ino });
    }
    return out;
  }

  private plus(d: Resolved, e: DirEntry): void {
    if (e.name === ".") {
      e.fh = this.handleAt(d);
      e.attr = this.tree.attr(d.st);
      return;
    }
    if (e.name === "..") return;
    const rel = childRel(d.rel, e.name);
    const st = lstatOrNull(this.tree.abs(rel));
    if (!st || st.ino !== e.fileid) return;
    e.fh = this.tree.handle(st, d.ino, rel);
    e.attr = this.tree.attr(st);
  }
}

/** Run a synchronous store body, turning anything thrown into a rejected VfsError. */
function run<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (e) {
    return Promise.reject(fromErrno(e));
  }
}

function verifierMatches(st: BigIntStats, verf: Buffer): boolean {
  return (
    Number(st.atimeNs / 1_000_000_000n) === verf.readUInt32BE(0) &&
    Number(st.mtimeNs / 1_000_000_000n) === verf.readUInt32BE(4)
  );
}

function timesOnly(sa: SetAttr): SetAttr {
  const out: SetAttr = {};
  if (sa.atime !== undefined) out.atime = sa.atime;
  if (sa.mtime !== undefined) out.mtime = sa.mtime;
  return out;
}
