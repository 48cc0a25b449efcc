import type { Procedure } from "../../rpc/types.ts";
import type { FileType, SetAttr } from "../../vfs/store.ts";
import { Status, VfsError } from "../../vfs/status.ts";
import { changeDir, encodeCreated, type CreatedRes } from "../dirop.ts";
import type { V3Env } from "../env.ts";
import { FTYPE3, NF3BLK, NF3CHR, NF3FIFO, NF3SOCK, type diropargs3 } from "../types.ts";
import { decodeDirop, decodeSattr } from "../xdr.ts";

// RFC 1813 §3.3.11 MKNOD3args { diropargs3 where; mknoddata3 what; }
//   mknoddata3: switch (ftype3 type) { NF3CHR, NF3BLK: devicedata3 device;
//                                      NF3SOCK, NF3FIFO: sattr3 pipe_attributes; default: void; }
//   devicedata3 { sattr3 dev_attributes; specdata3 spec; }
export interface MknodArgs {
  where: diropargs3;
  type: FileType;
  attrs: SetAttr;
  rdev: { major: number; minor: number };
}

/**
 * RFC 1813 §3.3.11 NFSPROC3_MKNOD: devices (root only, else PERM), sockets and FIFOs. Any other
 * type is BADTYPE, as the RFC says.
 */
export function mknodProc(env: V3Env): Procedure<MknodArgs, CreatedRes> {
  return {
    name: "MKNOD",
    idempotent: false,
    decode(x) {
      const where = decodeDirop(x);
      const type = x.enum(FTYPE3, "ftype3") as FileType;
      let attrs: SetAttr = {};
      const rdev = { major: 0, minor: 0 };
      if (type === NF3CHR || type === NF3BLK) {
        attrs = decodeSattr(x);
        rdev.major = x.u32();
        rdev.minor = x.u32();
      } else if (type === NF3SOCK || type === NF3FIFO) {
        attrs = decodeSattr(x);
      }
      return { where, type, attrs, rdev };
    },
    run: (a, ctx) =>
      changeDir(env, a.where.dir, ctx, (o) => {
        if (a.type !== NF3CHR && a.type !== NF3BLK && a.type !== NF3SOCK && a.type !== NF3FIFO) {
          throw new VfsError(Status.BADTYPE);
        }
        return o.store.mknod(a.where.dir, a.where.name, o.cred, a.type, a.attrs, a.rdev);
      }),
    encode: encodeCreated,
  };
}
