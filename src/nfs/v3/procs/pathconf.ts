import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import { NAME_MAX, type Attr } from "../../vfs/store.ts";
import { statusOf, type V3Env } from "../env.ts";
import { NFS3_OK } from "../types.ts";
import { decodeFh, encodePostOpAttr } from "../xdr.ts";

/** Hard links per file (ext4's limit). */
export const LINK_MAX = 65000;

// RFC 1813 §3.3.20 PATHCONF3resok
//   { post_op_attr obj_attributes; uint32 linkmax; uint32 name_max; bool no_trunc;
//     bool chown_restricted; bool case_insensitive; bool case_preserving; }
export interface PathconfRes {
  status: number;
  attr: Attr | undefined;
}

/** RFC 1813 §3.3.20 NFSPROC3_PATHCONF: POSIX limits (long names are refused, not truncated). */
export function pathconfProc(env: V3Env): Procedure<Buffer, PathconfRes> {
  return {
    name: "PATHCONF",
    idempotent: true,
    decode: decodeFh,
    async run(fh, ctx) {
      try {
        const o = env.open(fh, ctx);
        return { status: NFS3_OK, attr: await o.store.getattr(fh) };
      } catch (e) {
        return { status: statusOf(e), attr: undefined };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodePostOpAttr(w, res.attr);
      if (res.status !== NFS3_OK) return;
      w.u32(LINK_MAX);
      w.u32(NAME_MAX);
      w.bool(true); // no_trunc
      w.bool(true); // chown_restricted
      w.bool(false); // case_insensitive
      w.bool(true); // case_preserving
    },
  };
}
