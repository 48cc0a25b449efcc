import type { Procedure } from "../../rpc/types.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import type { Attr } from "../../vfs/store.ts";
import { UDP_XFER_MAX, attrOrNone, overUdp, statusOf, tryOpen, type V3Env } from "../env.ts";
import { NFS3_OK } from "../types.ts";
import { decodeFh, encodePostOpAttr } from "../xdr.ts";
import { BufferPool } from "../../../lib/bufpool.ts";
import { RTMAX } from "./fsinfo.ts";

// RFC 1813 §3.3.6 READ3args { nfs_fh3 file; offset3 offset; count3 count; }
export interface ReadArgs {
  fh: Buffer;
  offset: bigint;
  count: number;
}

// RFC 1813 §3.3.6 READ3res
//   NFS3_OK: post_op_attr file_attributes; count3 count; bool eof; opaque data<>;
//   default: post_op_attr file_attributes;
export interface ReadRes {
  status: number;
  attr: Attr | undefined;
  eof?: boolean;
  data?: Buffer | undefined;
  /** The buffer `data` was read into, at offset READ_ROOM (see encode). */
  backing?: Buffer | undefined;
  /** `backing` came from the pool: release() gives it back. */
  pooled?: boolean;
}

/**
 * Room left in front of the data of a large READ for the reply's RPC header (24 bytes with an
 * AUTH_NONE verifier, at most 28 + 400) and READ3resok's fields before the data (104 bytes), so
 * that the reply can be assembled around the data where it was read, without copying it.
 */
const READ_ROOM = 640;
const IN_PLACE = 16 * 1024;

/**
 * The READ buffers of TCP calls (bufpool.ts): taken in run, given back by release, which the
 * dispatcher calls only after the transport has written the reply assembled in the buffer. Not
 * used over UDP (small replies) nor for replies the transport does not release (they are garbage
 * collected). READ is idempotent, so its replies never enter the duplicate request cache (and the
 * cache copies what it keeps anyway).
 */
export const readBuffers = new BufferPool(RTMAX, READ_ROOM + 4, 8);

/**
 * RFC 1813 §3.3.6 NFSPROC3_READ: at most min(count, rtmax) bytes; eof when the data returned
 * reaches the end of the file. A directory is ISDIR, any other non-file INVAL.
 */
export function readProc(env: V3Env): Procedure<ReadArgs, ReadRes> {
  return {
    name: "READ",
    idempotent: true,
    decode(x) {
      const fh = decodeFh(x);
      const offset = x.u64();
      return { fh, offset, count: x.u32() };
    },
    async run(a, ctx) {
      const o = tryOpen(env, a.fh, ctx);
      try {
        const opened = o ?? env.open(a.fh, ctx);
        const count = Math.min(a.count, overUdp(ctx) ? UDP_XFER_MAX : RTMAX);
        const pooled = count >= IN_PLACE && !overUdp(ctx);
        const backing =
          count < IN_PLACE
            ? undefined
            : pooled
              ? readBuffers.take(READ_ROOM + count + 4)
              : Buffer.allocUnsafe(READ_ROOM + count + 4);
        // On a failed read the buffer is not given back (garbage collected): nothing to reason about.
        const r = await opened.store.read(a.fh, opened.cred, a.offset, count, backing?.subarray(READ_ROOM));
        return { status: NFS3_OK, attr: r.attr, eof: r.eof, data: r.data, backing, pooled };
      } catch (e) {
        return { status: statusOf(e), attr: await attrOrNone(o, a.fh) };
      }
    },
    encode(w: XdrWriter, res) {
      const data = res.data;
      if (
        res.status === NFS3_OK &&
        data &&
        res.backing &&
        data.byteOffset === res.backing.byteOffset + READ_ROOM
      ) {
        // The reply so far (the RPC header) moves in front of the data; the writer continues in
        // the read buffer. Writer.buf/pos are the byte writer's public state.
        const head = w.pos;
        const fields = 4 + (res.attr ? 88 : 4) + 4 + 4 + 4;
        const start = READ_ROOM - fields - head;
        if (start >= 0) {
          const view = res.backing.subarray(start);
          w.w.buf.copy(view, 0, 0, head);
          w.w.buf = view;
          w.u32(res.status);
          encodePostOpAttr(w, res.attr);
          w.u32(data.length);
          w.bool(res.eof!);
          w.u32(data.length);
          w.w.pos += data.length;
          w.w.zeros((4 - (data.length & 3)) & 3);
          return;
        }
      }
      if (data) w.w.ensure(data.length + 128);
      w.u32(res.status);
      encodePostOpAttr(w, res.attr);
      if (res.status === NFS3_OK) {
        w.u32(data!.length);
        w.bool(res.eof!);
        w.opaque(data!);
      }
    },
    release(res) {
      if (res.pooled && res.backing) {
        const b = res.backing;
        res.backing = undefined;
        res.data = undefined;
        readBuffers.give(b);
      }
    },
  };
}
