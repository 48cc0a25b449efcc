import type { Procedure } from "../../rpc/types.ts";
import type { SetAttr } from "../../vfs/store.ts";
import { changeDir, encodeCreated, type CreatedRes } from "../dirop.ts";
import type { V3Env } from "../env.ts";
import { NFSPATH3_MAX, type diropargs3 } from "../types.ts";
import { decodeDirop, decodePath, decodeSattr } from "../xdr.ts";

// RFC 1813 §3.3.10 SYMLINK3args { diropargs3 where; symlinkdata3 symlink; }
//   symlinkdata3 { sattr3 symlink_attributes; nfspath3 symlink_data; }
export interface SymlinkArgs {
  where: diropargs3;
  attrs: SetAttr;
  target: Buffer;
}

/**
 * RFC 1813 §3.3.10 NFSPROC3_SYMLINK: the target is stored as given; the server never resolves it
 * (a link to /etc/passwd is just text: READ through it is never done by the server).
 */
export function symlinkProc(env: V3Env): Procedure<SymlinkArgs, CreatedRes> {
  return {
    name: "SYMLINK",
    idempotent: false,
    decode(x) {
      const where = decodeDirop(x);
      const attrs = decodeSattr(x);
      return { where, attrs, target: Buffer.from(decodePath(x, NFSPATH3_MAX)) };
    },
    run: (a, ctx) =>
      changeDir(env, a.where.dir, ctx, (o) =>
        o.store.symlink(a.where.dir, a.where.name, o.cred, a.target, a.attrs),
      ),
    encode: encodeCreated,
  };
}
