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
  /** The pooled buffer `data` is a view of, returned to the pool once encoded. */
  pooled?: Buffer | undefined;
}

/** Large READs read into reused buffers (a fresh 1 MiB buffer costs page faults and GC). */
const POOLED = 64 * 1024;
const POOL_MAX = 16;
const buffers: Buffer[] = [];

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
        const count = Math.min(a.count, RTMAX);
        const into = count >= POOLED ? (buffers.pop() ?? Buffer.allocUnsafeSlow(RTMAX)) : undefined;
        const r = await opened.store.read(a.fh, opened.cred, a.offset, count, into);
        return { status: NFS3_OK, attr: r.attr, eof: r.eof, data: r.data, pooled: into };
      } catch (e) {
        return { status: statusOf(e), attr: await attrOrNone(o, a.fh) };
      }
    },
    encode(w: XdrWriter, res) {
      // Grow the reply buffer once to its final size instead of doubling through the data.
      if (res.data) w.w.ensure(res.data.length + 128);
      w.u32(res.status);
      encodePostOpAttr(w, res.attr);
      if (res.status === NFS3_OK) {
        w.u32(res.data!.length);
        w.bool(res.eof!);
        w.opaque(res.data!);
        // encode copied the data: the buffer can serve the next READ
        if (res.pooled && buffers.length < POOL_MAX) buffers.push(res.pooled);
      }
    },
  };
}
