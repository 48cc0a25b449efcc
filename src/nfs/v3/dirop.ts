/**
 * The shape shared by the procedures that change a directory (CREATE, MKDIR, SYMLINK, MKNOD,
 * REMOVE, RMDIR, RENAME, LINK): attributes of the directory before, the change (refused with ROFS
 * on a read-only export), attributes after — wcc_data in the reply whether the change worked or not.
 */
import type { CallContext } from "../rpc/types.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import type { Attr, Created } from "../vfs/store.ts";
import { attrOrNone, openForChange, statusOf, tryOpen, type Opened, type V3Env } from "./env.ts";
import { NFS3_OK, NO_WCC, wccAttrOf, type wcc_data } from "./types.ts";
import { encodePostOpAttr, encodePostOpFh, encodeWcc } from "./xdr.ts";

export interface DirChange<T> {
  status: number;
  wcc: wcc_data;
  value?: T;
}

export async function changeDir<T>(
  env: V3Env,
  dir: Buffer,
  ctx: CallContext,
  body: (o: Opened) => Promise<T>,
): Promise<DirChange<T>> {
  let o: Opened | undefined;
  let before: Attr | undefined;
  try {
    o = tryOpen(env, dir, ctx);
    before = await attrOrNone(o, dir);
    o = openForChange(env, dir, ctx, o);
    const value = await body(o);
    return { status: NFS3_OK, wcc: { before: wccAttrOf(before), after: await attrOrNone(o, dir) }, value };
  } catch (e) {
    const status = statusOf(e);
    return { status, wcc: o ? { before: wccAttrOf(before), after: await attrOrNone(o, dir) } : NO_WCC };
  }
}

// RFC 1813 §3.3.8 CREATE3res (and MKDIR3res, SYMLINK3res, MKNOD3res, which are the same)
//   NFS3_OK: post_op_fh3 obj; post_op_attr obj_attributes; wcc_data dir_wcc;
//   default: wcc_data dir_wcc;
export type CreatedRes = DirChange<Created>;

export function encodeCreated(w: XdrWriter, res: CreatedRes): void {
  w.u32(res.status);
  if (res.status === NFS3_OK) {
    encodePostOpFh(w, res.value?.fh);
    encodePostOpAttr(w, res.value?.attr);
  }
  encodeWcc(w, res.wcc);
}
