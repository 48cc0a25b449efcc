/**
 * XDR codecs of the structures RFC 1813 §2.5 defines and the procedures share. Decoders throw on
 * anything malformed (the dispatcher answers GARBAGE_ARGS); encoders trust their typed input.
 */
import { WireError } from "../../lib/errors.ts";
import type { XdrReader } from "../xdr/reader.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import type { SetAttr } from "../vfs/store.ts";
import {
  FILENAME3_MAX,
  NFS3_FHSIZE,
  SET_TO_CLIENT_TIME,
  SET_TO_SERVER_TIME,
  TIME_HOW,
  type diropargs3,
  type fattr3,
  type nfstime3,
  type wcc_attr,
  type wcc_data,
} from "./types.ts";

// RFC 1813 §2.5 nfs_fh3 { opaque data<NFS3_FHSIZE>; }
export function decodeFh(x: XdrReader): Buffer {
  return x.opaque(NFS3_FHSIZE, "nfs_fh3");
}

export function encodeFh(w: XdrWriter, fh: Buffer): void {
  w.opaque(fh, NFS3_FHSIZE);
}

// RFC 1813 §2.5 filename3: string (we bound it; the store answers NAMETOOLONG above NAME_MAX)
export function decodeName(x: XdrReader): string {
  return x.string(FILENAME3_MAX, "filename3");
}

// RFC 1813 §2.5 diropargs3 { nfs_fh3 dir; filename3 name; }
export function decodeDirop(x: XdrReader): diropargs3 {
  const dir = decodeFh(x);
  return { dir, name: decodeName(x) };
}

// RFC 1813 §2.5 nfstime3 { uint32 seconds; uint32 nseconds; }
export function decodeTime(x: XdrReader): nfstime3 {
  const sec = x.u32();
  const nsec = x.u32();
  if (nsec >= 1_000_000_000) throw new WireError(`nseconds ${nsec} out of range`, x.pos - 4);
  return { sec, nsec };
}

export function encodeTime(w: XdrWriter, t: nfstime3): void {
  w.u32(t.sec < 0 ? 0 : t.sec > 0xffffffff ? 0xffffffff : t.sec);
  w.u32(t.nsec);
}

// RFC 1813 §2.5 fattr3
export function encodeFattr(w: XdrWriter, a: fattr3): void {
  w.u32(a.type);
  w.u32(a.mode);
  w.u32(a.nlink);
  w.u32(a.uid);
  w.u32(a.gid);
  w.u64(a.size);
  w.u64(a.used);
  w.u32(a.rdev.major); // specdata3 { uint32 specdata1; uint32 specdata2; }
  w.u32(a.rdev.minor);
  w.u64(a.fsid);
  w.u64(a.fileid);
  encodeTime(w, a.atime);
  encodeTime(w, a.mtime);
  encodeTime(w, a.ctime);
}

// RFC 1813 §2.5 post_op_attr: union switch (bool attributes_follow)
export function encodePostOpAttr(w: XdrWriter, a: fattr3 | undefined): void {
  w.optional(a, encodeFattr);
}

// RFC 1813 §2.5 pre_op_attr (wcc_attr)
function encodeWccAttr(w: XdrWriter, a: wcc_attr): void {
  w.u64(a.size);
  encodeTime(w, a.mtime);
  encodeTime(w, a.ctime);
}

// RFC 1813 §2.5 wcc_data { pre_op_attr before; post_op_attr after; }
export function encodeWcc(w: XdrWriter, wcc: wcc_data): void {
  w.optional(wcc.before, encodeWccAttr);
  encodePostOpAttr(w, wcc.after);
}

// RFC 1813 §2.5 post_op_fh3: union switch (bool handle_follows)
export function encodePostOpFh(w: XdrWriter, fh: Buffer | undefined): void {
  w.optional(fh, encodeFh);
}

// RFC 1813 §2.5 sattr3 with set_mode3, set_uid3, set_gid3, set_size3, set_atime, set_mtime
export function decodeSattr(x: XdrReader): SetAttr {
  const sa: SetAttr = {};
  if (x.bool()) sa.mode = x.u32() & 0o7777;
  if (x.bool()) sa.uid = x.u32();
  if (x.bool()) sa.gid = x.u32();
  if (x.bool()) sa.size = x.u64();
  const at = decodeTimeHow(x);
  if (at !== undefined) sa.atime = at;
  const mt = decodeTimeHow(x);
  if (mt !== undefined) sa.mtime = mt;
  return sa;
}

function decodeTimeHow(x: XdrReader): nfstime3 | "server" | undefined {
  const how = x.enum(TIME_HOW, "time_how");
  if (how === SET_TO_CLIENT_TIME) return decodeTime(x);
  if (how === SET_TO_SERVER_TIME) return "server";
  return undefined;
}

// RFC 1813 §2.5 nfspath3: string
export function decodePath(x: XdrReader, max: number): Buffer {
  return x.opaque(max, "nfspath3");
}
