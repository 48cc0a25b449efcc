/**
 * Reply size arithmetic for READDIR and READDIRPLUS (RFC 1813 §3.3.16-17: `count`, `dircount`
 * and `maxcount` are byte budgets of the XDR reply), shared by both procedures.
 */
import type { DirEntry } from "../../vfs/store.ts";

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
