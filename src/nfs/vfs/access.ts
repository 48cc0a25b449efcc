import { Access, FileType, NAME_MAX, type Attr, type Cred } from "./store.ts";
import { Status, fail } from "./status.ts";

/**
 * Permission decisions shared by every store: POSIX mode bits for a caller (uid, gid, groups),
 * as the Linux VFS makes them (generic_permission), with the knfsd conventions for NFS:
 * root may read and write anything and execute what has some x bit; the owner of a file may
 * always READ and WRITE its data (the client checked the mode when it opened the file).
 */

export const R = 4;
export const W = 2;
export const X = 1;

export function inGroup(cred: Cred, gid: number): boolean {
  return cred.gid === gid || cred.gids.includes(gid);
}

/** The rwx bits (0-7) of `attr` that apply to `cred`, root not special-cased. */
export function classBits(attr: Attr, cred: Cred): number {
  if (cred.uid === attr.uid) return (attr.mode >> 6) & 7;
  if (inGroup(cred, attr.gid)) return (attr.mode >> 3) & 7;
  return attr.mode & 7;
}

/** May `cred` do all of `want` (R|W|X) on the object? */
export function permitted(attr: Attr, cred: Cred, want: number): boolean {
  if (cred.uid === 0) {
    if ((want & X) === 0 || attr.type === FileType.DIR) return true;
    return (attr.mode & 0o111) !== 0;
  }
  return (classBits(attr, cred) & want) === want;
}

export function requirePerm(attr: Attr, cred: Cred, want: number): void {
  if (!permitted(attr, cred, want)) fail(Status.ACCES);
}

/** READ/WRITE of file data: the owner may, whatever the mode says (knfsd's owner override). */
export function requireDataPerm(attr: Attr, cred: Cred, want: number): void {
  if (cred.uid === attr.uid) return;
  requirePerm(attr, cred, want);
}

/** Removing or renaming `victim` out of `dir`: w+x on dir, and the sticky bit's owner rule. */
export function requireUnlink(dir: Attr, victim: Attr, cred: Cred): void {
  requirePerm(dir, cred, W | X);
  if ((dir.mode & 0o1000) !== 0 && cred.uid !== 0 && cred.uid !== dir.uid && cred.uid !== victim.uid) {
    fail(Status.ACCES);
  }
}

/**
 * RFC 1813 §3.3.4 ACCESS: which of `mask` the caller has. Directories: READ=r, LOOKUP=x,
 * MODIFY/EXTEND/DELETE=w+x. Other objects: READ=r, MODIFY/EXTEND=w, EXECUTE=x; DELETE is a
 * property of the parent, not of the file, and is not granted here (as knfsd).
 */
export function accessMask(attr: Attr, cred: Cred, mask: number): number {
  let granted = 0;
  const can = (want: number): boolean => permitted(attr, cred, want);
  if (attr.type === FileType.DIR) {
    if (mask & Access.READ && can(R)) granted |= Access.READ;
    if (mask & Access.LOOKUP && can(X)) granted |= Access.LOOKUP;
    if (can(W | X)) granted |= mask & (Access.MODIFY | Access.EXTEND | Access.DELETE);
  } else {
    const owner = cred.uid === attr.uid;
    if (mask & Access.READ && (owner || can(R))) granted |= Access.READ;
    if (owner || can(W)) granted |= mask & (Access.MODIFY | Access.EXTEND);
    if (mask & Access.EXECUTE && can(X)) granted |= Access.EXECUTE;
  }
  return granted;
}

/**
 * SETATTR rules (Linux setattr_prepare): chmod and setting explicit times need the owner or root;
 * chown needs root (the owner may give the file to one of its own groups); times set to "now"
 * need the owner, root or write permission; the size needs write permission (owner override).
 */
export function requireSetattr(
  attr: Attr,
  cred: Cred,
  sa: {
    mode?: number;
    uid?: number;
    gid?: number;
    size?: bigint;
    atime?: unknown;
    mtime?: unknown;
  },
): void {
  const root = cred.uid === 0;
  const owner = cred.uid === attr.uid;
  if (sa.uid !== undefined && sa.uid !== attr.uid && !root) fail(Status.PERM);
  if (sa.gid !== undefined && sa.gid !== attr.gid && !root && !(owner && inGroup(cred, sa.gid))) {
    fail(Status.PERM);
  }
  if (sa.mode !== undefined && !root && !owner) fail(Status.PERM);
  for (const t of [sa.atime, sa.mtime]) {
    if (t === undefined) continue;
    if (t === "server") {
      if (!root && !owner && !permitted(attr, cred, W)) fail(Status.ACCES);
    } else if (!root && !owner) fail(Status.PERM);
  }
  if (sa.size !== undefined) {
    if (attr.type === FileType.DIR) fail(Status.ISDIR);
    if (attr.type !== FileType.REG) fail(Status.INVAL);
    requireDataPerm(attr, cred, W);
    if (sa.size > BigInt(Number.MAX_SAFE_INTEGER)) fail(Status.FBIG);
  }
}

/**
 * A component name for a new or looked-up entry. "/" and NUL are refused as knfsd does (ACCES):
 * a name is never a path. Lookup handles "." and ".." before calling this; creating them is EXIST.
 */
export function checkName(name: string): void {
  if (name.length === 0 || name.includes("/") || name.includes("\0")) fail(Status.ACCES);
  if (Buffer.byteLength(name, "utf8") > NAME_MAX) fail(Status.NAMETOOLONG);
}

export function checkNewName(name: string): void {
  checkName(name);
  if (name === "." || name === "..") fail(Status.EXIST);
}

/** The mode a new object gets: the client's bits, or a default, without the type bits. */
export function newMode(mode: number | undefined, dflt: number): number {
  return (mode ?? dflt) & 0o7777;
}
