import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr } from "../../vfs/store.ts";
import { Status, VfsError } from "../../vfs/status.ts";
import { changeDir, type DirChange } from "../dirop.ts";
import { attrOrNone, tryOpen, type V3Env } from "../env.ts";
import type { diropargs3 } from "../types.ts";
import { decodeDirop, decodeFh, encodePostOpAttr, encodeWcc } from "../xdr.ts";

// RFC 1813 §3.3.15 LINK3args { nfs_fh3 file; diropargs3 link; }
export interface LinkArgs {
  fh: Buffer;
  link: diropargs3;
}

// RFC 1813 §3.3.15 LINK3res: post_op_attr file_attributes; wcc_data linkdir_wcc; in both arms
export interface LinkRes extends DirChange<void> {
  fileAttr: Attr | undefined;
}

/** RFC 1813 §3.3.15 NFSPROC3_LINK: a hard link, inside one export (XDEV otherwise), not to a directory. */
export function linkProc(env: V3Env): Procedure<LinkArgs, LinkRes> {
  return {
    name: "LINK",
    idempotent: false,
    decode(x) {
      const fh = decodeFh(x);
      return { fh, link: decodeDirop(x) };
    },
    async run(a, ctx) {
      const res = await changeDir(env, a.link.dir, ctx, async (o) => {
        const f = env.open(a.fh, ctx);
        if (f.exportId !== o.exportId) throw new VfsError(Status.XDEV);
        await o.store.link(a.fh, a.link.dir, a.link.name, o.cred);
      });
      return { ...res, fileAttr: await attrOrNone(tryOpen(env, a.fh, ctx), a.fh) };
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodePostOpAttr(w, res.fileAttr);
      encodeWcc(w, res.wcc);
    },
  };
}
