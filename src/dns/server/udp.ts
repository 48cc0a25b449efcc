import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { NetsvcError } from "../../lib/errors.ts";
import type { Endpoint } from "../../lib/listen.ts";
import type { Logger } from "../../lib/log.ts";
import { respond, respondStream, type ClientInfo } from "../chain/respond.ts";
import type { ServerView } from "../view.ts";

/**
 * DNS over UDP: one socket per address. Each datagram is handed to respond() with the current view
 * (read at arrival, so a reload takes effect on the next packet) and the answer, if any, is sent
 * back. respond() truncates to the client's limit (TC=1); this layer never interprets bytes.
 * A failure on one packet is counted and logged at debug level, never fatal.
 */
export interface Counters {
  udpIn: number;
  udpOut: number;
  tcpIn: number;
  tcpOut: number;
  dropped: number;
  errors: number;
}

export function newCounters(): Counters {
  return { udpIn: 0, udpOut: 0, tcpIn: 0, tcpOut: 0, dropped: 0, errors: 0 };
}

/** The engine entry points the sockets call (DNS-A's respond()/respondStream(); tests may pass a double). */
export interface Responder {
  respond(view: ServerView, packet: Buffer, client: ClientInfo): Buffer | null;
  respondStream(view: ServerView, packet: Buffer, client: ClientInfo): Buffer[];
}

export const ENGINE: Responder = { respond, respondStream };

export interface UdpServer {
  socket: Socket;
  bound: Endpoint;
  close(): Promise<void>;
}

/** Serve DNS on a bound UDP socket (ours, or one handed over by the parent process). */
export function serveUdp(
  socket: Socket,
  getView: () => ServerView,
  log: Logger,
  counters: Counters,
  engine: Responder = ENGINE,
): UdpServer {
  // One ClientInfo per socket: respond() is synchronous and does not keep it.
  const client: ClientInfo = { address: "", transport: "udp" };
  const onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    counters.udpIn++;
    let out: Buffer | null;
    try {
      client.address = rinfo.address;
      out = engine.respond(getView(), msg, client);
    } catch (err) {
      counters.errors++;
      log.debug("respond failed", { error: String(err), from: rinfo.address });
      return;
    }
    if (out === null) {
      counters.dropped++;
      return;
    }
    counters.udpOut++;
    socket.send(out, rinfo.port, rinfo.address);
  };
  // Send errors (an ICMP-unreachable peer, a full buffer) must not end the server.
  socket.on("error", (err) => {
    counters.errors++;
    log.debug("udp socket error", { error: String(err) });
  });
  socket.on("message", onMessage);
  const a = socket.address();
  return {
    socket,
    bound: { host: a.address, port: a.port },
    close: () =>
      new Promise((res) => {
        try {
          socket.close(() => res());
        } catch {
          res();
        }
      }),
  };
}

export function listenUdp(
  e: Endpoint,
  getView: () => ServerView,
  log: Logger,
  counters: Counters,
  engine: Responder = ENGINE,
): Promise<UdpServer> {
  const type = e.host.includes(":") ? "udp6" : "udp4";
  const socket = createSocket({ type, reuseAddr: false, ipv6Only: type === "udp6" });
  return new Promise((resolve, reject) => {
    const onListenError = (err: NodeJS.ErrnoException): void => {
      reject(
        new NetsvcError(
          err.code ?? "ELISTEN",
          `cannot listen on udp ${e.host}:${e.port}: ${err.code === "EACCES" ? "permission denied (ports below 1024 need root)" : err.message}`,
          { cause: err },
        ),
      );
    };
    socket.once("error", onListenError);
    socket.bind({ address: e.host, port: e.port, exclusive: true }, () => {
      socket.off("error", onListenError);
      resolve(serveUdp(socket, getView, log, counters, engine));
    });
  });
}
