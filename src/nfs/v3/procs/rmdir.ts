import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import { changeDir, type DirChange } from "../dirop.ts";
import type { V3Env } from "../env.ts";
import type { diropargs3 } from "../types.ts";
import { decodeDirop, encodeWcc } from "../xdr.ts";

// RFC 1813 §3.3.13 RMDIR3res: wcc_data dir_wcc in both arms
export type RmdirRes = DirChange<void>;

/** RFC 1813 §3.3.13 NFSPROC3_RMDIR: an empty directory (NOTEMPTY otherwise, NOTDIR for a file). */
export function rmdirProc(env: V3Env): Procedure<diropargs3, RmdirRes> {
  return {
    name: "RMDIR",
    idempotent: false,
    decode: decodeDirop,
    run: (a, ctx) => changeDir(env, a.dir, ctx, (o) => o.store.rmdir(a.dir, a.name, o.cred)),
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodeWcc(w, res.wcc);
    },
  };
}
