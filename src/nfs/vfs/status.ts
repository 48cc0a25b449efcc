import { NetsvcError } from "../../lib/errors.ts";

/**
 * The status values a store speaks. They are RFC 1813's nfsstat3 values (§2.6), which RFC 7530
 * (§13, nfsstat4) keeps unchanged for every code listed here, so NFSv3 sends them as they are and
 * a later NFSv4 layer maps only the few it renames. Names drop the NFS3ERR_ prefix.
 */
// RFC 1813 §2.6 enum nfsstat3 (the values shared with RFC 7530 §13)
export const Status = {
  OK: 0,
  PERM: 1,
  NOENT: 2,
  IO: 5,
  NXIO: 6,
  ACCES: 13,
  EXIST: 17,
  XDEV: 18,
  NODEV: 19,
  NOTDIR: 20,
  ISDIR: 21,
  INVAL: 22,
  FBIG: 27,
  NOSPC: 28,
  ROFS: 30,
  MLINK: 31,
  NAMETOOLONG: 63,
  NOTEMPTY: 66,
  DQUOT: 69,
  STALE: 70,
  REMOTE: 71,
  BADHANDLE: 10001,
  NOT_SYNC: 10002,
  BAD_COOKIE: 10003,
  NOTSUPP: 10004,
  TOOSMALL: 10005,
  SERVERFAULT: 10006,
  BADTYPE: 10007,
  JUKEBOX: 10008,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

const NAMES = new Map<number, string>(Object.entries(Status).map(([k, v]) => [v, k]));

export function statusName(s: number): string {
  return NAMES.get(s) ?? `status ${s}`;
}

/**
 * A store operation that failed with an NFS status. `code` is the stable `NFS3ERR_<NAME>` string
 * (tests assert it or `status`, never the message).
 */
/**
 * A procedure's NFS3ERR_* outcome. These are expected answers (a LOOKUP of a name that is not
 * there), not faults: no stack trace is captured, which made a LOOKUP miss cost twice a hit.
 */
export class VfsError extends NetsvcError {
  readonly status: number;
  constructor(status: number, message?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`NFS3ERR_${statusName(status)}`, message ?? statusName(status));
    Error.stackTraceLimit = limit;
    this.name = "VfsError";
    this.status = status;
  }
}

export function fail(status: number, message?: string): never {
  throw new VfsError(status, message);
}

// errno names (as node reports them in err.code) -> store status. Anything unknown is IO.
const ERRNO: Record<string, number> = {
  EPERM: Status.PERM,
  ENOENT: Status.NOENT,
  EIO: Status.IO,
  ENXIO: Status.NXIO,
  EACCES: Status.ACCES,
  EEXIST: Status.EXIST,
  EXDEV: Status.XDEV,
  ENODEV: Status.NODEV,
  ENOTDIR: Status.NOTDIR,
  EISDIR: Status.ISDIR,
  EINVAL: Status.INVAL,
  EFBIG: Status.FBIG,
  ENOSPC: Status.NOSPC,
  EROFS: Status.ROFS,
  EMLINK: Status.MLINK,
  ENAMETOOLONG: Status.NAMETOOLONG,
  ENOTEMPTY: Status.NOTEMPTY,
  EDQUOT: Status.DQUOT,
  ESTALE: Status.STALE,
  // O_NOFOLLOW on a symlink: the object is not something this operation may act on.
  ELOOP: Status.INVAL,
  EOPNOTSUPP: Status.NOTSUPP,
  ENOTSUP: Status.NOTSUPP,
  EBUSY: Status.ACCES,
  ETXTBSY: Status.ACCES,
};

/** Turn anything thrown by node:fs into a VfsError (VfsErrors pass through unchanged). */
export function fromErrno(e: unknown): VfsError {
  if (e instanceof VfsError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code in ERRNO) return new VfsError(ERRNO[code]!, code);
  return new VfsError(Status.IO, e instanceof Error ? e.message : String(e));
}
