import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr } from "../../vfs/store.ts";
import { attrOrNone, statusOf, tryOpen, type V3Env } from "../env.ts";
import { ACCESS3_DELETE, ACCESS3_EXTEND, ACCESS3_MODIFY, NFS3_OK } from "../types.ts";
import { decodeFh, encodePostOpAttr } from "../xdr.ts";

// RFC 1813 §3.3.4 ACCESS3args { nfs_fh3 object; uint32 access; }
export interface AccessArgs {
  fh: Buffer;
  access: number;
}

// RFC 1813 §3.3.4 ACCESS3res: post_op_attr obj_attributes; NFS3_OK: uint32 access;
export interface AccessRes {
  status: number;
  attr: Attr | undefined;
  access?: number;
}

const CHANGING = ACCESS3_MODIFY | ACCESS3_EXTEND | ACCESS3_DELETE;

/**
 * RFC 1813 §3.3.4 NFSPROC3_ACCESS: which of the asked rights the caller has, as the store decides
 * for the squashed identity; on a read-only export MODIFY, EXTEND and DELETE are never granted.
 */
export function accessProc(env: V3Env): Procedure<AccessArgs, AccessRes> {
  return {
    name: "ACCESS",
    idempotent: true,
    decode(x) {
      const fh = decodeFh(x);
      return { fh, access: x.u32() };
    },
    async run(a, ctx) {
      const o = tryOpen(env, a.fh, ctx);
      try {
        const opened = o ?? env.open(a.fh, ctx);
        const { granted, attr } = await opened.store.access(a.fh, opened.cred, a.access);
        return { status: NFS3_OK, attr, access: opened.readOnly ? granted & ~CHANGING : granted };
      } catch (e) {
        return { status: statusOf(e), attr: await attrOrNone(o, a.fh) };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodePostOpAttr(w, res.attr);
      if (res.status === NFS3_OK) w.u32(res.access!);
    },
  };
}
