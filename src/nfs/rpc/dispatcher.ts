import type { Logger } from "../../lib/log.ts";
import { XdrReader } from "../xdr/reader.ts";
import { XdrWriter } from "../xdr/writer.ts";
import { authenticate } from "./auth.ts";
import {
  AUTH_ERROR,
  AUTH_NONE,
  AUTH_SYS,
  AUTH_TOOWEAK,
  GARBAGE_ARGS,
  PROC_UNAVAIL,
  PROG_MISMATCH,
  PROG_UNAVAIL,
  RPC_MISMATCH,
  RPC_VERSION,
  SUCCESS,
  SYSTEM_ERR,
} from "./constants.ts";
import { DuplicateRequestCache } from "./drc.ts";
import { decodeCallHeader, encodeAcceptedHeader, encodeRejected, type CallHeader } from "./message.ts";
import {
  RpcAuthError,
  RpcDropError,
  type AnyProcedure,
  type AuthSysCred,
  type CallContext,
  type ClientInfo,
  type Program,
  type RpcReply,
} from "./types.ts";

/**
 * The RPC dispatcher: one call message in, one reply message out (or null = no reply). Keyed by
 * (prog, vers, proc) over the programs' numbered tables; the order of checks and what each error
 * answers is the contract written in types.ts. Transports (src/nfs/server) add the framing.
 */
export interface DispatcherOptions {
  log: Logger;
  /** Omit to disable the duplicate request cache. */
  drc?: DuplicateRequestCache;
}

export interface DispatchCounters {
  calls: number;
  /** Replies by RFC name: SUCCESS, GARBAGE_ARGS, AUTH_ERROR, ... */
  replies: Record<string, number>;
  dropped: number;
}

const DEFAULT_FLAVORS = [AUTH_NONE, AUTH_SYS] as const;

export class Dispatcher {
  private readonly byProg = new Map<number, Map<number, Program>>();
  private readonly log: Logger;
  readonly drc: DuplicateRequestCache | undefined;
  readonly counters: DispatchCounters = { calls: 0, replies: {}, dropped: 0 };

  constructor(opts: DispatcherOptions) {
    this.log = opts.log;
    this.drc = opts.drc;
  }

  register(p: Program): void {
    let versions = this.byProg.get(p.prog);
    if (versions === undefined) this.byProg.set(p.prog, (versions = new Map<number, Program>()));
    if (versions.has(p.vers)) throw new Error(`program ${p.prog} version ${p.vers} registered twice`);
    versions.set(p.vers, p);
  }

  /** Every registered (program, version), for portmapper registration. */
  programs(): Program[] {
    return [...this.byProg.values()].flatMap((m) => [...m.values()]);
  }

  /**
   * Handle one RPC message; the reply's bytes as a Buffer the caller may keep (no release: any
   * pooled buffer behind it is simply not reused). Transports use dispatchReply.
   */
  async dispatch(msg: Buffer, client: ClientInfo): Promise<Buffer | null> {
    const r = await this.dispatchReply(msg, client);
    return r === null ? null : r.bytes;
  }

  /**
   * Handle one RPC message. Never throws: malformed headers are dropped (null) because there is
   * nobody reliable to answer; everything after a readable header gets an RPC reply. The caller
   * calls reply.release (when present) once it is done with reply.bytes (types.ts, RpcReply).
   */
  async dispatchReply(msg: Buffer, client: ClientInfo): Promise<RpcReply | null> {
    this.counters.calls++;
    const x = new XdrReader(msg);
    let h: CallHeader;
    try {
      h = decodeCallHeader(x);
    } catch (err) {
      this.counters.dropped++;
      this.log.debug("dropping undecodable RPC message", { client: client.address, error: String(err) });
      return null;
    }
    const w = new XdrWriter();
    if (h.rpcvers !== RPC_VERSION) {
      encodeRejected(w, h.xid, { stat: RPC_MISMATCH, low: RPC_VERSION, high: RPC_VERSION });
      return { bytes: this.done(w, "RPC_MISMATCH") };
    }
    const auth = authenticate(h.cred, h.verf);
    if (!auth.ok) {
      this.log.debug("credential refused", { client: client.address, why: auth.why });
      encodeRejected(w, h.xid, { stat: AUTH_ERROR, auth: auth.stat });
      return { bytes: this.done(w, "AUTH_ERROR") };
    }
    const versions = this.byProg.get(h.prog);
    if (versions === undefined) {
      encodeAcceptedHeader(w, h.xid, PROG_UNAVAIL);
      return { bytes: this.done(w, "PROG_UNAVAIL") };
    }
    const program = versions.get(h.vers);
    if (program === undefined) {
      const vs = [...versions.keys()];
      encodeAcceptedHeader(w, h.xid, PROG_MISMATCH, { low: Math.min(...vs), high: Math.max(...vs) });
      return { bytes: this.done(w, "PROG_MISMATCH") };
    }
    if (!(program.flavors ?? DEFAULT_FLAVORS).includes(auth.flavor)) {
      encodeRejected(w, h.xid, { stat: AUTH_ERROR, auth: AUTH_TOOWEAK });
      return { bytes: this.done(w, "AUTH_ERROR") };
    }
    const proc: AnyProcedure | undefined = program.procs[h.proc];
    if (proc === undefined) {
      encodeAcceptedHeader(w, h.xid, PROC_UNAVAIL);
      return { bytes: this.done(w, "PROC_UNAVAIL") };
    }

    let drcKey: string | undefined;
    if (this.drc !== undefined && !proc.idempotent) {
      drcKey = DuplicateRequestCache.key(client.address, h.xid, h.prog, h.vers, h.proc, msg.subarray(x.pos));
      const seen = this.drc.begin(drcKey);
      if (seen.state === "in-progress") {
        this.counters.dropped++;
        return null;
      }
      if (seen.state === "done") {
        this.count("DRC_HIT");
        return seen.reply === null ? null : { bytes: seen.reply };
      }
    }

    const reply = await this.call(program, proc, h, x, client, auth.cred, w);
    // The cache keeps a copy of the bytes (drc.ts), never the procedure's buffers.
    if (drcKey !== undefined) this.drc!.complete(drcKey, reply === null ? null : reply.bytes);
    return reply;
  }

  private async call(
    program: Program,
    proc: AnyProcedure,
    h: CallHeader,
    x: XdrReader,
    client: ClientInfo,
    cred: AuthSysCred | null,
    w: XdrWriter,
  ): Promise<RpcReply | null> {
    let args: unknown;
    try {
      args = proc.decode(x);
    } catch (err) {
      this.log.debug("garbage arguments", { proc: `${program.name}.${proc.name}`, error: String(err) });
      encodeAcceptedHeader(w, h.xid, GARBAGE_ARGS);
      return { bytes: this.done(w, "GARBAGE_ARGS") };
    }
    const ctx: CallContext = {
      xid: h.xid,
      prog: h.prog,
      vers: h.vers,
      proc: h.proc,
      client,
      flavor: h.cred.flavor,
      cred,
      log: this.log,
    };
    try {
      const res: unknown = await proc.run(args, ctx);
      encodeAcceptedHeader(w, h.xid, SUCCESS);
      proc.encode(w, res);
      const bytes = this.done(w, "SUCCESS");
      if (proc.release === undefined) return { bytes };
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        proc.release!(res);
      };
      return { bytes, release };
    } catch (err) {
      // A failed encode may have left the writer inside the result's buffers: start a fresh one
      // (the result is not released, its buffers are garbage collected).
      w = new XdrWriter();
      if (err instanceof RpcAuthError) {
        encodeRejected(w, h.xid, { stat: AUTH_ERROR, auth: err.stat });
        return { bytes: this.done(w, "AUTH_ERROR") };
      }
      if (err instanceof RpcDropError) {
        this.counters.dropped++;
        return null;
      }
      this.log.error("procedure failed", {
        proc: `${program.name}.${proc.name}`,
        client: client.address,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
      encodeAcceptedHeader(w, h.xid, SYSTEM_ERR);
      return { bytes: this.done(w, "SYSTEM_ERR") };
    }
  }

  private done(w: XdrWriter, what: string): Buffer {
    this.count(what);
    // The writer belongs to this call only: hand out its bytes without copying them.
    return w.view();
  }

  private count(what: string): void {
    this.counters.replies[what] = (this.counters.replies[what] ?? 0) + 1;
  }
}
