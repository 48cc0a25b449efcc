import { WireError } from "../../lib/errors.ts";
import { XdrReader } from "../xdr/reader.ts";
import { XdrWriter } from "../xdr/writer.ts";
import {
  AUTH_ERROR,
  AUTH_NONE,
  CALL,
  MAX_AUTH_BYTES,
  MSG_ACCEPTED,
  MSG_DENIED,
  PROG_MISMATCH,
  REPLY,
  RPC_MISMATCH,
} from "./constants.ts";

/** RFC 5531 §8.2: struct opaque_auth { auth_flavor flavor; opaque body<400>; } */
export interface OpaqueAuth {
  flavor: number;
  body: Buffer;
}

/** RFC 5531 §9: struct call_body, with the xid of the enclosing rpc_msg. */
export interface CallHeader {
  xid: number;
  rpcvers: number;
  prog: number;
  vers: number;
  proc: number;
  cred: OpaqueAuth;
  verf: OpaqueAuth;
}

export function decodeOpaqueAuth(x: XdrReader): OpaqueAuth {
  const flavor = x.u32();
  const body = x.opaque(MAX_AUTH_BYTES, "opaque_auth body");
  return { flavor, body };
}

export function encodeOpaqueAuth(w: XdrWriter, a: OpaqueAuth): void {
  w.u32(a.flavor);
  w.opaque(a.body, MAX_AUTH_BYTES);
}

/** The xid, if the message is at least 4 bytes long (to answer even a broken header). */
export function peekXid(msg: Buffer): number | undefined {
  return msg.length >= 4 ? msg.readUInt32BE(0) : undefined;
}

/**
 * Decode the call header; the reader is left at the procedure's arguments. Throws WireError when
 * the message is not a CALL or is truncated. The rpcvers is returned as sent (the dispatcher
 * answers RPC_MISMATCH for anything but 2 — and then the rest of the header is not decoded).
 */
export function decodeCallHeader(x: XdrReader): CallHeader {
  const xid = x.u32();
  const at = x.pos;
  const mtype = x.u32();
  if (mtype !== CALL) throw new WireError(`not a CALL (msg_type ${mtype})`, at);
  const rpcvers = x.u32();
  const prog = x.u32();
  const vers = x.u32();
  const proc = x.u32();
  const cred = decodeOpaqueAuth(x);
  const verf = decodeOpaqueAuth(x);
  return { xid, rpcvers, prog, vers, proc, cred, verf };
}

export function encodeCallHeader(w: XdrWriter, h: CallHeader): void {
  w.u32(h.xid);
  w.u32(CALL);
  w.u32(h.rpcvers);
  w.u32(h.prog);
  w.u32(h.vers);
  w.u32(h.proc);
  encodeOpaqueAuth(w, h.cred);
  encodeOpaqueAuth(w, h.verf);
}

const NULL_VERF: OpaqueAuth = { flavor: AUTH_NONE, body: Buffer.alloc(0) };

/**
 * RFC 5531 §9 accepted_reply: xid, REPLY, MSG_ACCEPTED, verifier (AUTH_NONE), accept_stat; for
 * PROG_MISMATCH the supported low/high versions follow. SUCCESS results are written by the caller
 * right after this header.
 */
export function encodeAcceptedHeader(
  w: XdrWriter,
  xid: number,
  stat: number,
  mismatch?: { low: number; high: number },
): void {
  w.u32(xid);
  w.u32(REPLY);
  w.u32(MSG_ACCEPTED);
  encodeOpaqueAuth(w, NULL_VERF);
  w.u32(stat);
  if (stat === PROG_MISMATCH) {
    w.u32(mismatch?.low ?? 0);
    w.u32(mismatch?.high ?? 0);
  }
}

/** RFC 5531 §9 rejected_reply: RPC_MISMATCH (low, high) or AUTH_ERROR (auth_stat). */
export function encodeRejected(w: XdrWriter, xid: number, reply: RejectedReply): void {
  w.u32(xid);
  w.u32(REPLY);
  w.u32(MSG_DENIED);
  if (reply.stat === RPC_MISMATCH) {
    w.u32(RPC_MISMATCH);
    w.u32(reply.low);
    w.u32(reply.high);
  } else {
    w.u32(AUTH_ERROR);
    w.u32(reply.auth);
  }
}

export type RejectedReply =
  { stat: typeof RPC_MISMATCH; low: number; high: number } | { stat: typeof AUTH_ERROR; auth: number };

/** A decoded reply, for clients (tests, rpcbind registration). */
export type Reply =
  | {
      xid: number;
      kind: "accepted";
      verf: OpaqueAuth;
      stat: number;
      low?: number;
      high?: number;
      /** Positioned at the results when stat is SUCCESS. */
      body: XdrReader;
    }
  | { xid: number; kind: "denied"; stat: number; low?: number; high?: number; auth?: number };

export function decodeReply(msg: Buffer): Reply {
  const x = new XdrReader(msg);
  const xid = x.u32();
  const at = x.pos;
  const mtype = x.u32();
  if (mtype !== REPLY) throw new WireError(`not a REPLY (msg_type ${mtype})`, at);
  const rstat = x.u32();
  if (rstat === MSG_ACCEPTED) {
    const verf = decodeOpaqueAuth(x);
    const stat = x.u32();
    if (stat === PROG_MISMATCH)
      return { xid, kind: "accepted", verf, stat, low: x.u32(), high: x.u32(), body: x };
    return { xid, kind: "accepted", verf, stat, body: x };
  }
  if (rstat !== MSG_DENIED) throw new WireError(`invalid reply_stat ${rstat}`, at + 4);
  const stat = x.u32();
  if (stat === RPC_MISMATCH) return { xid, kind: "denied", stat, low: x.u32(), high: x.u32() };
  if (stat === AUTH_ERROR) return { xid, kind: "denied", stat, auth: x.u32() };
  throw new WireError(`invalid reject_stat ${stat}`, at + 8);
}

