import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr } from "../../vfs/store.ts";
import { attrOrNone, statusOf, tryOpen, type V3Env } from "../env.ts";
import { NFS3_OK, type diropargs3 } from "../types.ts";
import { decodeDirop, encodeFh, encodePostOpAttr } from "../xdr.ts";

// RFC 1813 §3.3.3 LOOKUP3res
//   NFS3_OK: nfs_fh3 object; post_op_attr obj_attributes; post_op_attr dir_attributes;
//   default: post_op_attr dir_attributes;
export interface LookupRes {
  status: number;
  fh?: Buffer;
  attr?: Attr | undefined;
  dirAttr: Attr | undefined;
}

/**
 * RFC 1813 §3.3.3 NFSPROC3_LOOKUP: one name in one directory. A name is never a path: "/" in it is
 * refused, ".." of the export root is the root, and symlinks are returned, not followed.
 */
export function lookupProc(env: V3Env): Procedure<diropargs3, LookupRes> {
  return {
    name: "LOOKUP",
    idempotent: true,
    decode: decodeDirop,
    async run(a, ctx) {
      const o = tryOpen(env, a.dir, ctx);
      try {
        const opened = o ?? env.open(a.dir, ctx);
        const found = await opened.store.lookup(a.dir, a.name, opened.cred);
        return { status: NFS3_OK, fh: found.fh, attr: found.attr, dirAttr: found.dirAttr };
      } catch (e) {
        return { status: statusOf(e), dirAttr: await attrOrNone(o, a.dir) };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      if (res.status === NFS3_OK) {
        encodeFh(w, res.fh!);
        encodePostOpAttr(w, res.attr);
      }
      encodePostOpAttr(w, res.dirAttr);
    },
  };
}
