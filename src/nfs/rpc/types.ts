import type { Logger } from "../../lib/log.ts";
import type { XdrReader } from "../xdr/reader.ts";
import type { XdrWriter } from "../xdr/writer.ts";
import { NetsvcError } from "../../lib/errors.ts";

/**
 * THE CONTRACT between the RPC layer (src/nfs/rpc, owned by NFS-A) and the programs that run on it
 * (MOUNT v3 in src/nfs/mount, NFS v3 in src/nfs/v3 owned by NFS-B, portmap/rpcbind, later NFSv4).
 *
 * A program is ONE numbered table: `procs[n]` is procedure number n (RFC 5531 §8.1 "procedure
 * numbers"); a hole (undefined) answers PROC_UNAVAIL. One version of a program = one Program
 * object; registering several versions of the same program number makes the dispatcher answer
 * PROG_MISMATCH with the lowest and highest registered version for any other version.
 *
 * The dispatcher does, in this order, for each call (RFC 5531 §9):
 *   1. rpcvers != 2                          -> MSG_DENIED RPC_MISMATCH (low = high = 2)
 *   2. credential flavor not NONE/SYS, or a malformed AUTH_SYS body -> MSG_DENIED AUTH_ERROR
 *      AUTH_BADCRED; a flavor the program does not list in `flavors` -> AUTH_TOOWEAK
 *   3. unknown prog -> PROG_UNAVAIL; unknown vers -> PROG_MISMATCH(low, high); no procs[proc]
 *      -> PROC_UNAVAIL
 *   4. duplicate request cache (non-idempotent procedures only, see drc.ts): a retransmission of
 *      a call that completed is answered with the cached reply bytes; one still running is dropped
 *   5. `decode(args)`: ANY exception (WireError from the bounds-checked reader, or anything else)
 *      -> GARBAGE_ARGS. The decoder need not consume every byte (trailing bytes are ignored).
 *   6. `run(args, ctx)`: the returned result is encoded with `encode` after an accepted/SUCCESS
 *      header. Throwing RpcAuthError(stat) -> MSG_DENIED AUTH_ERROR(stat) (e.g. AUTH_TOOWEAK);
 *      throwing RpcDropError -> no reply at all; any other exception -> SYSTEM_ERR, logged.
 *      Protocol-level failures (NFS3ERR_*, MNT3ERR_*) are RESULTS, not exceptions.
 *   7. `encode(w, res)` writes only the procedure's result body (no RPC header).
 *   8. `release(res)`, when the procedure has one, after a SUCCESS reply encoded from `res` is no
 *      longer needed (see RpcReply.release): the result may own buffers the reply bytes point into.
 *
 * Procedures never see sockets: the transport (src/nfs/server) frames records/datagrams and hands
 * the dispatcher a Buffer plus the ClientInfo; the reply comes back as an RpcReply (or null = drop).
 */
export interface Procedure<A = unknown, R = unknown> {
  /** Upper-case RFC name, e.g. "MNT", "GETATTR" (used in logs and metrics). */
  readonly name: string;
  /**
   * Decode the call's arguments. Throw on anything malformed (-> GARBAGE_ARGS). Opaque data in
   * the arguments are views of the call message, whose bytes the TCP transport reuses once the
   * call is over (run() settled and its result encoded): what is kept beyond that (a cache, a
   * store's data) must be copied.
   */
  decode(r: XdrReader): A;
  run(args: A, ctx: CallContext): Promise<R> | R;
  encode(w: XdrWriter, res: R): void;
  /**
   * Optional: give back what `res` owns (e.g. a pooled buffer the reply was assembled in). Called
   * at most once, only after the transport is done with the reply bytes, and only on the SUCCESS
   * path; possibly never (then whatever `res` holds is garbage collected), so release must only
   * return resources, never be needed for correctness.
   */
  release?(res: R): void;
  /**
   * false for procedures whose repetition would do something different (CREATE, REMOVE, RENAME,
   * MKDIR, ... and MOUNT's MNT/UMNT): their replies are kept in the duplicate request cache.
   */
  readonly idempotent: boolean;
}

/** A procedure with its types erased, for tables: `procs: [NULL, GETATTR, ...] as ProcedureTable`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProcedure = Procedure<any, any>;
export type ProcedureTable = readonly (AnyProcedure | undefined)[];

export interface Program {
  readonly prog: number;
  readonly vers: number;
  /** e.g. "nfs", "mountd", "portmapper" (what rpcinfo prints). */
  readonly name: string;
  /** procs[n] is procedure n; holes answer PROC_UNAVAIL. */
  readonly procs: ProcedureTable;
  /**
   * Credential flavors this program accepts (default AUTH_NONE and AUTH_SYS). A call with another
   * flavor that the RPC layer understands is refused with AUTH_ERROR AUTH_TOOWEAK.
   */
  readonly flavors?: readonly number[];
}

export type Transport = "tcp" | "udp";

/**
 * A reply as the dispatcher hands it to a transport. `bytes` may point into buffers owned by the
 * procedure's result; the transport calls `release` (when present) exactly once, after it is done
 * with `bytes`: TCP in the socket.write callback (the bytes have been handed to the kernel or the
 * write failed), UDP in the send callback; at once when it does not send the reply. Nothing may
 * read `bytes` after release. A transport that never calls it is safe, only slower.
 */
export interface RpcReply {
  readonly bytes: Buffer;
  readonly release?: () => void;
}

export interface ClientInfo {
  /** The peer address as the socket reports it (v4-mapped v6 allowed; exports matching normalises). */
  readonly address: string;
  readonly port: number;
  readonly transport: Transport;
  /** The local address the call arrived on, when the transport knows it. */
  readonly localAddress?: string;
}

/** RFC 5531 appendix A: struct authsys_parms (the stamp and machine name are informative only). */
export interface AuthSysCred {
  readonly stamp: number;
  readonly machinename: string;
  readonly uid: number;
  readonly gid: number;
  /** At most 16 (MAX_AUTH_SYS_GIDS); longer lists are refused with AUTH_BADCRED. */
  readonly gids: readonly number[];
}

export interface CallContext {
  readonly xid: number;
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  readonly client: ClientInfo;
  /** AUTH_NONE (0) or AUTH_SYS (1). */
  readonly flavor: number;
  /** The AUTH_SYS credential as sent (NOT squashed), or null for AUTH_NONE. */
  readonly cred: AuthSysCred | null;
  readonly log: Logger;
}

/** Thrown by run() to refuse the call with MSG_DENIED / AUTH_ERROR (RFC 5531 §9 auth_stat). */
export class RpcAuthError extends NetsvcError {
  readonly stat: number;
  constructor(stat: number, message = `authentication error ${stat}`) {
    super("ERPCAUTH", message);
    this.stat = stat;
  }
}

/** Thrown by run() when no reply must be sent (the client will retransmit). */
export class RpcDropError extends NetsvcError {
  constructor(message = "reply dropped") {
    super("ERPCDROP", message);
  }
}

/** Helper for procedures without arguments or results (NULL). */
export const VOID = {
  decode: (_r: XdrReader): undefined => undefined,
  encode: (_w: XdrWriter, _v: undefined): void => undefined,
};

/** Procedure 0 of every program: do nothing, reply empty (RFC 5531 §12 convention). */
export const NULL_PROC: Procedure<undefined, undefined> = {
  name: "NULL",
  decode: VOID.decode,
  run: () => undefined,
  encode: VOID.encode,
  idempotent: true,
};
