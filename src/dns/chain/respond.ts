import type { ServerView } from "../view.ts";
import { respondImpl, respondStreamImpl } from "./pipeline.ts";

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
 */
export function respond(view: ServerView, packet: Buffer, client: ClientInfo): Buffer | null {
  return respondImpl(view, packet, client);
}

/**
 * TCP entry point: like respond(), but a zone transfer (AXFR, or IXFR answered as AXFR) returns
 * every message of the transfer, in order. For any other query it returns [respond(...)] or [].
 */
export function respondStream(view: ServerView, packet: Buffer, client: ClientInfo): Buffer[] {
  return respondStreamImpl(view, packet, client);
}
