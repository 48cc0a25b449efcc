import type { Procedure } from "../../rpc/types.ts";
import { VOID } from "../../rpc/types.ts";
import type { MountDeps } from "../deps.ts";
import { encodeDirpath, MNTNAMLEN, type MountBody } from "../types.ts";

/** RFC 1813 §5.2.2 MOUNTPROC3_DUMP: the mount list (who mounted what). */
export function dumpProc(deps: MountDeps): Procedure<undefined, MountBody[]> {
  return {
    name: "DUMP",
    idempotent: true,
    decode: VOID.decode,
    run: () => deps.mounts.list(),
    encode(w, list) {
      w.list(list, (x, m) => {
        x.string(m.hostname.slice(0, MNTNAMLEN), MNTNAMLEN);
        encodeDirpath(x, m.directory);
      });
    },
  };
}
