import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr } from "../../vfs/store.ts";
import { statusOf, type V3Env } from "../env.ts";
import { NFS3_OK } from "../types.ts";
import { decodeFh, encodeFattr } from "../xdr.ts";

// RFC 1813 §3.3.1 GETATTR3res: switch (nfsstat3 status) { case NFS3_OK: fattr3 obj_attributes; }
export interface GetattrRes {
  status: number;
  attr?: Attr;
}

/** RFC 1813 §3.3.1 NFSPROC3_GETATTR: the attributes of an object. */
export function getattrProc(env: V3Env): Procedure<Buffer, GetattrRes> {
  return {
    name: "GETATTR",
    idempotent: true,
    decode: decodeFh,
    async run(fh, ctx) {
      try {
        const o = env.open(fh, ctx);
        return { status: NFS3_OK, attr: await o.store.getattr(fh) };
      } catch (e) {
        return { status: statusOf(e) };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      if (res.status === NFS3_OK) encodeFattr(w, res.attr!);
    },
  };
}
