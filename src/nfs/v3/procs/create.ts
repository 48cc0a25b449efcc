import type { Procedure } from "../../rpc/types.ts";
import type { CreateHow } from "../../vfs/store.ts";
import { changeDir, encodeCreated, type CreatedRes } from "../dirop.ts";
import type { V3Env } from "../env.ts";
import { CREATEMODE3, EXCLUSIVE, GUARDED, NFS3_CREATEVERFSIZE, type diropargs3 } from "../types.ts";
import { decodeDirop, decodeSattr } from "../xdr.ts";

// RFC 1813 §3.3.8 CREATE3args { diropargs3 where; createhow3 how; }
//   createhow3: UNCHECKED, GUARDED: sattr3 obj_attributes; EXCLUSIVE: createverf3 verf;
export interface CreateArgs {
  where: diropargs3;
  how: CreateHow;
}

/**
 * RFC 1813 §3.3.8 NFSPROC3_CREATE. UNCHECKED opens an existing regular file (applying the
 * attributes, e.g. size 0); GUARDED fails with EXIST; EXCLUSIVE keeps the verifier with the file
 * so that the retransmission of a create that succeeded succeeds again, and anything else is EXIST.
 */
export function createProc(env: V3Env): Procedure<CreateArgs, CreatedRes> {
  return {
    name: "CREATE",
    idempotent: false,
    decode(x) {
      const where = decodeDirop(x);
      const mode = x.enum(CREATEMODE3, "createmode3");
      if (mode === EXCLUSIVE) {
        return {
          where,
          how: { mode: "exclusive", verifier: Buffer.from(x.opaqueFixed(NFS3_CREATEVERFSIZE)) },
        };
      }
      return { where, how: { mode: mode === GUARDED ? "guarded" : "unchecked", attrs: decodeSattr(x) } };
    },
    run: (a, ctx) =>
      changeDir(env, a.where.dir, ctx, (o) => o.store.create(a.where.dir, a.where.name, o.cred, a.how)),
    encode: encodeCreated,
  };
}
