import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { Status, fail, fromErrno } from "./status.ts";

/**
 * A bounded LRU of open file descriptors of regular files, keyed by inode, so that a sequence of
 * READs and WRITEs on one file costs one open(). Files are opened O_RDWR when possible (the server
 * usually runs as root), O_RDONLY otherwise, always with O_NOFOLLOW, and the inode of the fd is
 * checked against the one asked for. An entry in use by an operation (refs > 0) is never closed
 * under it: eviction skips it, and drop() defers the close until the last release().
 */
export interface FdEntry {
  readonly ino: bigint;
  readonly fd: number;
  readonly writable: boolean;
  refs: number;
  /** Set when the entry was evicted or dropped while in use: close at the last release. */
  doomed: boolean;
}

export class FdCache {
  private readonly max: number;
  private readonly map = new Map<bigint, FdEntry>();
  private opened = 0;

  constructor(max = 64) {
    this.max = max;
  }

  /** Descriptors currently open (for leak checks). */
  get openCount(): number {
    return this.opened;
  }

  /** An fd for `path`, which must be the regular file `ino`. Pair with release(). */
  acquire(ino: bigint, path: string, write: boolean): FdEntry {
    const hit = this.map.get(ino);
    if (hit && (hit.writable || !write)) {
      this.map.delete(ino);
      this.map.set(ino, hit);
      hit.refs++;
      return hit;
    }
    if (hit) this.drop(ino);
    const e = this.open(ino, path, write);
    this.map.set(ino, e);
    this.evict();
    e.refs++;
    return e;
  }

  release(e: FdEntry): void {
    e.refs--;
    if (e.refs === 0 && e.doomed) this.closeEntry(e);
  }

  /** Close the fd of an inode (it was removed, or must be reopened). */
  drop(ino: bigint): void {
    const e = this.map.get(ino);
    if (!e) return;
    this.map.delete(ino);
    if (e.refs === 0) this.closeEntry(e);
    else e.doomed = true;
  }

  closeAll(): void {
    for (const ino of [...this.map.keys()]) this.drop(ino);
  }

  private open(ino: bigint, path: string, write: boolean): FdEntry {
    const flags = constants.O_NOFOLLOW | constants.O_NONBLOCK;
    let fd: number;
    let writable = true;
    try {
      fd = openSync(path, flags | constants.O_RDWR);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const readOnlyHere = code === "EACCES" || code === "EROFS" || code === "EPERM" || code === "ETXTBSY";
      if (write || !readOnlyHere) throw fromErrno(e);
      try {
        fd = openSync(path, flags | constants.O_RDONLY);
      } catch (e2) {
        throw fromErrno(e2);
      }
      writable = false;
    }
    this.opened++;
    const e: FdEntry = { ino, fd, writable, refs: 0, doomed: false };
    const st = fstatSync(fd, { bigint: true });
    if (st.ino !== ino) {
      this.closeEntry(e);
      fail(Status.STALE);
    }
    return e;
  }

  private evict(): void {
    if (this.map.size <= this.max) return;
    for (const [ino, e] of this.map) {
      if (this.map.size <= this.max) return;
      if (e.refs === 0) {
        this.map.delete(ino);
        this.closeEntry(e);
      }
    }
  }

  private closeEntry(e: FdEntry): void {
    try {
      closeSync(e.fd);
    } catch {
      // already closed: nothing to release
    }
    this.opened--;
  }
}
