import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr } from "../../vfs/store.ts";
import { attrOrNone, statusOf, tryOpen, type V3Env } from "../env.ts";
import { NFS3_OK } from "../types.ts";
import { decodeFh, encodePostOpAttr } from "../xdr.ts";

// RFC 1813 §3.3.5 READLINK3res: post_op_attr symlink_attributes; NFS3_OK: nfspath3 data;
export interface ReadlinkRes {
  status: number;
  attr: Attr | undefined;
  data?: Buffer;
}

/** RFC 1813 §3.3.5 NFSPROC3_READLINK: the target of a symlink, as stored (never resolved). */
export function readlinkProc(env: V3Env): Procedure<Buffer, ReadlinkRes> {
  return {
    name: "READLINK",
    idempotent: true,
    decode: decodeFh,
    async run(fh, ctx) {
      const o = tryOpen(env, fh, ctx);
      try {
        const opened = o ?? env.open(fh, ctx);
        const data = await opened.store.readlink(fh, opened.cred);
        return { status: NFS3_OK, attr: await attrOrNone(opened, fh), data };
      } catch (e) {
        return { status: statusOf(e), attr: await attrOrNone(o, fh) };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodePostOpAttr(w, res.attr);
      if (res.status === NFS3_OK) w.opaque(res.data!);
    },
  };
}
