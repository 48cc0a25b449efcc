import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import type { Clock, RandomU16, Transport, Upstream } from "../resolver/types.ts";

/**
 * The resolver's real network (the engine's Transport interface, resolver/types.ts). UDP: a fresh
 * socket per query, bound to port 0 so the kernel picks a random source port (RFC 5452 9.2), and
 * only a datagram from the server's address and port carrying our ID is taken as the answer; the
 * socket is connected, so an unreachable server fails at once. TCP (after TC=1): one connection
 * per query, the 2-byte length framing of RFC 1035 4.2.2.
 */
export class SocketTransport implements Transport {
  exchange(to: Upstream, packet: Buffer, tcp: boolean, timeoutMs: number): Promise<Buffer | null> {
    return tcp ? tcpExchange(to, packet, timeoutMs) : udpExchange(to, packet, timeoutMs);
  }
}

function udpExchange(to: Upstream, packet: Buffer, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const sock = createSocket(to.host.includes(":") ? "udp6" : "udp4");
    let done = false;
    const finish = (b: Buffer | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        // already closed
      }
      resolve(b);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on("error", () => finish(null));
    sock.on("message", (msg, rinfo) => {
      if (rinfo.port !== to.port || rinfo.address !== to.host) return;
      if (msg.length < 12 || msg[0] !== packet[0] || msg[1] !== packet[1]) return;
      finish(msg);
    });
    // a connected socket: only that peer's datagrams arrive, and an ICMP "port unreachable" ends
    // the wait at once (ECONNREFUSED) instead of after the timeout
    sock.connect(to.port, to.host, () => sock.send(packet, (err) => err && finish(null)));
  });
}

function tcpExchange(to: Upstream, packet: Buffer, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const sock = connect({ host: to.host, port: to.port });
    const finish = (b: Buffer | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(b);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on("connect", () => {
      const frame = Buffer.allocUnsafe(2 + packet.length);
      frame.writeUInt16BE(packet.length, 0);
      packet.copy(frame, 2);
      sock.write(frame);
    });
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0))
        finish(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on("error", () => finish(null));
    sock.on("close", () => finish(null));
  });
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

export const CRYPTO_RANDOM: RandomU16 = () => randomInt(0, 65536);
