import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr } from "../../vfs/store.ts";
import { attrOrNone, statusOf, tryOpen, type V3Env } from "../env.ts";
import { NFS3_OK, NO_WCC, NFS3_WRITEVERFSIZE, wccAttrOf, type wcc_data } from "../types.ts";
import { decodeFh, encodeWcc } from "../xdr.ts";

// RFC 1813 §3.3.21 COMMIT3args { nfs_fh3 file; offset3 offset; count3 count; }
export interface CommitArgs {
  fh: Buffer;
  offset: bigint;
  count: number;
}

// RFC 1813 §3.3.21 COMMIT3res: NFS3_OK: wcc_data file_wcc; writeverf3 verf; default: wcc_data file_wcc;
export interface CommitRes {
  status: number;
  wcc: wcc_data;
  verf?: Buffer;
}

/**
 * RFC 1813 §3.3.21 NFSPROC3_COMMIT: everything written UNSTABLE to the file reaches the disk (the
 * whole file is synced, which covers any offset/count). The verifier is WRITE's: a client that
 * sees it change resends what it had not committed. COMMIT changes nothing, so a read-only export
 * answers it too.
 */
export function commitProc(env: V3Env): Procedure<CommitArgs, CommitRes> {
  return {
    name: "COMMIT",
    idempotent: true,
    decode(x) {
      const fh = decodeFh(x);
      const offset = x.u64();
      return { fh, offset, count: x.u32() };
    },
    async run(a, ctx) {
      const o = tryOpen(env, a.fh, ctx);
      let before: Attr | undefined;
      try {
        const opened = o ?? env.open(a.fh, ctx);
        before = await opened.store.getattr(a.fh);
        const r = opened.sync
          ? await opened.store.commit(a.fh, opened.cred)
          : { verifier: opened.store.writeVerifier, attr: before };
        return { status: NFS3_OK, wcc: { before: wccAttrOf(before), after: r.attr }, verf: r.verifier };
      } catch (e) {
        const status = statusOf(e);
        return { status, wcc: o ? { before: wccAttrOf(before), after: await attrOrNone(o, a.fh) } : NO_WCC };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodeWcc(w, res.wcc);
      if (res.status === NFS3_OK) {
        if (res.verf!.length !== NFS3_WRITEVERFSIZE) throw new Error("write verifier must be 8 bytes");
        w.opaqueFixed(res.verf!);
      }
    },
  };
}
