import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { NetsvcError } from "../../lib/errors.ts";
import { AUTH_NONE, AUTH_SYS, RPC_VERSION } from "../rpc/constants.ts";
import { encodeAuthSys } from "../rpc/auth.ts";
import { decodeReply, encodeCallHeader, type OpaqueAuth, type Reply } from "../rpc/message.ts";
import { encodeRecord, RecordDecoder } from "../rpc/record.ts";
import type { AuthSysCred } from "../rpc/types.ts";
import { XdrWriter } from "../xdr/writer.ts";

/**
 * A small ONC RPC client over TCP (record marking) or UDP: what the server uses to register with a
 * system rpcbind, and what the tests use to speak to the server the way a kernel client would.
 * Calls may be pipelined; replies are matched by xid.
 */
export interface CallOptions {
  cred?: OpaqueAuth;
  verf?: OpaqueAuth;
  timeoutMs?: number;
  /** Override the RPC version (tests of RPC_MISMATCH). */
  rpcvers?: number;
}

export const authNone = (): OpaqueAuth => ({ flavor: AUTH_NONE, body: Buffer.alloc(0) });
export const authSys = (c: Partial<AuthSysCred> = {}): OpaqueAuth => ({
  flavor: AUTH_SYS,
  body: encodeAuthSys({ stamp: 0, machinename: "test", uid: 0, gid: 0, gids: [], ...c }),
});

export class RpcClient {
  private nextXid = (Math.random() * 0x7fffffff) >>> 0;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private readonly sendRaw: (msg: Buffer) => void;
  private readonly closeFn: () => void;
  readonly transport: "tcp" | "udp";
  /** When set, every message received goes here instead of being matched to a call (fuzzing). */
  onRawReply: ((msg: Buffer) => void) | undefined;

  private constructor(transport: "tcp" | "udp", send: (msg: Buffer) => void, close: () => void) {
    this.transport = transport;
    this.sendRaw = send;
    this.closeFn = close;
  }

  static tcp(host: string, port: number, opts: { localPort?: number } = {}): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const sock: Socket = connect({ host, port, ...(opts.localPort ? { localPort: opts.localPort } : {}) });
      const dec = new RecordDecoder(1 << 24);
      const client = new RpcClient(
        "tcp",
        (m) => sock.write(encodeRecord(m)),
        () => sock.destroy(),
      );
      sock.once("error", reject);
      sock.once("connect", () => {
        sock.off("error", reject);
        sock.on("error", (e) => client.failAll(e));
        resolve(client);
      });
      sock.on("data", (d: Buffer) => {
        try {
          for (const rec of dec.push(d)) client.onReply(rec.bytes);
        } catch (e) {
          client.failAll(e as Error);
          sock.destroy();
        }
      });
      sock.on("close", () => client.failAll(new NetsvcError("ECONNCLOSED", "connection closed")));
    });
  }

  static udp(host: string, port: number): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const sock: UdpSocket = createSocket(host.includes(":") ? "udp6" : "udp4");
      const client = new RpcClient(
        "udp",
        (m) => sock.send(m, port, host),
        () => sock.close(),
      );
      sock.on("message", (m) => client.onReply(m));
      sock.once("error", reject);
      sock.bind(0, () => resolve(client));
    });
  }

  /** Send a raw message (already an RPC call, or garbage for fuzzing). */
  sendMessage(msg: Buffer): void {
    this.sendRaw(msg);
  }

  /** Wait for the reply with this xid. */
  waitReply(xid: number, timeoutMs = 5000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(xid);
        reject(new NetsvcError("ETIMEDOUT", `no reply to xid ${xid} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(xid, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Build a call message (returned for tests that want to resend it byte for byte). */
  buildCall(
    prog: number,
    vers: number,
    proc: number,
    args: (w: XdrWriter) => void,
    opts: CallOptions = {},
    xid = this.xid(),
  ): Buffer {
    const w = new XdrWriter();
    encodeCallHeader(w, {
      xid,
      rpcvers: opts.rpcvers ?? RPC_VERSION,
      prog,
      vers,
      proc,
      cred: opts.cred ?? authNone(),
      verf: opts.verf ?? authNone(),
    });
    args(w);
    return w.finish();
  }

  xid(): number {
    this.nextXid = (this.nextXid + 1) >>> 0;
    return this.nextXid;
  }

  call(
    prog: number,
    vers: number,
    proc: number,
    args: (w: XdrWriter) => void = () => undefined,
    opts: CallOptions = {},
  ): Promise<Reply> {
    const xid = this.xid();
    const msg = this.buildCall(prog, vers, proc, args, opts, xid);
    const p = this.waitReply(xid, opts.timeoutMs);
    this.sendRaw(msg);
    return p;
  }

  close(): void {
    this.closeFn();
  }

  private onReply(msg: Buffer): void {
    if (this.onRawReply !== undefined) {
      this.onRawReply(msg);
      return;
    }
    let r: Reply;
    try {
      r = decodeReply(msg);
    } catch {
      return;
    }
    const p = this.pending.get(r.xid);
    if (p === undefined) return;
    this.pending.delete(r.xid);
    p.resolve(r);
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
