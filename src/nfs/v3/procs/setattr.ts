import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr, SetAttr } from "../../vfs/store.ts";
import { attrOrNone, openForChange, statusOf, tryOpen, type Opened, type V3Env } from "../env.ts";
import { NFS3_OK, NO_WCC, wccAttrOf, type nfstime3, type wcc_data } from "../types.ts";
import { decodeFh, decodeSattr, decodeTime, encodeWcc } from "../xdr.ts";

// RFC 1813 §3.3.2 SETATTR3args { nfs_fh3 object; sattr3 new_attributes; sattrguard3 guard; }
export interface SetattrArgs {
  fh: Buffer;
  attrs: SetAttr;
  /** sattrguard3: when present, act only if the object's ctime is this (else NOT_SYNC). */
  guard: nfstime3 | undefined;
}

// RFC 1813 §3.3.2 SETATTR3res: wcc_data obj_wcc in both arms
export interface SetattrRes {
  status: number;
  wcc: wcc_data;
}

/** RFC 1813 §3.3.2 NFSPROC3_SETATTR: change attributes, optionally guarded by the ctime. */
export function setattrProc(env: V3Env): Procedure<SetattrArgs, SetattrRes> {
  return {
    name: "SETATTR",
    // A guarded SETATTR that is replayed must find the original answer, not NOT_SYNC.
    idempotent: false,
    decode(x) {
      const fh = decodeFh(x);
      const attrs = decodeSattr(x);
      const guard = x.bool() ? decodeTime(x) : undefined;
      return { fh, attrs, guard };
    },
    async run(a, ctx) {
      let o: Opened | undefined;
      let before: Attr | undefined;
      try {
        o = tryOpen(env, a.fh, ctx);
        before = await attrOrNone(o, a.fh);
        o = openForChange(env, a.fh, ctx, o);
        const after = await o.store.setattr(a.fh, o.cred, a.attrs, a.guard);
        return { status: NFS3_OK, wcc: { before: wccAttrOf(before), after } };
      } catch (e) {
        const status = statusOf(e);
        return { status, wcc: o ? { before: wccAttrOf(before), after: await attrOrNone(o, a.fh) } : NO_WCC };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodeWcc(w, res.wcc);
    },
  };
}
