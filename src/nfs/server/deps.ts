import type { Logger } from "../../lib/log.ts";
import type { ExportAccess } from "../exports/types.ts";
import type { MountBackend } from "../mount/backend.ts";
import type { Program } from "../rpc/types.ts";

/**
 * How the server (NFS-A) builds the NFS side (NFS-B). NFS-B exports from src/nfs/v3/index.ts:
 *
 *   export function createNfsV3(deps: NfsDeps): NfsV3Service
 *
 * The server calls it once at start; the same ExportAccess object reflects reloads. Each export's
 * data is at `ExportEntry.localPath` (already resolved under --root). Handles must identify the
 * export (by `path`) so that every call can ask `deps.exports.access(path, ctx.client, ctx.cred)`:
 * a refusal answers NFS3ERR_ACCES ("no-match", "insecure-port") or NFS3ERR_STALE ("no-export");
 * `readOnly` answers NFS3ERR_ROFS to modifying procedures; the uid/gid/gids in the decision (after
 * squashing) are the identity to check permissions and to own created files with.
 *
 * Two more things the transport cannot do for the procedures:
 * - `decision.spec.options.sync` is false for an `async` export: Linux then skips the stable-storage
 *   wait that WRITE FILE_SYNC/DATA_SYNC ask for. Honour it (or the option is parsed and ignored).
 * - Over UDP (`ctx.client.transport === "udp"`) a reply must fit in one datagram (65507 bytes; the
 *   transport drops larger ones and logs it): clamp READ/READDIR(PLUS) counts and advertise smaller
 *   rtmax/wtmax/dtpref in FSINFO there (Linux uses 32 KiB over UDP).
 */
export interface NfsDeps {
  readonly exports: ExportAccess;
  readonly log: Logger;
}

export interface NfsV3Service {
  /** prog 100003, vers 3: the 22 procedures in one numbered table. */
  readonly program: Program;
  /** Root and subdirectory handles for MNT. */
  readonly mount: MountBackend;
  /** Called on SIGTERM after the transports drained (close open files, flush). */
  close?(): Promise<void>;
}
