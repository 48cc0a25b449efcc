import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr, FsStat } from "../../vfs/store.ts";
import { attrOrNone, statusOf, tryOpen, type V3Env } from "../env.ts";
import { NFS3_OK } from "../types.ts";
import { decodeFh, encodePostOpAttr } from "../xdr.ts";

// RFC 1813 §3.3.18 FSSTAT3res
//   NFS3_OK: post_op_attr obj_attributes; size3 tbytes, fbytes, abytes, tfiles, ffiles, afiles;
//            uint32 invarsec;
//   default: post_op_attr obj_attributes;
export interface FsstatRes {
  status: number;
  attr: Attr | undefined;
  stat?: FsStat;
}

/** RFC 1813 §3.3.18 NFSPROC3_FSSTAT: space and inodes of the file system holding the export. */
export function fsstatProc(env: V3Env): Procedure<Buffer, FsstatRes> {
  return {
    name: "FSSTAT",
    idempotent: true,
    decode: decodeFh,
    async run(fh, ctx) {
      const o = tryOpen(env, fh, ctx);
      try {
        const opened = o ?? env.open(fh, ctx);
        const stat = await opened.store.fsstat(fh);
        return { status: NFS3_OK, attr: await attrOrNone(opened, fh), stat };
      } catch (e) {
        return { status: statusOf(e), attr: await attrOrNone(o, fh) };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodePostOpAttr(w, res.attr);
      if (res.status !== NFS3_OK) return;
      const s = res.stat!;
      for (const v of [s.tbytes, s.fbytes, s.abytes, s.tfiles, s.ffiles, s.afiles]) w.u64(v);
      w.u32(0); // invarsec: the values may change at any time
    },
  };
}
