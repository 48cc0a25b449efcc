import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import { changeDir, type DirChange } from "../dirop.ts";
import type { V3Env } from "../env.ts";
import type { diropargs3 } from "../types.ts";
import { decodeDirop, encodeWcc } from "../xdr.ts";

// RFC 1813 §3.3.12 REMOVE3res: wcc_data dir_wcc in both arms
export type RemoveRes = DirChange<void>;

/** RFC 1813 §3.3.12 NFSPROC3_REMOVE: a non-directory entry (a directory is ISDIR: use RMDIR). */
export function removeProc(env: V3Env): Procedure<diropargs3, RemoveRes> {
  return {
    name: "REMOVE",
    idempotent: false,
    decode: decodeDirop,
    run: (a, ctx) => changeDir(env, a.dir, ctx, (o) => o.store.remove(a.dir, a.name, o.cred)),
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodeWcc(w, res.wcc);
    },
  };
}
