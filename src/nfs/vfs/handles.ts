import { FH_MAX } from "./store.ts";
import { Status, fail } from "./status.ts";

/**
 * File handles (at most 64 bytes, RFC 1813 §2.4 NFS3_FHSIZE), made so that a new server process
 * can find the object again without a kernel open_by_handle_at():
 *
 *   off len
 *    0   1  version (1)
 *    1   1  length of the path hint (0 when it did not fit)
 *    2   4  export id (exportIdOf the export path, or the exports file's fsid=)
 *    6   4  device (low 32 bits of st_dev)
 *   10   8  inode number (= NFS fileid)
 *   18   4  generation: a 32-bit fold of the birth time in ns (statx btime), 0 when the file
 *           system has none; tells an inode number reused by a new file from the old one
 *   22   8  inode number of the parent directory when the handle was made (0 for the root)
 *   30  ≤34 path hint: the path relative to the export root, when it fits
 *
 * To resolve, a store tries in order: its in-memory inode index (inode -> parent, name), the path
 * hint (validated component by component, never through a symlink), a scan of the parent
 * directory, a scan of the export. Every candidate is accepted only when its inode, device and
 * generation match, so a stale hint or index entry can never name the wrong object.
 */
export const FH_VERSION = 1;
const HEADER = 30;
export const HINT_MAX = FH_MAX - HEADER;

export interface HandleFields {
  exportId: number;
  dev: number;
  ino: bigint;
  gen: number;
  parent: bigint;
  /** Relative path from the export root ("" for the root itself), or undefined when unknown. */
  hint?: string | undefined;
}

export function encodeHandle(f: HandleFields): Buffer {
  let hint = f.hint === undefined ? undefined : Buffer.from(f.hint, "utf8");
  if (hint !== undefined && hint.length > HINT_MAX) hint = undefined;
  const b = Buffer.alloc(HEADER + (hint?.length ?? 0));
  b[0] = FH_VERSION;
  b[1] = hint?.length ?? 0;
  b.writeUInt32BE(f.exportId >>> 0, 2);
  b.writeUInt32BE(f.dev >>> 0, 6);
  b.writeBigUInt64BE(BigInt.asUintN(64, f.ino), 10);
  b.writeUInt32BE(f.gen >>> 0, 18);
  b.writeBigUInt64BE(BigInt.asUintN(64, f.parent), 22);
  if (hint) hint.copy(b, HEADER);
  return b;
}

/** Decode a handle; anything that is not exactly one of ours is BADHANDLE. */
export function decodeHandle(b: Buffer): HandleFields {
  if (b.length < HEADER || b.length > FH_MAX || b[0] !== FH_VERSION) fail(Status.BADHANDLE);
  const hintLen = b[1]!;
  if (b.length !== HEADER + hintLen) fail(Status.BADHANDLE);
  return {
    exportId: b.readUInt32BE(2),
    dev: b.readUInt32BE(6),
    ino: b.readBigUInt64BE(10),
    gen: b.readUInt32BE(18),
    parent: b.readBigUInt64BE(22),
    hint: hintLen > 0 ? b.toString("utf8", HEADER, HEADER + hintLen) : undefined,
  };
}

/** The export id of a handle without decoding the rest (for routing a call to its export). */
export function handleExportId(b: Buffer): number | undefined {
  if (b.length < HEADER || b.length > FH_MAX || b[0] !== FH_VERSION) return undefined;
  return b.readUInt32BE(2);
}

/**
 * The export id of an export path: FNV-1a (32 bit) of the path as written in the exports file, so
 * it stays the same across restarts as long as the export keeps its path. Never 0.
 */
export function exportIdOf(exportPath: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(exportPath, "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h === 0 ? 1 : h;
}

/** A 32-bit generation from a birth time in ns (0n = unknown -> 0). */
export function genOf(birthtimeNs: bigint): number {
  if (birthtimeNs === 0n) return 0;
  const v = BigInt.asUintN(64, birthtimeNs);
  const g = Number((v ^ (v >> 32n)) & 0xffffffffn);
  return g === 0 ? 1 : g;
}

/** An export's fsid as NFS sends it: the export id (each export is its own file system). */
export function fsidOf(exportId: number): bigint {
  return BigInt(exportId >>> 0);
}
