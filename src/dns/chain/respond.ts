import type { ServerView } from "../view.ts";
import { type Answered, respondImpl, respondStreamImpl } from "./pipeline.ts";

export type { Answered };

export interface ClientInfo {
  /** The peer address as the socket reports it (`127.0.0.1`, `::ffff:10.0.0.1`, `::1`). */
  address: string;
  transport: "udp" | "tcp";
}

/**
 * The whole pure bytes-in/bytes-out path of the DNS server. The server (DNS-B) frames bytes and
 * calls this; nothing else.
 *
 * Contract:
 * - Returns the response message, or null when nothing must be sent: fewer than 12 bytes, or QR=1
 *   (a response must never be answered, RFC 1035 / BIND).
 * - Never throws, on any input. Garbage after a readable header gets FORMERR; unknown opcodes
 *   NOTIMP; EDNS version > 0 BADVERS; then the handler chain (allow-query -> authoritative ->
 *   REFUSED) decides.
 * - UDP responses fit in 512 bytes (no EDNS) or min(client's EDNS size, view.maxUdpSize), never
 *   less than 512; an answer that does not fit goes out as header + question (+ OPT) with TC=1.
 *   TCP responses are limited only by 65535.
 * - AXFR/IXFR are not answered here (a transfer is several messages): use respondStream() for TCP.
 * - The returned Buffer is freshly allocated: the caller may keep it while sending.
 * - Synchronous: a query that needs the resolver (a view with `resolver` set) gets SERVFAIL here;
 *   a recursive server calls answer() instead, which may return a Promise.
 */
export function respond(view: ServerView, packet: Buffer, client: ClientInfo): Buffer | null {
  const out = respondImpl(view, packet, client);
  if (!(out instanceof Promise)) return out;
  void out.catch(() => undefined);
  return syncServfail(packet);
}

/**
 * TCP entry point: like respond(), but a zone transfer (AXFR, or IXFR answered as AXFR) returns
 * every message of the transfer, in order. For any other query it returns [respond(...)] or [].
 */
export function respondStream(view: ServerView, packet: Buffer, client: ClientInfo): Buffer[] {
  const out = respondStreamImpl(view, packet, client);
  if (!(out instanceof Promise)) return out;
  void out.catch(() => undefined);
  return [syncServfail(packet)];
}

/**
 * respond() for a server that recurses: identical, except that when the view has a resolver and
 * the answer needs upstream queries, the result is a Promise of it (never rejected). Answers from
 * our zones and the caches come back synchronously. The server calls this one.
 */
export function answer(view: ServerView, packet: Buffer, client: ClientInfo): Answered {
  return respondImpl(view, packet, client);
}

/** respondStream() for a server that recurses (see answer()). */
export function answerStream(
  view: ServerView,
  packet: Buffer,
  client: ClientInfo,
): Buffer[] | Promise<Buffer[]> {
  return respondStreamImpl(view, packet, client);
}

/** The synchronous entry points cannot wait for the resolver: they say SERVFAIL (use answer()). */
function syncServfail(packet: Buffer): Buffer {
  const out = Buffer.alloc(12);
  packet.copy(out, 0, 0, 4);
  out[2] = 0x80 | (packet[2]! & 0x79);
  out[3] = (packet[3]! & 0x10) | 2;
  out.writeUInt16BE(0, 4);
  return out;
}
