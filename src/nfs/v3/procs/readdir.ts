import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { DirEntry } from "../../vfs/store.ts";
import { UDP_XFER_MAX, attrOrNone, overUdp, statusOf, tryOpen, type V3Env } from "../env.ts";
import { NFS3_COOKIEVERFSIZE, NFS3_OK } from "../types.ts";
import { decodeFh, encodePostOpAttr } from "../xdr.ts";
import { dirPageReply, fitEntries, nameSize, POST_OP_ATTR_MAX, type DirPageRes } from "./readdir-size.ts";

// RFC 1813 §3.3.16 READDIR3args { nfs_fh3 dir; cookie3 cookie; cookieverf3 cookieverf; count3 count; }
export interface ReaddirArgs {
  dir: Buffer;
  cookie: bigint;
  verifier: Buffer;
  count: number;
}

// RFC 1813 §3.3.16 READDIR3res
//   NFS3_OK: post_op_attr dir_attributes; cookieverf3 cookieverf; dirlist3 reply;
//   default: post_op_attr dir_attributes;
//   dirlist3 { entry3 *entries; bool eof; }  entry3 { fileid3 fileid; filename3 name; cookie3 cookie; entry3 *nextentry; }
export type ReaddirRes = DirPageRes;

/** Bytes of one entry3 in the reply, with its "value follows" word. */
export function entry3Size(e: DirEntry): number {
  return 4 + 8 + nameSize(e.name) + 8;
}

/**
 * RFC 1813 §3.3.16 NFSPROC3_READDIR: as many entries as fit in `count` bytes of READDIR3resok
 * (XDR overhead included); TOOSMALL when not even one does. Cookies and the verifier come from
 * the store's snapshot (an old verifier whose snapshot is gone is BAD_COOKIE).
 */
export function readdirProc(env: V3Env): Procedure<ReaddirArgs, ReaddirRes> {
  return {
    name: "READDIR",
    idempotent: true,
    decode(x) {
      const dir = decodeFh(x);
      const cookie = x.u64();
      const verifier = Buffer.from(x.opaqueFixed(NFS3_COOKIEVERFSIZE));
      return { dir, cookie, verifier, count: x.u32() };
    },
    async run(a, ctx) {
      const o = tryOpen(env, a.dir, ctx);
      try {
        const opened = o ?? env.open(a.dir, ctx);
        const count = overUdp(ctx) ? Math.min(a.count, UDP_XFER_MAX) : a.count;
        const fixed = POST_OP_ATTR_MAX + NFS3_COOKIEVERFSIZE + 4 + 4;
        const limit = Math.max(1, Math.ceil((count - fixed) / 24));
        const r = await opened.store.readdir(a.dir, opened.cred, {
          cookie: a.cookie,
          verifier: a.verifier,
          limit,
          plus: false,
        });
        const n = fitEntries(r.entries, count - fixed, entry3Size);
        return await dirPageReply(opened, a.dir, r, n);
      } catch (e) {
        return { status: statusOf(e), dirAttr: await attrOrNone(o, a.dir) };
      }
    },
    encode(w: XdrWriter, res) {
      w.u32(res.status);
      encodePostOpAttr(w, res.dirAttr);
      if (res.status !== NFS3_OK) return;
      w.opaqueFixed(res.verifier!);
      w.list(res.entries!, (x, e) => {
        x.u64(e.fileid);
        x.string(e.name);
        x.u64(e.cookie);
      });
      w.bool(res.eof!);
    },
  };
}
