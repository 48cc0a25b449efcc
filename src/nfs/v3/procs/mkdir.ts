import type { Procedure } from "../../rpc/types.ts";
import type { SetAttr } from "../../vfs/store.ts";
import { changeDir, encodeCreated, type CreatedRes } from "../dirop.ts";
import type { V3Env } from "../env.ts";
import type { diropargs3 } from "../types.ts";
import { decodeDirop, decodeSattr } from "../xdr.ts";

// RFC 1813 §3.3.9 MKDIR3args { diropargs3 where; sattr3 attributes; }
export interface MkdirArgs {
  where: diropargs3;
  attrs: SetAttr;
}

/** RFC 1813 §3.3.9 NFSPROC3_MKDIR: a new directory owned by the caller; EXIST when the name is taken. */
export function mkdirProc(env: V3Env): Procedure<MkdirArgs, CreatedRes> {
  return {
    name: "MKDIR",
    idempotent: false,
    decode(x) {
      const where = decodeDirop(x);
      return { where, attrs: decodeSattr(x) };
    },
    run: (a, ctx) =>
      changeDir(env, a.where.dir, ctx, (o) => o.store.mkdir(a.where.dir, a.where.name, o.cred, a.attrs)),
    encode: encodeCreated,
  };
}
