import { lstatSync, readdirSync, realpathSync, type BigIntStats } from "node:fs";
import { FileType, type Attr, type Time } from "./store.ts";
import { InodeIndex } from "./inodes.ts";
import { decodeHandle, encodeHandle, fsidOf, genOf, type HandleFields } from "./handles.ts";
import { Status, VfsError, fail, fromErrno } from "./status.ts";

/**
 * The local store's view of its export directory: turning handles into verified paths and back.
 * Every object it returns was lstat()ed at a path built from the export root and names that are
 * never "." or ".." and never contain "/", and its inode, device and generation were compared with
 * the handle's. Nothing here follows a symlink (lstat only; scans never descend into symlinks).
 */
export interface Resolved {
  /** Absolute path. */
  path: string;
  /** Path relative to the export root ("" for the root). */
  rel: string;
  st: BigIntStats;
  ino: bigint;
}

const SCAN_LIMIT = 200_000;
const MISS_TTL_MS = 10_000;

export function lstatOrNull(p: string): BigIntStats | undefined {
  try {
    return lstatSync(p, { bigint: true, throwIfNoEntry: false });
  } catch (e) {
    throw fromErrno(e);
  }
}

const S_IFMT = 0o170000;
const TYPES: Record<number, FileType> = {
  0o100000: FileType.REG,
  0o040000: FileType.DIR,
  0o060000: FileType.BLK,
  0o020000: FileType.CHR,
  0o120000: FileType.LNK,
  0o140000: FileType.SOCK,
  0o010000: FileType.FIFO,
};

export function typeOf(st: BigIntStats): FileType {
  return TYPES[Number(st.mode) & S_IFMT] ?? FileType.REG;
}

function time(ns: bigint): Time {
  let sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    sec -= 1n;
  }
  return { sec: Number(sec), nsec: Number(nsec) };
}

export function attrOf(st: BigIntStats, fsid: bigint): Attr {
  const rdev = Number(st.rdev);
  return {
    type: typeOf(st),
    mode: Number(st.mode) & 0o7777,
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: st.size,
    used: st.blocks * 512n,
    rdev: {
      major: ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff),
      minor: (rdev & 0xff) | ((rdev >>> 12) & ~0xff),
    },
    fsid,
    fileid: st.ino,
    atime: time(st.atimeNs),
    mtime: time(st.mtimeNs),
    ctime: time(st.ctimeNs),
  };
}

export class LocalTree {
  readonly root: string;
  readonly exportId: number;
  readonly fsid: bigint;
  readonly index: InodeIndex;
  private readonly rootDev: number;
  private readonly rootGen: number;
  private readonly misses = new Map<bigint, number>();

  constructor(exportRoot: string, exportId: number, maxIndexNodes?: number) {
    // The export path is the administrator's: symlinks in it are followed once, here. Below it,
    // nothing ever is.
    let root: string;
    try {
      root = realpathSync(exportRoot);
    } catch (e) {
      throw fromErrno(e);
    }
    const st = lstatOrNull(root);
    if (!st) throw new VfsError(Status.NOENT, `export directory ${root} does not exist`);
    if (typeOf(st) !== FileType.DIR)
      throw new VfsError(Status.NOTDIR, `export path ${root} is not a directory`);
    this.root = root.replace(/\/+$/, "") || "/";
    this.exportId = exportId;
    this.fsid = fsidOf(exportId);
    this.index = new InodeIndex(st.ino, maxIndexNodes);
    this.rootDev = dev32(st);
    this.rootGen = genOf(st.birthtimeNs);
  }

  abs(rel: string): string {
    if (rel === "") return this.root;
    return this.root === "/" ? `/${rel}` : `${this.root}/${rel}`;
  }

  attr(st: BigIntStats): Attr {
    return attrOf(st, this.fsid);
  }

  rootHandle(): Buffer {
    return encodeHandle({
      exportId: this.exportId,
      dev: this.rootDev,
      ino: this.index.rootIno,
      gen: this.rootGen,
      parent: 0n,
      hint: "",
    });
  }

  /** The (canonical) handle of an object found at `rel` inside directory `parent`. */
  handle(st: BigIntStats, parent: bigint, rel: string): Buffer {
    if (st.ino === this.index.rootIno) return this.rootHandle();
    const name = rel.slice(rel.lastIndexOf("/") + 1);
    const node = this.index.set(st.ino, parent, name);
    const gen = genOf(st.birthtimeNs);
    if (node.fh && decodeHandle(node.fh).gen === gen) return node.fh;
    node.fh = encodeHandle({ exportId: this.exportId, dev: dev32(st), ino: st.ino, gen, parent, hint: rel });
    return node.fh;
  }

  /** Handle -> verified object. BADHANDLE for foreign bytes, STALE when the object is gone. */
  resolve(fh: Buffer): Resolved {
    const f = decodeHandle(fh);
    if (f.exportId !== this.exportId) fail(Status.STALE, "handle of another export");
    if (f.ino === this.index.rootIno) {
      const st = this.check(this.root, f);
      if (!st) fail(Status.STALE);
      return { path: this.root, rel: "", st, ino: f.ino };
    }
    if (this.index.isGone(f.ino, f.gen)) fail(Status.STALE);
    const rel = this.index.path(f.ino);
    let found: Resolved | undefined;
    if (rel !== undefined) {
      const st = this.check(this.abs(rel), f);
      if (st) found = { path: this.abs(rel), rel, st, ino: f.ino };
    }
    found ??= this.find(f);
    if (!found) fail(Status.STALE);
    // The first handle seen for an inode after a restart stays its handle (the client has it).
    const node = this.index.get(f.ino);
    if (node && !node.fh) node.fh = Buffer.from(fh);
    return found;
  }

  /** lstat + identity check; throws STALE when the inode is there but its generation differs. */
  private check(path: string, f: HandleFields): BigIntStats | undefined {
    const st = lstatOrNull(path);
    if (!st || st.ino !== f.ino || dev32(st) !== f.dev) return undefined;
    if (genOf(st.birthtimeNs) !== f.gen) fail(Status.STALE, "inode reused");
    return st;
  }

  /** After a restart (or a change made outside NFS): hint, then parent directory, then a scan. */
  private find(f: HandleFields): Resolved | undefined {
    const missed = this.misses.get(f.ino);
    if (missed !== undefined && Date.now() - missed < MISS_TTL_MS) return undefined;
    const viaHint = f.hint !== undefined ? this.walk(f.hint) : undefined;
    if (viaHint && viaHint.ino === f.ino) {
      if (this.check(viaHint.path, f)) return viaHint;
    }
    if (f.parent !== 0n) {
      const prel = this.index.path(f.parent);
      if (prel !== undefined) {
        const hit = this.scanDir(prel, f.parent, f.ino, f);
        if (hit) return hit;
      }
    }
    const hit = this.scanAll(f);
    if (!hit) {
      // bounded like the index: the oldest negative entry goes first
      if (this.misses.size >= this.index.max) this.misses.delete(this.misses.keys().next().value!);
      this.misses.set(f.ino, Date.now());
    }
    return hit;
  }

  /**
   * Walk a relative path from the root, one lstat per component, refusing "."/".."/empty names
   * and symlinks or non-directories in the middle; indexes what it passes. Undefined on any miss.
   */
  walk(rel: string): Resolved | undefined {
    if (rel === "") {
      const st = lstatOrNull(this.root);
      return st ? { path: this.root, rel: "", st, ino: st.ino } : undefined;
    }
    const parts = rel.split("/");
    let parent = this.index.rootIno;
    let cur = "";
    let st: BigIntStats | undefined;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      if (name === "" || name === "." || name === ".." || name.includes("\0")) return undefined;
      cur = cur === "" ? name : `${cur}/${name}`;
      st = lstatOrNull(this.abs(cur));
      if (!st) return undefined;
      const last = i === parts.length - 1;
      if (!last && typeOf(st) !== FileType.DIR) return undefined;
      this.index.set(st.ino, parent, name);
      parent = st.ino;
    }
    return st ? { path: this.abs(cur), rel: cur, st, ino: st.ino } : undefined;
  }

  private scanDir(prel: string, pino: bigint, want: bigint, f: HandleFields): Resolved | undefined {
    let names: string[];
    try {
      names = readdirSync(this.abs(prel));
    } catch {
      return undefined;
    }
    for (const name of names) {
      const rel = prel === "" ? name : `${prel}/${name}`;
      const st = lstatOrNull(this.abs(rel));
      if (!st) continue;
      if (st.ino === want) {
        this.index.set(st.ino, pino, name);
        if (this.check(this.abs(rel), f)) return { path: this.abs(rel), rel, st, ino: st.ino };
      }
    }
    return undefined;
  }

  /** Breadth-first over the export (never through symlinks), indexing directories on the way. */
  private scanAll(f: HandleFields): Resolved | undefined {
    const queue: { rel: string; ino: bigint }[] = [{ rel: "", ino: this.index.rootIno }];
    let seen = 0;
    while (queue.length > 0 && seen < SCAN_LIMIT) {
      const { rel: drel, ino: dino } = queue.shift()!;
      let names: string[];
      try {
        names = readdirSync(this.abs(drel));
      } catch {
        continue;
      }
      for (const name of names) {
        seen++;
        const rel = drel === "" ? name : `${drel}/${name}`;
        const st = lstatOrNull(this.abs(rel));
        if (!st) continue;
        if (st.ino === f.ino) {
          this.index.set(st.ino, dino, name);
          if (this.check(this.abs(rel), f)) return { path: this.abs(rel), rel, st, ino: st.ino };
        }
        if (typeOf(st) === FileType.DIR && dev32(st) === this.rootDev) {
          this.index.set(st.ino, dino, name);
          queue.push({ rel, ino: st.ino });
        }
      }
    }
    return undefined;
  }

  forgetMisses(): void {
    this.misses.clear();
  }
}

export function dev32(st: BigIntStats): number {
  return Number(st.dev & 0xffffffffn);
}

/** Join a directory's relative path and a validated component name. */
export function childRel(dirRel: string, name: string): string {
  return dirRel === "" ? name : `${dirRel}/${name}`;
}
