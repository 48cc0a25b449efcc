import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr } from "../../vfs/store.ts";
import { attrOrNone, statusOf, tryOpen, type V3Env } from "../env.ts";
import { NFS3_OK } from "../types.ts";
import { decodeFh, encodePostOpAttr } from "../xdr.ts";
import { RTMAX } from "./fsinfo.ts";

// RFC 1813 §3.3.6 READ3args { nfs_fh3 file; offset3 offset; count3 count; }
export interface ReadArgs {
  fh: Buffer;
  offset: bigint;
  count: number;
}

// RFC 1813 §3.3.6 READ3res
//   NFS3_OK: post_op_attr file_attributes; count3 count; bool eof; opaque data<>;
//   default: post_op_attr file_attributes;
export interface ReadRes {
  status: number;
  attr: Attr | undefined;
  eof?: boolean;
  data?: Buffer;
}

/**
 * RFC 1813 §3.3.6 NFSPROC3_READ: at most min(count, rtmax) bytes; eof when the data returned
 * reaches the end of the file. A directory is ISDIR, any other non-file INVAL.
 */
export function readProc(env: V3Env): Procedure<ReadArgs, ReadRes> {
  return {
    name: "READ",
    idempotent: true,
    decode(x) {
      const fh = decodeFh(x);
      const offset = x.u64();
      return { fh, offset, count: x.u32() };
    },
    async run(a, ctx) {
      const o = tryOpen(env, a.fh, ctx);
      try {
        const opened = o ?? env.open(a.fh, ctx);
        const r = await opened.store.read(a.fh, opened.cred, a.offset, Math.min(a.count, RTMAX));
        return { status: NFS3_OK, attr: r.attr, eof: r.eof, data: r.data };
      } catch (e) {
        return { status: statusOf(e), attr: await attrOrNone(o, a.fh) };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodePostOpAttr(w, res.attr);
      if (res.status === NFS3_OK) {
        w.u32(res.data!.length);
        w.bool(res.eof!);
        w.opaque(res.data!);
      }
    },
  };
}
