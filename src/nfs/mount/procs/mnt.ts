import { posix } from "node:path";
import { AUTH_SYS } from "../../rpc/constants.ts";
import type { CallContext, Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { MountDeps } from "../deps.ts";
import {
  decodeDirpath,
  FHSIZE3,
  MNT3_OK,
  MNT3ERR_ACCES,
  MNT3ERR_INVAL,
  MNT3ERR_NOENT,
  MNT3ERR_SERVERFAULT,
  type MountRes3,
} from "../types.ts";

/**
 * RFC 1813 §5.2.1 MOUNTPROC3_MNT: the file handle of an exported directory, or of a directory
 * inside an export, for a client the exports file lets in.
 *
 * - a relative path: MNT3ERR_INVAL; `.`/`..` are resolved lexically first (never above `/`);
 * - no export at or above the path: MNT3ERR_NOENT (Linux's mountd answers ACCES here; NOENT says
 *   what is wrong, and the issue asks for it);
 * - the client matches no spec of that export, or `secure` and a port >= 1024: MNT3ERR_ACCES;
 * - the directory does not exist / is not a directory: MNT3ERR_NOENT / MNT3ERR_NOTDIR (from the
 *   backend, which also keeps the walk inside the export).
 * The auth flavor offered is AUTH_SYS (as Linux's mountd for sec=sys).
 */
export function mntProc(deps: MountDeps): Procedure<string, MountRes3> {
  return {
    name: "MNT",
    idempotent: false,
    decode: decodeDirpath,
    async run(dirpath: string, ctx: CallContext): Promise<MountRes3> {
      if (!dirpath.startsWith("/")) return { status: MNT3ERR_INVAL };
      const path = posix.normalize(dirpath).replace(/(.)\/+$/, "$1");
      await deps.resolveNames?.(ctx.client.address);
      const table = deps.exports.current;
      const found = table.forMount(path);
      if (found === undefined) return { status: MNT3ERR_NOENT };
      const decision = table.access(found.entry.path, ctx.client, ctx.cred);
      if (!decision.allowed) {
        ctx.log.info("refused mount request", {
          client: ctx.client.address,
          port: ctx.client.port,
          path,
          reason: decision.reason,
        });
        return { status: MNT3ERR_ACCES };
      }
      const res = await deps.backend.mountHandle(found.entry, found.sub);
      if (res.status !== MNT3_OK || !("handle" in res)) return { status: res.status };
      if (res.handle.length > FHSIZE3) return { status: MNT3ERR_SERVERFAULT };
      deps.mounts.add(deps.hostname(ctx.client), path);
      ctx.log.info("authenticated mount request", { client: ctx.client.address, path });
      return { status: MNT3_OK, fhandle: res.handle, authFlavors: [AUTH_SYS] };
    },
    encode(w: XdrWriter, res: MountRes3): void {
      w.u32(res.status);
      if (res.status === MNT3_OK && "fhandle" in res) {
        w.opaque(res.fhandle, FHSIZE3);
        w.array(res.authFlavors, (x, f) => x.u32(f));
      }
    },
  };
}
