import { randomBytes } from "node:crypto";
import {
  FileType,
  Stable,
  type Attr,
  type CreateHow,
  type Created,
  type Found,
  type Cred,
  type DirEntry,
  type FsStat,
  type ReadResult,
  type ReaddirArgs,
  type ReaddirResult,
  type SetAttr,
  type Store,
  type Time,
  type WriteResult,
} from "./store.ts";
import { Status, fail, VfsError } from "./status.ts";
import { decodeHandle, encodeHandle, fsidOf } from "./handles.ts";
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
import { SnapshotCache, page, verifierOf } from "./snapshots.ts";

/**
 * An in-memory store with the local store's semantics, for tests: fast, deterministic (inject the
 * clock), and leak-checking — `assertNoLeaks()` fails when an operation never settled, when an
 * object with links is unreachable from the root, or when a directory names a missing object.
 * `restart()` gives a new store over the same objects with a new write verifier, as a server
 * restart would.
 */
interface MNode {
  ino: bigint;
  gen: number;
  type: FileType;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  data: Buffer;
  size: number;
  target?: Buffer;
  entries?: Map<string, bigint>;
  parent: bigint;
  rdev: { major: number; minor: number };
  atime: Time;
  mtime: Time;
  ctime: Time;
  version: bigint;
}

interface MemState {
  nodes: Map<bigint, MNode>;
  nextIno: bigint;
  nextGen: number;
  rootIno: bigint;
}

export interface MemoryStoreOptions {
  exportId?: number;
  /** The export root's owner and mode (default root, 0755). */
  rootUid?: number;
  rootGid?: number;
  rootMode?: number;
  now?: () => Time;
  capacity?: bigint;
}

function clock(): Time {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
}

export class MemoryStore implements Store {
  readonly exportId: number;
  readonly writeVerifier = randomBytes(8);
  private readonly st: MemState;
  private readonly now: () => Time;
  private readonly capacity: bigint;
  private readonly snaps = new SnapshotCache();
  private inflight = 0;
  private readonly opts: MemoryStoreOptions;

  constructor(opts: MemoryStoreOptions = {}, state?: MemState) {
    this.exportId = opts.exportId ?? 0x4d454d31;
    this.now = opts.now ?? clock;
    this.capacity = opts.capacity ?? 1n << 30n;
    if (state) {
      this.st = state;
    } else {
      this.st = { nodes: new Map(), nextIno: 1n, nextGen: 1, rootIno: 1n };
      const root = this.node(
        FileType.DIR,
        opts.rootMode ?? 0o755,
        { uid: opts.rootUid ?? 0, gid: opts.rootGid ?? 0, gids: [] },
        1n,
      );
      root.nlink = 2;
    }
    this.opts = opts;
  }

  /** The same objects behind a new instance (new write verifier), as after a server restart. */
  restart(): MemoryStore {
    return new MemoryStore(this.opts, this.st);
  }

  get pending(): number {
    return this.inflight;
  }

  assertNoLeaks(): void {
    if (this.inflight !== 0) throw new Error(`${this.inflight} store operations never settled`);
    const reach = new Set<bigint>();
    const walk = (ino: bigint): void => {
      if (reach.has(ino)) return;
      reach.add(ino);
      const n = this.st.nodes.get(ino);
      if (!n) throw new Error(`directory entry names missing inode ${ino}`);
      for (const c of n.entries?.values() ?? []) walk(c);
    };
    walk(this.st.rootIno);
    for (const n of this.st.nodes.values()) {
      if (n.nlink > 0 && !reach.has(n.ino)) throw new Error(`inode ${n.ino} has links but is unreachable`);
    }
  }

  rootHandle(): Buffer {
    return this.fh(this.st.nodes.get(this.st.rootIno)!);
  }

  handleOf(rel: string): Promise<Buffer> {
    return this.op(() => {
      let n = this.st.nodes.get(this.st.rootIno)!;
      for (const part of rel.split("/").filter((p) => p !== "")) {
        if (part === "." || part === "..") fail(Status.NOENT);
        const c = n.entries?.get(part);
        if (c === undefined) fail(Status.NOENT);
        n = this.st.nodes.get(c)!;
        if (n.type === FileType.LNK) fail(Status.NOENT);
      }
      if (n.type !== FileType.DIR) fail(Status.NOTDIR);
      return this.fh(n);
    });
  }

  getattr(fh: Buffer): Promise<Attr> {
    return this.op(() => this.attr(this.resolve(fh)));
  }

  setattr(fh: Buffer, cred: Cred, sa: SetAttr, guardCtime?: Time): Promise<Attr> {
    return this.op(() => {
      const n = this.resolve(fh);
      if (guardCtime && (guardCtime.sec !== n.ctime.sec || guardCtime.nsec !== n.ctime.nsec))
        fail(Status.NOT_SYNC);
      requireSetattr(this.attr(n), cred, sa);
      if (sa.mode !== undefined && n.type === FileType.LNK) fail(Status.NOTSUPP);
      this.apply(n, sa);
      return this.attr(n);
    });
  }

  lookup(dir: Buffer, name: string, cred: Cred): Promise<Found> {
    return this.op(() => {
      const d = this.dir(dir);
      requirePerm(this.attr(d), cred, X);
      let n: MNode | undefined;
      if (name === ".") n = d;
      else if (name === "..") n = this.st.nodes.get(d.ino === this.st.rootIno ? d.ino : d.parent);
      else {
        checkName(name);
        const c = d.entries!.get(name);
        n = c === undefined ? undefined : this.st.nodes.get(c);
      }
      if (!n) fail(Status.NOENT);
      return { fh: this.fh(n), attr: this.attr(n), dirAttr: this.attr(d) };
    });
  }

  access(fh: Buffer, cred: Cred, mask: number): Promise<{ granted: number; attr: Attr }> {
    return this.op(() => {
      const attr = this.attr(this.resolve(fh));
      return { granted: accessMask(attr, cred, mask), attr };
    });
  }

  readlink(fh: Buffer, _cred: Cred): Promise<Buffer> {
    return this.op(() => {
      const n = this.resolve(fh);
      if (n.type !== FileType.LNK) fail(Status.INVAL);
      return Buffer.from(n.target!);
    });
  }

  read(fh: Buffer, cred: Cred, offset: bigint, count: number, into?: Buffer): Promise<ReadResult> {
    return this.op(() => {
      const n = this.file(fh);
      requireDataPerm(this.attr(n), cred, R);
      const start = Number(offset < BigInt(n.size) ? offset : BigInt(n.size));
      const end = Math.min(n.size, start + count);
      const src = n.data.subarray(start, end);
      const data = into && into.length >= src.length ? into.subarray(0, src.copy(into)) : Buffer.from(src);
      n.atime = this.now();
      return { data, eof: end >= n.size, attr: this.attr(n) };
    });
  }

  write(fh: Buffer, cred: Cred, offset: bigint, data: Buffer, stable: Stable): Promise<WriteResult> {
    return this.op(() => {
      const n = this.file(fh);
      requireDataPerm(this.attr(n), cred, W);
      const end = Number(offset) + data.length;
      if (BigInt(end) > this.capacity) fail(Status.NOSPC);
      this.ensure(n, end);
      data.copy(n.data, Number(offset));
      n.size = Math.max(n.size, end);
      this.touch(n);
      return { count: data.length, committed: stable, verifier: this.writeVerifier, attr: this.attr(n) };
    });
  }

  commit(fh: Buffer, _cred: Cred): Promise<{ verifier: Buffer; attr: Attr }> {
    return this.op(() => ({ verifier: this.writeVerifier, attr: this.attr(this.resolve(fh)) }));
  }

  create(dir: Buffer, name: string, cred: Cred, how: CreateHow): Promise<Created> {
    return this.op(() => {
      const d = this.newEntry(dir, name, cred);
      const existing = d.entries!.get(name);
      if (existing !== undefined) {
        const e = this.st.nodes.get(existing)!;
        if (how.mode === "guarded") fail(Status.EXIST);
        if (how.mode === "exclusive") {
          const v = how.verifier;
          if (
            e.type !== FileType.REG ||
            e.atime.sec !== v.readUInt32BE(0) ||
            e.mtime.sec !== v.readUInt32BE(4)
          )
            fail(Status.EXIST);
          return { fh: this.fh(e), attr: this.attr(e) };
        }
        if (e.type !== FileType.REG) fail(Status.EXIST);
        const { mode: _m, ...rest } = how.attrs;
        requireSetattr(this.attr(e), cred, rest);
        this.apply(e, rest);
        return { fh: this.fh(e), attr: this.attr(e) };
      }
      const mode = how.mode === "exclusive" ? 0o644 : newMode(how.attrs.mode, 0o644);
      const n = this.attach(d, name, this.node(FileType.REG, mode, cred, d.ino, d));
      if (how.mode === "exclusive") {
        n.atime = { sec: how.verifier.readUInt32BE(0), nsec: 0 };
        n.mtime = { sec: how.verifier.readUInt32BE(4), nsec: 0 };
      } else {
        const { mode: _m, uid: _u, gid: _g, ...rest } = how.attrs;
        this.apply(n, rest);
      }
      return { fh: this.fh(n), attr: this.attr(n) };
    });
  }

  mkdir(dir: Buffer, name: string, cred: Cred, attrs: SetAttr): Promise<Created> {
    return this.op(() => {
      const d = this.newEntry(dir, name, cred);
      if (d.entries!.has(name)) fail(Status.EXIST);
      const n = this.attach(
        d,
        name,
        this.node(FileType.DIR, newMode(attrs.mode, 0o755) | (d.mode & 0o2000), cred, d.ino, d),
      );
      n.nlink = 2;
      d.nlink++;
      return { fh: this.fh(n), attr: this.attr(n) };
    });
  }

  symlink(dir: Buffer, name: string, cred: Cred, target: Buffer, _attrs: SetAttr): Promise<Created> {
    return this.op(() => {
      const d = this.newEntry(dir, name, cred);
      if (target.length === 0) fail(Status.INVAL);
      if (d.entries!.has(name)) fail(Status.EXIST);
      const n = this.attach(d, name, this.node(FileType.LNK, 0o777, cred, d.ino, d));
      n.target = Buffer.from(target);
      n.size = target.length;
      return { fh: this.fh(n), attr: this.attr(n) };
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
    return this.op(() => {
      if (type !== FileType.CHR && type !== FileType.BLK && type !== FileType.SOCK && type !== FileType.FIFO)
        fail(Status.BADTYPE);
      if ((type === FileType.CHR || type === FileType.BLK) && cred.uid !== 0) fail(Status.PERM);
      const d = this.newEntry(dir, name, cred);
      if (d.entries!.has(name)) fail(Status.EXIST);
      const n = this.attach(d, name, this.node(type, newMode(attrs.mode, 0o644), cred, d.ino, d));
      n.rdev = type === FileType.CHR || type === FileType.BLK ? { ...rdev } : { major: 0, minor: 0 };
      return { fh: this.fh(n), attr: this.attr(n) };
    });
  }

  remove(dir: Buffer, name: string, cred: Cred): Promise<void> {
    return this.op(() => {
      const { d, n } = this.victim(dir, name, cred);
      if (n.type === FileType.DIR) fail(Status.ISDIR);
      this.unlink(d, name, n);
    });
  }

  rmdir(dir: Buffer, name: string, cred: Cred): Promise<void> {
    return this.op(() => {
      if (name === ".") fail(Status.INVAL);
      if (name === "..") fail(Status.NOTEMPTY);
      const { d, n } = this.victim(dir, name, cred);
      if (n.type !== FileType.DIR) fail(Status.NOTDIR);
      if (n.entries!.size > 0) fail(Status.NOTEMPTY);
      this.unlink(d, name, n);
    });
  }

  rename(fromDir: Buffer, fromName: string, toDir: Buffer, toName: string, cred: Cred): Promise<void> {
    return this.op(() => {
      for (const nm of [fromName, toName]) if (nm === "." || nm === "..") fail(Status.INVAL);
      const { d: fd, n: src } = this.victim(fromDir, fromName, cred);
      const td = this.dir(toDir);
      checkName(toName);
      requirePerm(this.attr(td), cred, W | X);
      const dstIno = td.entries!.get(toName);
      const dst = dstIno === undefined ? undefined : this.st.nodes.get(dstIno)!;
      if (dst) {
        if (dst === src) return;
        requireUnlink(this.attr(td), this.attr(dst), cred);
        if (src.type === FileType.DIR && dst.type !== FileType.DIR) fail(Status.NOTDIR);
        if (src.type !== FileType.DIR && dst.type === FileType.DIR) fail(Status.ISDIR);
        if (dst.type === FileType.DIR && dst.entries!.size > 0) fail(Status.NOTEMPTY);
      }
      if (src.type === FileType.DIR) {
        if (td !== fd) requirePerm(this.attr(src), cred, W);
        for (
          let a: MNode | undefined = td;
          a;
          a = a.ino === this.st.rootIno ? undefined : this.st.nodes.get(a.parent)
        ) {
          if (a === src) fail(Status.INVAL);
        }
      }
      if (dst) this.unlink(td, toName, dst);
      fd.entries!.delete(fromName);
      this.touch(fd);
      td.entries!.set(toName, src.ino);
      this.touch(td);
      if (src.type === FileType.DIR && td !== fd) {
        fd.nlink--;
        td.nlink++;
      }
      src.parent = td.ino;
      src.ctime = this.now();
    });
  }

  link(fh: Buffer, dir: Buffer, name: string, cred: Cred): Promise<void> {
    return this.op(() => {
      const n = this.resolve(fh);
      if (n.type === FileType.DIR) fail(Status.ISDIR);
      const d = this.newEntry(dir, name, cred);
      if (d.entries!.has(name)) fail(Status.EXIST);
      n.nlink++;
      n.ctime = this.now();
      this.attach(d, name, n);
    });
  }

  readdir(dir: Buffer, cred: Cred, args: ReaddirArgs): Promise<ReaddirResult> {
    return this.op(() => {
      const d = this.dir(dir);
      requirePerm(this.attr(d), cred, R);
      const parent = d.ino === this.st.rootIno ? d : this.st.nodes.get(d.parent)!;
      const snap = this.snaps.get(String(d.ino), args.cookie, args.verifier, verifierOf(d.version), () => [
        { name: ".", fileid: d.ino },
        { name: "..", fileid: parent.ino },
        ...[...d.entries!].map(([name, ino]) => ({ name, fileid: ino })),
      ]);
      const { from, to, eof } = page(snap, args.cookie, args.limit);
      const entries: DirEntry[] = [];
      for (let i = from; i < to; i++) {
        const s = snap.entries[i]!;
        const e: DirEntry = { name: s.name, fileid: s.fileid, cookie: BigInt(i + 1) };
        const n = this.st.nodes.get(s.fileid);
        if (args.plus && n && n.nlink > 0 && s.name !== "..") {
          e.fh = this.fh(n);
          e.attr = this.attr(n);
        }
        entries.push(e);
      }
      return { verifier: snap.verifier, entries, eof };
    });
  }

  fsstat(fh: Buffer): Promise<FsStat> {
    return this.op(() => {
      this.resolve(fh);
      let used = 0n;
      for (const n of this.st.nodes.values()) used += BigInt(n.size);
      const free = this.capacity > used ? this.capacity - used : 0n;
      const files = BigInt(this.st.nodes.size);
      return {
        tbytes: this.capacity,
        fbytes: free,
        abytes: free,
        tfiles: 1n << 20n,
        ffiles: (1n << 20n) - files,
        afiles: (1n << 20n) - files,
      };
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Every operation goes through here: counted while running, errors as rejected VfsErrors. */
  private op<T>(body: () => T): Promise<T> {
    this.inflight++;
    try {
      return Promise.resolve(body());
    } catch (e) {
      return Promise.reject(e instanceof VfsError ? e : new VfsError(Status.SERVERFAULT, String(e)));
    } finally {
      this.inflight--;
    }
  }

  private node(type: FileType, mode: number, cred: Cred, parent: bigint, pdir?: MNode): MNode {
    const t = this.now();
    const n: MNode = {
      ino: this.st.nextIno++,
      gen: this.st.nextGen++,
      type,
      mode,
      uid: cred.uid,
      gid: pdir && (pdir.mode & 0o2000) !== 0 ? pdir.gid : cred.gid,
      nlink: 1,
      data: Buffer.alloc(0),
      size: 0,
      parent,
      rdev: { major: 0, minor: 0 },
      atime: t,
      mtime: t,
      ctime: t,
      version: 1n,
    };
    if (type === FileType.DIR) n.entries = new Map();
    this.st.nodes.set(n.ino, n);
    return n;
  }

  private fh(n: MNode): Buffer {
    return encodeHandle({ exportId: this.exportId, dev: 0, ino: n.ino, gen: n.gen, parent: 0n });
  }

  private resolve(fh: Buffer): MNode {
    const f = decodeHandle(fh);
    if (f.exportId !== this.exportId) fail(Status.STALE);
    const n = this.st.nodes.get(f.ino);
    if (!n || n.gen !== f.gen || n.nlink === 0) fail(Status.STALE);
    return n;
  }

  private dir(fh: Buffer): MNode {
    const n = this.resolve(fh);
    if (n.type !== FileType.DIR) fail(Status.NOTDIR);
    return n;
  }

  private file(fh: Buffer): MNode {
    const n = this.resolve(fh);
    if (n.type === FileType.DIR) fail(Status.ISDIR);
    if (n.type !== FileType.REG) fail(Status.INVAL);
    return n;
  }

  private newEntry(dir: Buffer, name: string, cred: Cred): MNode {
    const d = this.dir(dir);
    checkNewName(name);
    requirePerm(this.attr(d), cred, W | X);
    return d;
  }

  private victim(dir: Buffer, name: string, cred: Cred): { d: MNode; n: MNode } {
    const d = this.dir(dir);
    checkName(name);
    requirePerm(this.attr(d), cred, X);
    const c = d.entries!.get(name);
    if (c === undefined) fail(Status.NOENT);
    const n = this.st.nodes.get(c)!;
    requireUnlink(this.attr(d), this.attr(n), cred);
    return { d, n };
  }

  private attach(d: MNode, name: string, n: MNode): MNode {
    d.entries!.set(name, n.ino);
    this.touch(d);
    return n;
  }

  private unlink(d: MNode, name: string, n: MNode): void {
    d.entries!.delete(name);
    this.touch(d);
    if (n.type === FileType.DIR) {
      n.nlink = 0;
      d.nlink--;
    } else n.nlink--;
    n.ctime = this.now();
    if (n.nlink === 0) this.st.nodes.delete(n.ino);
  }

  private touch(n: MNode): void {
    n.mtime = n.ctime = this.now();
    n.version++;
  }

  private ensure(n: MNode, size: number): void {
    if (n.data.length >= size) return;
    const grown = Buffer.alloc(Math.max(size, n.data.length * 2));
    n.data.copy(grown, 0, 0, n.size);
    n.data = grown;
  }

  private apply(n: MNode, sa: SetAttr): void {
    if (sa.size !== undefined) {
      const size = Number(sa.size);
      if (BigInt(size) > this.capacity) fail(Status.FBIG);
      this.ensure(n, size);
      if (size < n.size) n.data.fill(0, size, n.size);
      n.size = size;
      n.mtime = this.now();
    }
    if (sa.mode !== undefined) n.mode = sa.mode & 0o7777;
    if (sa.uid !== undefined) n.uid = sa.uid;
    if (sa.gid !== undefined) n.gid = sa.gid;
    if (sa.atime !== undefined) n.atime = sa.atime === "server" ? this.now() : sa.atime;
    if (sa.mtime !== undefined) n.mtime = sa.mtime === "server" ? this.now() : sa.mtime;
    n.ctime = this.now();
  }

  private attr(n: MNode): Attr {
    return {
      type: n.type,
      mode: n.mode,
      nlink: n.nlink,
      uid: n.uid,
      gid: n.gid,
      size: BigInt(n.size),
      used: BigInt(n.size),
      rdev: n.rdev,
      fsid: fsidOf(this.exportId),
      fileid: n.ino,
      atime: n.atime,
      mtime: n.mtime,
      ctime: n.ctime,
    };
  }
}
