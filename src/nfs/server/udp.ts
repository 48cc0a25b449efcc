import { createSocket, type Socket } from "node:dgram";
import { NetsvcError } from "../../lib/errors.ts";
import type { Endpoint } from "../../lib/listen.ts";
import { formatEndpoint } from "../../lib/listen.ts";
import type { Logger } from "../../lib/log.ts";
import type { Dispatcher } from "../rpc/dispatcher.ts";

/**
 * RPC over UDP: one datagram is one call, the reply goes back to the sender. A reply that does
 * not fit in a datagram is not sent (the client must use TCP; it is counted and logged).
 */
export const MAX_UDP_PAYLOAD = 65507;

export interface UdpOptions {
  dispatcher: Dispatcher;
  log: Logger;
}

export class RpcUdpServer {
  private socket: Socket | undefined;
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private stopping = false;
  private readonly opts: UdpOptions;
  oversizeReplies = 0;

  constructor(opts: UdpOptions) {
    this.opts = opts;
  }

  listen(e: Endpoint): Promise<Endpoint> {
    const sock = createSocket({ type: e.host.includes(":") ? "udp6" : "udp4" });
    this.socket = sock;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          new NetsvcError(
            err.code ?? "ELISTEN",
            `cannot listen on udp ${formatEndpoint(e)}: ${err.code === "EACCES" ? "permission denied (ports below 1024 need root)" : err.message}`,
            { cause: err },
          ),
        );
      };
      sock.once("error", onError);
      sock.bind({ address: e.host, port: e.port }, () => {
        sock.off("error", onError);
        sock.on("error", (err) => this.opts.log.warn("udp socket error", { error: String(err) }));
        sock.on("message", (msg, rinfo) => this.onMessage(sock, msg, rinfo.address, rinfo.port));
        const a = sock.address();
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  private onMessage(sock: Socket, msg: Buffer, address: string, port: number): void {
    if (this.stopping) return;
    this.inFlight++;
    const client = { address, port, transport: "udp" as const, localAddress: sock.address().address };
    void this.opts.dispatcher.dispatchReply(msg, client).then((reply) => {
      if (reply !== null) {
        const bytes = reply.bytes;
        const release = reply.release;
        if (bytes.length > MAX_UDP_PAYLOAD) {
          this.oversizeReplies++;
          this.opts.log.warn("reply too large for UDP, not sent", { client: address, size: bytes.length });
          release?.();
        } else if (!this.stopping || this.drained) {
          // release() in the send callback: the datagram has been handed to the kernel (or failed).
          sock.send(bytes, port, address, release && (() => release()));
        } else {
          release?.();
        }
      }
      this.inFlight--;
      if (this.inFlight === 0 && this.drained) this.drained();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const s = this.socket;
    this.socket = undefined;
    if (s === undefined) return;
    await new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve(); // never bound, or already closed
      }
    });
  }
}
