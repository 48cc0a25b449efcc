import { createServer, type Server, type Socket } from "node:net";
import type { Endpoint } from "../../lib/listen.ts";
import { listenTcp } from "../../lib/listen.ts";
import type { Logger } from "../../lib/log.ts";
import type { Dispatcher } from "../rpc/dispatcher.ts";
import { RecordDecoder, RecordTooLarge, recordMark } from "../rpc/record.ts";

/**
 * RPC over TCP (RFC 5531 §11): record marking in, one dispatcher call per record, replies framed
 * as one fragment each, possibly out of order (the xid matches them). Calls on one connection run
 * concurrently up to `maxInFlight`; beyond that the socket is paused (backpressure). A record over
 * `maxRecord` bytes closes the connection. stop() stops accepting, lets the calls in flight finish
 * and their replies be written, then closes every connection.
 */
export interface TcpOptions {
  dispatcher: Dispatcher;
  log: Logger;
  maxRecord: number;
  maxInFlight?: number;
  /** Idle connections are closed after this long (ms); 0 = never. */
  idleTimeoutMs?: number;
}

export class RpcTcpServer {
  private readonly server: Server;
  private readonly conns = new Set<Socket>();
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private stopping = false;
  private readonly opts: TcpOptions;

  constructor(opts: TcpOptions) {
    this.opts = opts;
    this.server = createServer((s) => this.onConnection(s));
  }

  listen(e: Endpoint): Promise<Endpoint> {
    return listenTcp(this.server, e);
  }

  get connections(): number {
    return this.conns.size;
  }

  private onConnection(sock: Socket): void {
    this.conns.add(sock);
    sock.setNoDelay(true);
    if (this.opts.idleTimeoutMs) sock.setTimeout(this.opts.idleTimeoutMs, () => sock.destroy());
    const dec = new RecordDecoder(this.opts.maxRecord);
    const max = this.opts.maxInFlight ?? 64;
    let mine = 0;
    const client = {
      address: sock.remoteAddress ?? "",
      port: sock.remotePort ?? 0,
      transport: "tcp" as const,
      localAddress: sock.localAddress ?? "",
    };
    // Reading pauses while too many calls run, while replies are not being read by the client
    // (write backpressure), and while stopping.
    let writeBlocked = false;
    const update = (): void => {
      if (sock.destroyed) return;
      const pause = this.stopping || mine >= max || writeBlocked;
      if (pause && !sock.isPaused()) sock.pause();
      else if (!pause && sock.isPaused()) sock.resume();
    };
    sock.on("drain", () => {
      writeBlocked = false;
      update();
    });
    sock.on("data", (chunk: Buffer) => {
      let records: Buffer[];
      try {
        records = dec.push(chunk);
      } catch (err) {
        if (err instanceof RecordTooLarge) {
          this.opts.log.warn("closing connection: record too large", {
            client: client.address,
            error: err.message,
          });
        }
        sock.destroy();
        return;
      }
      for (const rec of records) {
        mine++;
        this.inFlight++;
        update();
        void this.opts.dispatcher.dispatchReply(rec, client).then((reply) => {
          if (reply !== null && !sock.destroyed && !sock.writableEnded) {
            // The mark and the reply go out in one writev. release() only once the socket is done
            // with the bytes: the write callback runs after they reached the kernel, or with an
            // error (never written, or the socket was destroyed) when they never will.
            const release = reply.release;
            sock.cork();
            sock.write(recordMark(reply.bytes.length));
            if (!sock.write(reply.bytes, release && (() => release()))) writeBlocked = true;
            sock.uncork();
          } else {
            reply?.release?.();
          }
          mine--;
          this.inFlight--;
          update();
          if (this.inFlight === 0 && this.drained) this.drained();
        });
      }
    });
    sock.on("error", () => undefined);
    sock.on("close", () => this.conns.delete(sock));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.conns) s.pause();
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    for (const s of this.conns) s.end();
    // Give the final replies a moment to flush, then force.
    setTimeout(() => {
      for (const s of this.conns) s.destroy();
    }, 200).unref();
    await closed;
  }
}
