import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { listenTcp, type Endpoint } from "../../lib/listen.ts";
import type { Logger } from "../../lib/log.ts";
import type { ClientInfo } from "../chain/respond.ts";
import type { ServerView } from "../view.ts";
import { ENGINE, type Counters, type Responder } from "./udp.ts";

/**
 * DNS over TCP (RFC 1035 §4.2.2, RFC 7766): each message is preceded by its 2-byte length. Queries
 * on one connection may be pipelined; each is answered as soon as it is complete, in order, several
 * per connection. A zone transfer is several messages (respondStream()).
 *
 * Limits: `tcp-clients` concurrent connections (BIND default 150; more are closed at once), an idle
 * timeout (`tcp-idle-timeout`, BIND default 30 s) after which a silent connection is closed, and
 * flow control: while the peer is not reading our answers, we stop reading its queries.
 */
export interface TcpLimits {
  maxConnections: number;
  idleTimeoutMs: number;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = { maxConnections: 150, idleTimeoutMs: 30_000 };

export interface TcpServer {
  server: Server;
  bound: Endpoint;
  /** Stop accepting, let each connection finish what it is sending, then resolve. */
  close(): Promise<void>;
}

function serveConnection(
  sock: Socket,
  getView: () => ServerView,
  limits: () => TcpLimits,
  log: Logger,
  counters: Counters,
  engine: Responder,
): void {
  const client: ClientInfo = { address: sock.remoteAddress ?? "", transport: "tcp" };
  // Received bytes not yet consumed, as chunks: they are joined only once a whole message is there,
  // so a peer dribbling a 64 KiB message a byte at a time costs linear, not quadratic, copying.
  let chunks: Buffer[] = [];
  let total = 0;
  sock.setNoDelay(true);
  sock.setTimeout(limits().idleTimeoutMs, () => sock.destroy());
  sock.on("error", (err) => log.debug("tcp connection error", { error: String(err), from: client.address }));
  sock.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    total += chunk.length;
    if (total < 2) return;
    if (chunks.length > 1) {
      const head = chunks[0]!.length >= 2 ? chunks[0]! : Buffer.concat(chunks, 2);
      if (total < 2 + head.readUInt16BE(0)) return;
    }
    const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    let off = 0;
    while (buf.length - off >= 2) {
      const len = buf.readUInt16BE(off);
      if (buf.length - off - 2 < len) break;
      const msg = buf.subarray(off + 2, off + 2 + len);
      off += 2 + len;
      counters.tcpIn++;
      let answers: Buffer[];
      try {
        answers = engine.respondStream(getView(), msg, client);
      } catch (err) {
        counters.errors++;
        log.debug("respond failed", { error: String(err), from: client.address });
        continue;
      }
      if (answers.length === 0) counters.dropped++;
      for (const a of answers) {
        const frame = Buffer.allocUnsafe(2 + a.length);
        frame.writeUInt16BE(a.length, 0);
        a.copy(frame, 2);
        counters.tcpOut++;
        if (!sock.write(frame)) sock.pause();
      }
    }
    // Keep only the incomplete tail (copied, so the big chunk it came from can be freed).
    const rest = buf.length - off;
    chunks = rest === 0 ? [] : [off === 0 ? buf : Buffer.from(buf.subarray(off))];
    total = rest;
  });
  sock.on("drain", () => sock.resume());
}

/** Serve DNS on a listening TCP server (ours, or one handed over by the parent process). */
export function serveTcp(
  server: Server,
  getView: () => ServerView,
  limits: () => TcpLimits,
  log: Logger,
  counters: Counters,
  engine: Responder = ENGINE,
): TcpServer {
  const conns = new Set<Socket>();
  server.on("connection", (sock: Socket) => {
    if (conns.size >= limits().maxConnections) {
      sock.destroy();
      return;
    }
    conns.add(sock);
    sock.on("close", () => conns.delete(sock));
    serveConnection(sock, getView, limits, log, counters, engine);
  });
  server.on("error", (err) => log.error("tcp server error", { error: String(err) }));
  const a = server.address() as AddressInfo;
  return {
    server,
    bound: { host: a.address, port: a.port },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Half-close every connection: answers already written still go out, then it ends.
        for (const s of conns) {
          s.end();
          setTimeout(() => s.destroy(), 1000).unref();
        }
      }),
  };
}

export async function listenTcpDns(
  e: Endpoint,
  getView: () => ServerView,
  limits: () => TcpLimits,
  log: Logger,
  counters: Counters,
  engine: Responder = ENGINE,
): Promise<TcpServer> {
  const server = createServer();
  await listenTcp(server, e);
  return serveTcp(server, getView, limits, log, counters, engine);
}
