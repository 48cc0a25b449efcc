import { WireError } from "../../../lib/errors.ts";
import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr, Stable } from "../../vfs/store.ts";
import { Status, VfsError } from "../../vfs/status.ts";
import { attrOrNone, openForChange, statusOf, tryOpen, type Opened, type V3Env } from "../env.ts";
import { NFS3_OK, NO_WCC, STABLE_HOW, UNSTABLE, wccAttrOf, type wcc_data } from "../types.ts";
import { decodeFh, encodeWcc } from "../xdr.ts";
import { WTMAX } from "./fsinfo.ts";

// RFC 1813 §3.3.7 WRITE3args { nfs_fh3 file; offset3 offset; count3 count; stable_how stable; opaque data<>; }
export interface WriteArgs {
  fh: Buffer;
  offset: bigint;
  count: number;
  stable: Stable;
  data: Buffer;
}

// RFC 1813 §3.3.7 WRITE3res
//   NFS3_OK: wcc_data file_wcc; count3 count; stable_how committed; writeverf3 verf;
//   default: wcc_data file_wcc;
export interface WriteRes {
  status: number;
  wcc: wcc_data;
  count?: number;
  committed?: Stable;
  verf?: Buffer;
}

/**
 * RFC 1813 §3.3.7 NFSPROC3_WRITE. UNSTABLE data may wait for COMMIT; DATA_SYNC and FILE_SYNC are
 * on disk before the reply. The verifier changes on every server start. `count` larger than the
 * data sent is GARBAGE_ARGS; more than wtmax is written up to wtmax (a short write).
 */
export function writeProc(env: V3Env): Procedure<WriteArgs, WriteRes> {
  return {
    name: "WRITE",
    idempotent: true,
    decode(x) {
      const fh = decodeFh(x);
      const offset = x.u64();
      const at = x.pos;
      const count = x.u32();
      const stable = x.enum(STABLE_HOW, "stable_how") as Stable;
      const data = x.opaque(0xffffffff, "data");
      if (count > data.length) throw new WireError(`count ${count} > data length ${data.length}`, at);
      return { fh, offset, count, stable, data };
    },
    async run(a, ctx) {
      let o: Opened | undefined;
      let before: Attr | undefined;
      try {
        o = tryOpen(env, a.fh, ctx);
        before = await attrOrNone(o, a.fh);
        o = openForChange(env, a.fh, ctx, o);
        // Offsets are file positions for the OS as doubles: beyond 2^53 they would not be exact.
        if (a.offset + BigInt(a.count) > BigInt(Number.MAX_SAFE_INTEGER)) throw new VfsError(Status.FBIG);
        const data = a.data.subarray(0, Math.min(a.count, WTMAX));
        // An `async` export acknowledges stable writes without waiting for the disk.
        const r = await o.store.write(a.fh, o.cred, a.offset, data, o.sync ? a.stable : UNSTABLE);
        return {
          status: NFS3_OK,
          wcc: { before: wccAttrOf(before), after: r.attr },
          count: r.count,
          committed: o.sync ? r.committed : a.stable,
          verf: r.verifier,
        };
      } catch (e) {
        const status = statusOf(e);
        return { status, wcc: o ? { before: wccAttrOf(before), after: await attrOrNone(o, a.fh) } : NO_WCC };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodeWcc(w, res.wcc);
      if (res.status === NFS3_OK) {
        w.u32(res.count!);
        w.u32(res.committed!);
        w.opaqueFixed(res.verf!);
      }
    },
  };
}
