/**
 * THE STORE CONTRACT: what an NFS protocol layer (v3 now, v4 later) asks of the files behind one
 * export. One Store instance serves one export (one directory tree); the protocol layer picks the
 * store from the export id inside the handle (see handles.ts) and never builds paths itself.
 *
 * - Objects are named by opaque file handles (Buffer, at most FH_MAX = 64 bytes) that the store
 *   makes and checks. A handle keeps naming the same object across a restart of the server (a new
 *   Store instance on the same directory); a handle whose object is gone fails with STALE, a
 *   handle that is not one of ours (wrong length, version, export) with BADHANDLE or STALE.
 * - Every failure is a thrown VfsError whose `status` is an NFS status (status.ts). Nothing else
 *   escapes: I/O errors become the matching status, unknown ones IO.
 * - `getattr` is the hot path (every reply carries attributes): it must cost at most one stat.
 * - Permissions are decided here, for `cred`, the caller's identity AFTER the export's squashing
 *   (owner / group / supplementary groups against the mode bits, root may do anything except
 *   execute a file without any x bit). New objects are owned by `cred`. Read-only exports are the
 *   protocol layer's business (it answers ROFS before calling a changing method).
 * - Names are single components. A name containing "/" or NUL, or empty, is refused (ACCES);
 *   longer than NAME_MAX bytes -> NAMETOOLONG. "." and ".." are only meaningful to lookup: ".." of
 *   the export root is the root itself. Nothing outside the export is ever reachable and the store
 *   never follows a symbolic link: symlinks are objects of type LNK whose target only readlink
 *   returns.
 * - read: returns at most `count` bytes from `offset`; `eof` is true when the data returned ends at
 *   the end of the file (a short read is always eof; a read at or past the end returns 0 bytes and
 *   eof).
 * - write: `stable` UNSTABLE (0) may leave data in the page cache until commit; DATA_SYNC (1) and
 *   FILE_SYNC (2) are on disk before the promise resolves. The result says which level was done
 *   and carries `verifier` (8 bytes), which changes whenever the store (the server) restarts, so a
 *   client knows to resend uncommitted data.
 * - readdir: entries come in a fixed order described by a snapshot of the directory. `cookie` 0
 *   starts at the beginning; any other cookie is one returned with an entry of a previous call on
 *   the same directory with the same `verifier`. The verifier changes when the directory changes;
 *   an old verifier is honoured while its snapshot is still held, otherwise BAD_COOKIE. "." and
 *   ".." come first. `limit` bounds the number of entries returned; `eof` is true when the last
 *   entry of the directory is included. With `plus`, each entry carries its handle and attributes
 *   when they could be read (an entry removed meanwhile comes without).
 * - For NFSv4 (RFC 7530) the same store serves as is: its statuses are nfsstat4 values, the
 *   Access bits are ACCESS4's, handles fit NFS4_FHSIZE, lookup(dir, "..") is LOOKUPP, the change
 *   attribute derives from ctime, and real entries' cookies start at 3 (1 and 2 are "." and "..",
 *   which a v4 READDIR leaves out, as RFC 7530 §16.24 reserves those cookie values).
 * - Methods resolve their promise only when the change is done (metadata changes are made with
 *   synchronous system calls; data I/O and syncs are asynchronous).
 */

/** The maximal handle size of NFSv3 (RFC 1813 §2.4 NFS3_FHSIZE); NFSv4 allows 128. */
export const FH_MAX = 64;
export const NAME_MAX = 255;
export const PATH_MAX = 4096;

// RFC 1813 §2.5 enum ftype3 (RFC 7530 nfs_ftype4 uses the same values for these)
export const FileType = {
  REG: 1,
  DIR: 2,
  BLK: 3,
  CHR: 4,
  LNK: 5,
  SOCK: 6,
  FIFO: 7,
} as const;
export type FileType = (typeof FileType)[keyof typeof FileType];

// RFC 1813 §3.3.4 ACCESS3 bits (RFC 7530 ACCESS4_* has the same values)
export const Access = {
  READ: 0x0001,
  LOOKUP: 0x0002,
  MODIFY: 0x0004,
  EXTEND: 0x0008,
  DELETE: 0x0010,
  EXECUTE: 0x0020,
} as const;
export const ACCESS_ALL = 0x3f;

// RFC 1813 §3.3.7 enum stable_how
export const Stable = { UNSTABLE: 0, DATA_SYNC: 1, FILE_SYNC: 2 } as const;
export type Stable = (typeof Stable)[keyof typeof Stable];

export interface Time {
  /** Seconds since the epoch (may be negative for very old files; NFSv3 sends them as u32). */
  sec: number;
  nsec: number;
}

/** The caller, after squashing. */
export interface Cred {
  readonly uid: number;
  readonly gid: number;
  readonly gids: readonly number[];
}

export interface Attr {
  type: FileType;
  /** Permission bits and setuid/setgid/sticky (07777), without the type bits. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: bigint;
  /** Bytes of storage actually used. */
  used: bigint;
  rdev: { major: number; minor: number };
  fsid: bigint;
  fileid: bigint;
  atime: Time;
  mtime: Time;
  ctime: Time;
}

/** Attributes a client asks to set; absent = leave alone. "server" = set to the server's time. */
export interface SetAttr {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: bigint;
  atime?: Time | "server";
  mtime?: Time | "server";
}

export type CreateHow =
  | { mode: "unchecked" | "guarded"; attrs: SetAttr }
  /** RFC 1813 §3.3.8: EXCLUSIVE with an 8-byte verifier kept with the file until the next SETATTR. */
  | { mode: "exclusive"; verifier: Buffer };

export interface Created {
  fh: Buffer;
  attr: Attr;
}

export interface Found extends Created {
  /** The directory's attributes as the lookup saw them. */
  dirAttr: Attr;
}

export interface ReadResult {
  data: Buffer;
  eof: boolean;
  attr: Attr;
}

export interface WriteResult {
  count: number;
  committed: Stable;
  verifier: Buffer;
  attr: Attr;
}

export interface DirEntry {
  name: string;
  fileid: bigint;
  /** Give this back to continue after this entry. Never 0. */
  cookie: bigint;
  /** With `plus`, when the entry could be read. */
  fh?: Buffer;
  attr?: Attr;
}

export interface ReaddirArgs {
  cookie: bigint;
  /** 8 bytes; all zero with cookie 0. */
  verifier: Buffer;
  limit: number;
  plus: boolean;
}

export interface ReaddirResult {
  verifier: Buffer;
  entries: DirEntry[];
  eof: boolean;
}

export interface FsStat {
  tbytes: bigint;
  fbytes: bigint;
  abytes: bigint;
  tfiles: bigint;
  ffiles: bigint;
  afiles: bigint;
}

export interface Store {
  /** 32-bit id of the export, carried in every handle (handles.ts exportIdOf). */
  readonly exportId: number;
  /** 8 bytes; a new value each time a store is created (= each server start). */
  readonly writeVerifier: Buffer;

  /** The handle of the export's root directory. */
  rootHandle(): Buffer;
  /**
   * The handle of a directory below the root, for MOUNT of a subdirectory: `rel` is a relative
   * path ("a/b"; "" = the root). Every component is looked up as the export's owner would (no
   * permission check), symlinks are refused (NOENT), and the result must be a directory (NOTDIR).
   */
  handleOf(rel: string): Promise<Buffer>;

  getattr(fh: Buffer): Promise<Attr>;
  /** Guard: when given, the change happens only if the object's ctime equals it (else NOT_SYNC). */
  setattr(fh: Buffer, cred: Cred, sa: SetAttr, guardCtime?: Time): Promise<Attr>;
  lookup(dir: Buffer, name: string, cred: Cred): Promise<Found>;
  /** The subset of `mask` (Access bits) that `cred` is granted; never fails for a live handle. */
  access(fh: Buffer, cred: Cred, mask: number): Promise<{ granted: number; attr: Attr }>;
  readlink(fh: Buffer, cred: Cred): Promise<Buffer>;
  /**
   * `into`, when given and at least `count` bytes long, receives the data (the result's `data` is
   * then a view of it), so a caller can reuse its buffers.
   */
  read(fh: Buffer, cred: Cred, offset: bigint, count: number, into?: Buffer): Promise<ReadResult>;
  write(fh: Buffer, cred: Cred, offset: bigint, data: Buffer, stable: Stable): Promise<WriteResult>;
  commit(fh: Buffer, cred: Cred): Promise<{ verifier: Buffer; attr: Attr }>;

  create(dir: Buffer, name: string, cred: Cred, how: CreateHow): Promise<Created>;
  mkdir(dir: Buffer, name: string, cred: Cred, attrs: SetAttr): Promise<Created>;
  symlink(dir: Buffer, name: string, cred: Cred, target: Buffer, attrs: SetAttr): Promise<Created>;
  /** type is BLK, CHR, SOCK or FIFO (else BADTYPE); devices need root (PERM). */
  mknod(
    dir: Buffer,
    name: string,
    cred: Cred,
    type: FileType,
    attrs: SetAttr,
    rdev: { major: number; minor: number },
  ): Promise<Created>;
  remove(dir: Buffer, name: string, cred: Cred): Promise<void>;
  rmdir(dir: Buffer, name: string, cred: Cred): Promise<void>;
  rename(fromDir: Buffer, fromName: string, toDir: Buffer, toName: string, cred: Cred): Promise<void>;
  link(fh: Buffer, dir: Buffer, name: string, cred: Cred): Promise<void>;
  readdir(dir: Buffer, cred: Cred, args: ReaddirArgs): Promise<ReaddirResult>;

  fsstat(fh: Buffer): Promise<FsStat>;

  /** Release everything held (open files). Uncommitted data is flushed to the OS, not synced. */
  close(): Promise<void>;
}
