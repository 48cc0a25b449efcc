import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr } from "../../vfs/store.ts";
import { Status, VfsError } from "../../vfs/status.ts";
import { attrOrNone, openForChange, statusOf, tryOpen, type Opened, type V3Env } from "../env.ts";
import { NFS3_OK, wccAttrOf, type diropargs3, type wcc_data } from "../types.ts";
import { decodeDirop, encodeWcc } from "../xdr.ts";

// RFC 1813 §3.3.14 RENAME3args { diropargs3 from; diropargs3 to; }
export interface RenameArgs {
  from: diropargs3;
  to: diropargs3;
}

// RFC 1813 §3.3.14 RENAME3res: wcc_data fromdir_wcc; wcc_data todir_wcc; in both arms
export interface RenameRes {
  status: number;
  fromWcc: wcc_data;
  toWcc: wcc_data;
}

/**
 * RFC 1813 §3.3.14 NFSPROC3_RENAME. Both directories must be in one export (else XDEV); a target
 * of the other kind is NOTDIR / ISDIR, a non-empty directory target NOTEMPTY, moving a directory
 * under itself INVAL.
 */
export function renameProc(env: V3Env): Procedure<RenameArgs, RenameRes> {
  return {
    name: "RENAME",
    idempotent: false,
    decode(x) {
      const from = decodeDirop(x);
      return { from, to: decodeDirop(x) };
    },
    async run(a, ctx) {
      const fo = tryOpen(env, a.from.dir, ctx);
      const to = tryOpen(env, a.to.dir, ctx);
      const fb = await attrOrNone(fo, a.from.dir);
      const tb = await attrOrNone(to, a.to.dir);
      let status: number = NFS3_OK;
      try {
        const o: Opened = openForChange(env, a.from.dir, ctx, fo);
        const t = openForChange(env, a.to.dir, ctx, to);
        if (t.exportId !== o.exportId) throw new VfsError(Status.XDEV);
        await o.store.rename(a.from.dir, a.from.name, a.to.dir, a.to.name, o.cred);
      } catch (e) {
        status = statusOf(e);
      }
      const wcc = async (op: Opened | undefined, fh: Buffer, before: Attr | undefined): Promise<wcc_data> =>
        op
          ? { before: wccAttrOf(before), after: await attrOrNone(op, fh) }
          : { before: undefined, after: undefined };
      return { status, fromWcc: await wcc(fo, a.from.dir, fb), toWcc: await wcc(to, a.to.dir, tb) };
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodeWcc(w, res.fromWcc);
      encodeWcc(w, res.toWcc);
    },
  };
}
