/**
 * Reply size arithmetic for READDIR and READDIRPLUS (RFC 1813 §3.3.16-17: `count`, `dircount`
 * and `maxcount` are byte budgets of the XDR reply), shared by both procedures.
 */
import type { Attr, DirEntry, ReaddirResult } from "../../vfs/store.ts";
import { attrOrNone, type Opened } from "../env.ts";
import { NFS3_OK, NFS3ERR_TOOSMALL } from "../types.ts";

/** fattr3 is 21 XDR words. */
export const FATTR3_SIZE = 84;
/** post_op_attr with attributes. */
export const POST_OP_ATTR_MAX = 4 + FATTR3_SIZE;

/** filename3 on the wire: length word + bytes padded to 4. */
export function nameSize(name: string): number {
  const n = Buffer.byteLength(name, "utf8");
  return 4 + n + ((4 - (n & 3)) & 3);
}

/** How many leading entries fit in `budget` bytes, the list's closing words excluded. */
export function fitEntries(
  entries: readonly DirEntry[],
  budget: number,
  size: (e: DirEntry) => number,
): number {
  let used = 0;
  for (let i = 0; i < entries.length; i++) {
    used += size(entries[i]!);
    if (used > budget) return i;
  }
  return entries.length;
}

/** READDIR3res / READDIRPLUS3res as the procedures hand them to their encoders. */
export interface DirPageRes {
  status: number;
  dirAttr: Attr | undefined;
  verifier?: Buffer;
  entries?: DirEntry[];
  eof?: boolean;
}

/**
 * The reply for the first `n` entries of a store page (n from fitEntries): NFS3ERR_TOOSMALL when
 * the page has entries but not even one fits; eof only when the page was the last and all of it fits.
 */
export async function dirPageReply(
  opened: Opened,
  dir: Buffer,
  page: ReaddirResult,
  n: number,
): Promise<DirPageRes> {
  if (n === 0 && page.entries.length > 0)
    return { status: NFS3ERR_TOOSMALL, dirAttr: await attrOrNone(opened, dir) };
  return {
    status: NFS3_OK,
    dirAttr: await attrOrNone(opened, dir),
    verifier: page.verifier,
    entries: page.entries.slice(0, n),
    eof: page.eof && n === page.entries.length,
  };
}
