import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr } from "../../vfs/store.ts";
import { UDP_XFER_MAX, overUdp, statusOf, type V3Env } from "../env.ts";
import { FSF3_CANSETTIME, FSF3_HOMOGENEOUS, FSF3_LINK, FSF3_SYMLINK, NFS3_OK } from "../types.ts";
import { decodeFh, encodePostOpAttr, encodeTime } from "../xdr.ts";

/** Largest READ and WRITE served (a 1 MiB payload, as knfsd and nfs-ganesha default to). */
export const RTMAX = 1024 * 1024;
export const WTMAX = 1024 * 1024;
/** Preferred READDIR size. */
export const DTPREF = 64 * 1024;

// RFC 1813 §3.3.19 FSINFO3resok
//   { post_op_attr obj_attributes; uint32 rtmax, rtpref, rtmult, wtmax, wtpref, wtmult, dtpref;
//     size3 maxfilesize; nfstime3 time_delta; uint32 properties; }
export interface FsinfoRes {
  status: number;
  attr: Attr | undefined;
  /** Transfer size advertised: 1 MiB over TCP, 32 KiB over UDP (one datagram per reply). */
  xfer: number;
}

/** RFC 1813 §3.3.19 NFSPROC3_FSINFO: the transfer sizes and properties of the export. */
export function fsinfoProc(env: V3Env): Procedure<Buffer, FsinfoRes> {
  return {
    name: "FSINFO",
    idempotent: true,
    decode: decodeFh,
    async run(fh, ctx) {
      try {
        const o = env.open(fh, ctx);
        return {
          status: NFS3_OK,
          attr: await o.store.getattr(fh),
          xfer: overUdp(ctx) ? UDP_XFER_MAX : RTMAX,
        };
      } catch (e) {
        return { status: statusOf(e), attr: undefined, xfer: RTMAX };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodePostOpAttr(w, res.attr);
      if (res.status !== NFS3_OK) return;
      w.u32(res.xfer); // rtmax
      w.u32(res.xfer); // rtpref
      w.u32(4096); // rtmult
      w.u32(res.xfer); // wtmax
      w.u32(res.xfer); // wtpref
      w.u32(4096); // wtmult
      w.u32(Math.min(DTPREF, res.xfer)); // dtpref
      w.u64(0x7fffffffffffffffn); // maxfilesize
      encodeTime(w, { sec: 0, nsec: 1 }); // time_delta
      w.u32(FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME);
    },
  };
}
