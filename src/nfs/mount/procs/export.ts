import { clientText } from "../../exports/client.ts";
import type { Procedure } from "../../rpc/types.ts";
import { VOID } from "../../rpc/types.ts";
import type { MountDeps } from "../deps.ts";
import { encodeDirpath, MNTNAMLEN, type ExportNode } from "../types.ts";

/**
 * RFC 1813 §5.2.5 MOUNTPROC3_EXPORT: every export with its client groups, as `showmount -e`
 * prints them (`*` for the world, networks and names as written). Like mountd, the list is the
 * same for every caller.
 */
export function exportProc(deps: MountDeps): Procedure<undefined, ExportNode[]> {
  return {
    name: "EXPORT",
    idempotent: true,
    decode: VOID.decode,
    run: () =>
      deps.exports.list().map((e) => ({ dir: e.path, groups: e.clients.map((c) => clientText(c.match)) })),
    encode(w, list) {
      w.list(list, (x, e) => {
        encodeDirpath(x, e.dir);
        x.list(e.groups, (y, g) => y.string(g.slice(0, MNTNAMLEN), MNTNAMLEN));
      });
    },
  };
}
