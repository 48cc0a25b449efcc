import { posix } from "node:path";
import type { CallContext, Procedure } from "../../rpc/types.ts";
import { VOID } from "../../rpc/types.ts";
import type { MountDeps } from "../deps.ts";
import { decodeDirpath } from "../types.ts";

/** RFC 1813 §5.2.3 MOUNTPROC3_UMNT: remove one mount list entry of the caller. Returns void. */
export function umntProc(deps: MountDeps): Procedure<string, undefined> {
  return {
    name: "UMNT",
    idempotent: false,
    decode: decodeDirpath,
    run(dirpath: string, ctx: CallContext) {
      const path = dirpath.startsWith("/") ? posix.normalize(dirpath).replace(/(.)\/+$/, "$1") : dirpath;
      deps.mounts.remove(deps.hostname(ctx.client), path);
      return undefined;
    },
    encode: VOID.encode,
  };
}

/** RFC 1813 §5.2.4 MOUNTPROC3_UMNTALL: remove every mount list entry of the caller. */
export function umntallProc(deps: MountDeps): Procedure<undefined, undefined> {
  return {
    name: "UMNTALL",
    idempotent: false,
    decode: VOID.decode,
    run(_a: undefined, ctx: CallContext) {
      deps.mounts.removeHost(deps.hostname(ctx.client));
      return undefined;
    },
    encode: VOID.encode,
  };
}
