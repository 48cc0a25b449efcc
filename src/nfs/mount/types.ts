import type { XdrReader } from "../xdr/reader.ts";
import type { XdrWriter } from "../xdr/writer.ts";

/** MOUNT protocol version 3, transcribed from RFC 1813 §5 (and appendix I for v1's identical parts). */

// RFC 1813 §5.1 program and version
export const MOUNT_PROGRAM = 100005;
export const MOUNT_V3 = 3;
/** MOUNT v1: the same EXPORT/DUMP/UMNT encodings (showmount and older clients speak it). */
export const MOUNT_V1 = 1;

// RFC 1813 §5.1.1 - §5.1.4 constants
export const MNTPATHLEN = 1024; /* Maximum bytes in a path name */
export const MNTNAMLEN = 255; /* Maximum bytes in a name */
export const FHSIZE3 = 64; /* Maximum bytes in a V3 file handle */

// RFC 1813 §5.1.5 enum mountstat3
export const MNT3_OK = 0; /* no error */
export const MNT3ERR_PERM = 1; /* Not owner */
export const MNT3ERR_NOENT = 2; /* No such file or directory */
export const MNT3ERR_IO = 5; /* I/O error */
export const MNT3ERR_ACCES = 13; /* Permission denied */
export const MNT3ERR_NOTDIR = 20; /* Not a directory */
export const MNT3ERR_INVAL = 22; /* Invalid argument */
export const MNT3ERR_NAMETOOLONG = 63; /* Filename too long */
export const MNT3ERR_NOTSUPP = 10004; /* Operation not supported */
export const MNT3ERR_SERVERFAULT = 10006; /* A failure on the server */

// RFC 1813 §5.2 procedures
export const MOUNTPROC3_NULL = 0;
export const MOUNTPROC3_MNT = 1;
export const MOUNTPROC3_DUMP = 2;
export const MOUNTPROC3_UMNT = 3;
export const MOUNTPROC3_UMNTALL = 4;
export const MOUNTPROC3_EXPORT = 5;

// RFC 1813 §5.2.1 struct mountres3_ok { fhandle3 fhandle; int auth_flavors<>; }
export type MountRes3 =
  { status: typeof MNT3_OK; fhandle: Buffer; authFlavors: number[] } | { status: number };

// RFC 1813 §5.2.2 struct mountbody { name ml_hostname; dirpath ml_directory; mountlist ml_next; }
export interface MountBody {
  hostname: string;
  directory: string;
}

// RFC 1813 §5.2.5 struct exportnode { dirpath ex_dir; groups ex_groups; exports ex_next; }
export interface ExportNode {
  dir: string;
  groups: string[];
}

export function decodeDirpath(x: XdrReader): string {
  return x.string(MNTPATHLEN, "dirpath");
}

export function encodeDirpath(w: XdrWriter, p: string): void {
  w.string(p, MNTPATHLEN);
}
