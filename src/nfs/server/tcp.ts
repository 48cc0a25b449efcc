import { createServer, type Server, type Socket } from "node:net";
import type { Endpoint } from "../../lib/listen.ts";
import { listenTcp } from "../../lib/listen.ts";
import type { Logger } from "../../lib/log.ts";
import type { Dispatcher } from "../rpc/dispatcher.ts";
import { BufferPool } from "../../lib/bufpool.ts";
import { adoptWithOnread } from "../../lib/onread.ts";
import { RecordDecoder, RecordTooLarge, recordMark, type ReceivedRecord } from "../rpc/record.ts";

/**
 * RPC over TCP (RFC 5531 §11): record marking in (read in place, record.ts), one dispatcher call
 * per record, replies framed as one fragment each, possibly out of order (the xid matches them).
 * Calls on one connection run concurrently up to `maxInFlight`; beyond that the socket is paused
 * (backpressure). A record over `maxRecord` bytes closes the connection. stop() stops accepting,
 * lets the calls in flight finish and their replies be written, then closes every connection.
 */
export interface TcpOptions {
  dispatcher: Dispatcher;
  log: Logger;
  maxRecord: number;
  maxInFlight?: number;
  /** Idle connections are closed after this long (ms); 0 = never. */
  idleTimeoutMs?: number;
}

/**
 * The arenas incoming records are read into (record.ts), shared by every connection of the
 * process: 64 KiB ones at record boundaries and ~2 MiB ones for a stream of 1 MiB WRITEs. At most
 * 8 free ones of each size are kept.
 */
const recordArenas = new BufferPool(4 * 1024 * 1024, 0, 8);

export class RpcTcpServer {
  private readonly server: Server;
  private readonly conns = new Set<Socket>();
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private stopping = false;
  private readonly opts: TcpOptions;

  constructor(opts: TcpOptions) {
    this.opts = opts;
    this.server = createServer({ pauseOnConnect: true }, (s) => this.onConnection(s));
  }

  listen(e: Endpoint): Promise<Endpoint> {
    return listenTcp(this.server, e);
  }

  get connections(): number {
    return this.conns.size;
  }

  private onConnection(raw: Socket): void {
    const dec = new RecordDecoder(this.opts.maxRecord, recordArenas);
    const max = this.opts.maxInFlight ?? 64;
    let mine = 0;
    // Reads land in the decoder's arena (src/lib/onread.ts); without the handle, 'data' chunks are
    // copied in. Either way a record is a view of the arena, released once its call has finished.
    const adopted = adoptWithOnread(
      raw,
      {
        buffer: () => dec.target(),
        callback: (n) => {
          let records: ReceivedRecord[];
          try {
            records = dec.filled(n);
          } catch (err) {
            refuse(err);
            return false;
          }
          for (const rec of records) handle(rec);
          return true;
        },
      },
      { allowHalfOpen: false },
    );
    const sock = adopted ?? raw;
    this.conns.add(sock);
    sock.setNoDelay(true);
    if (this.opts.idleTimeoutMs) sock.setTimeout(this.opts.idleTimeoutMs, () => sock.destroy());
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
    const refuse = (err: unknown): void => {
      if (err instanceof RecordTooLarge) {
        this.opts.log.warn("closing connection: record too large", {
          client: client.address,
          error: err.message,
        });
      }
      sock.destroy();
    };
    const handle = (rec: ReceivedRecord): void => {
      if (this.stopping) {
        rec.release(); // read only to see the client's end of the connection
        return;
      }
      mine++;
      this.inFlight++;
      update();
      void this.opts.dispatcher.dispatchReply(rec.bytes, client).then((reply) => {
        // The call is over: nothing refers to the record's bytes any more (types.ts, decode).
        rec.release();
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
    };
    sock.on("drain", () => {
      writeBlocked = false;
      update();
    });
    if (adopted === undefined) {
      sock.on("data", (chunk: Buffer) => {
        let records: ReceivedRecord[];
        try {
          records = dec.push(chunk);
        } catch (err) {
          refuse(err);
          return;
        }
        for (const rec of records) handle(rec);
      });
      sock.resume();
    }
    sock.on("error", () => undefined);
    sock.on("close", () => {
      this.conns.delete(sock);
      dec.close();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.conns) s.pause();
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    for (const s of this.conns) {
      s.end();
      // A connection read with `onread` stops reading when paused: read again to see the
      // client's FIN (calls that arrive now are dropped), or it would stay half open.
      s.resume();
    }
    // Give the final replies a moment to flush, then force.
    setTimeout(() => {
      for (const s of this.conns) s.destroy();
    }, 200).unref();
    await closed;
  }
}
