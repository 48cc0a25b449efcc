import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { DirEntry } from "../../vfs/store.ts";
import { UDP_XFER_MAX, attrOrNone, overUdp, statusOf, tryOpen, type V3Env } from "../env.ts";
import { NFS3_COOKIEVERFSIZE, NFS3_OK } from "../types.ts";
import { decodeFh, encodePostOpAttr, encodePostOpFh } from "../xdr.ts";
import {
  FATTR3_SIZE,
  dirPageReply,
  fitEntries,
  nameSize,
  POST_OP_ATTR_MAX,
  type DirPageRes,
} from "./readdir-size.ts";

// RFC 1813 §3.3.17 READDIRPLUS3args
//   { nfs_fh3 dir; cookie3 cookie; cookieverf3 cookieverf; count3 dircount; count3 maxcount; }
export interface ReaddirplusArgs {
  dir: Buffer;
  cookie: bigint;
  verifier: Buffer;
  dircount: number;
  maxcount: number;
}

// RFC 1813 §3.3.17 READDIRPLUS3res
//   NFS3_OK: post_op_attr dir_attributes; cookieverf3 cookieverf; dirlistplus3 reply;
//   default: post_op_attr dir_attributes;
//   entryplus3 { fileid3 fileid; filename3 name; cookie3 cookie; post_op_attr name_attributes;
//                post_op_fh3 name_handle; entryplus3 *nextentry; }
export type ReaddirplusRes = DirPageRes;

function fhSize(fh: Buffer | undefined): number {
  return 4 + (fh ? 4 + fh.length + ((4 - (fh.length & 3)) & 3) : 0);
}

/** The whole entryplus3 (for maxcount). */
function entryplusSize(e: DirEntry): number {
  return 4 + 8 + nameSize(e.name) + 8 + 4 + (e.attr ? FATTR3_SIZE : 0) + fhSize(e.fh);
}

/** The directory part only: fileid, name, cookie (for dircount, as RFC 1813 §3.3.17 counts it). */
function dirinfoSize(e: DirEntry): number {
  return 8 + nameSize(e.name) + 8;
}

/**
 * RFC 1813 §3.3.17 NFSPROC3_READDIRPLUS: entries with their handles and attributes, as many as fit
 * both in `dircount` bytes of directory information and `maxcount` bytes of reply.
 */
export function readdirplusProc(env: V3Env): Procedure<ReaddirplusArgs, ReaddirplusRes> {
  return {
    name: "READDIRPLUS",
    idempotent: true,
    decode(x) {
      const dir = decodeFh(x);
      const cookie = x.u64();
      const verifier = Buffer.from(x.opaqueFixed(NFS3_COOKIEVERFSIZE));
      const dircount = x.u32();
      return { dir, cookie, verifier, dircount, maxcount: x.u32() };
    },
    async run(a, ctx) {
      const o = tryOpen(env, a.dir, ctx);
      try {
        const opened = o ?? env.open(a.dir, ctx);
        const fixed = POST_OP_ATTR_MAX + NFS3_COOKIEVERFSIZE + 4 + 4;
        const budget = (overUdp(ctx) ? Math.min(a.maxcount, UDP_XFER_MAX) : a.maxcount) - fixed;
        // dircount 0 (or tiny) means "no separate limit" in practice; maxcount always bounds.
        const dirBudget = a.dircount >= 24 ? a.dircount : Number.MAX_SAFE_INTEGER;
        const limit = Math.max(1, Math.min(Math.ceil(budget / 100), Math.ceil(dirBudget / 20)));
        const r = await opened.store.readdir(a.dir, opened.cred, {
          cookie: a.cookie,
          verifier: a.verifier,
          limit,
          plus: true,
        });
        const n = Math.min(
          fitEntries(r.entries, budget, entryplusSize),
          fitEntries(r.entries, dirBudget, dirinfoSize),
        );
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
        encodePostOpAttr(x, e.attr);
        encodePostOpFh(x, e.fh);
      });
      w.bool(res.eof!);
    },
  };
}
