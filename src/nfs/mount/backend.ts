import type { ExportEntry } from "../exports/types.ts";

/**
 * What MOUNT needs from the file system side (implemented by NFS-B in src/nfs/vfs, who owns the
 * file handles): the handle of an export's root or of a directory inside it.
 *
 * Contract:
 * - `sub` is the path below the export root, already split into components; it never contains "",
 *   "." or ".." (MOUNT rejects those before calling). [] = the export root itself.
 * - The walk must stay inside `exp.localPath` (a symlink leading out of it is MNT3ERR_ACCES or
 *   NOENT, never followed outside).
 * - Returns the MNT3 status (RFC 1813 §5.1.5 mountstat3): MNT3_OK with the handle (at most 64
 *   bytes, FHSIZE3), or MNT3ERR_NOENT / MNT3ERR_NOTDIR / MNT3ERR_ACCES / MNT3ERR_IO / ...
 *   It does not check client access: MOUNT did that already with ExportAccess.
 */
export type MountLookup = { readonly status: 0; readonly handle: Buffer } | { readonly status: number };

export interface MountBackend {
  mountHandle(exp: ExportEntry, sub: readonly string[]): Promise<MountLookup>;
}
