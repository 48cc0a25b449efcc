import type { Logger } from "../../lib/log.ts";
import { SUCCESS } from "../rpc/constants.ts";
import {
  PMAP_PORT,
  PMAP_PROG,
  RPCBPROC_SET,
  RPCBPROC_UNSET,
  RPCBVERS4,
  encodeRpcb,
  type Rpcb,
} from "../rpc/portmap/types.ts";
import { RpcClient } from "./rpc-client.ts";

/**
 * Registration with a portmapper that runs outside this process (`--portmap-port 0`): the system
 * rpcbind on 127.0.0.1:111, spoken to with RPCBIND v4 SET/UNSET over TCP, as libtirpc's rpcb_set
 * does. When nothing listens there, the caller logs that nothing was registered.
 */
export class SystemRpcbind {
  private readonly log: Logger;
  private registered: Rpcb[] = [];
  readonly host: string;
  readonly port: number;

  constructor(log: Logger, host = "127.0.0.1", port = PMAP_PORT) {
    this.log = log;
    this.host = host;
    this.port = port;
  }

  /** Returns false when no portmapper answers. */
  async register(entries: readonly Rpcb[]): Promise<boolean> {
    let c: RpcClient;
    try {
      c = await RpcClient.tcp(this.host, this.port);
    } catch {
      return false;
    }
    try {
      for (const e of entries) {
        await c.call(PMAP_PROG, RPCBVERS4, RPCBPROC_UNSET, (w) => encodeRpcb(w, { ...e, addr: "" }), {
          timeoutMs: 3000,
        });
        const r = await c.call(PMAP_PROG, RPCBVERS4, RPCBPROC_SET, (w) => encodeRpcb(w, e), {
          timeoutMs: 3000,
        });
        const ok = r.kind === "accepted" && r.stat === SUCCESS && r.body.bool();
        if (ok) this.registered.push(e);
        else
          this.log.warn("the system rpcbind refused a registration", {
            prog: e.prog,
            vers: e.vers,
            netid: e.netid,
          });
      }
      return true;
    } catch (err) {
      this.log.warn("registration with the system rpcbind failed", { error: String(err) });
      return false;
    } finally {
      c.close();
    }
  }

  async unregisterAll(): Promise<void> {
    if (this.registered.length === 0) return;
    try {
      const c = await RpcClient.tcp(this.host, this.port);
      try {
        for (const e of this.registered)
          await c.call(PMAP_PROG, RPCBVERS4, RPCBPROC_UNSET, (w) => encodeRpcb(w, { ...e, addr: "" }), {
            timeoutMs: 2000,
          });
      } finally {
        c.close();
      }
    } catch (err) {
      this.log.warn("could not unregister from the system rpcbind", { error: String(err) });
    }
    this.registered = [];
  }
}
