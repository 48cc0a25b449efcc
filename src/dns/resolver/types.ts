import type { RR } from "../wire/message.ts";

/**
 * What the resolver engine needs from the outside world, as interfaces: it never touches sockets or
 * timers itself (src/dns/server/transport.ts is the real implementation; tests pass a fake).
 */

/** One upstream exchange. */
export interface Upstream {
  /** IPv4 or IPv6 address. */
  host: string;
  port: number;
}

export interface Transport {
  /**
   * Send one query message to `to` over UDP (or TCP when `tcp`) and resolve with the first response
   * that matches it (same ID, from that address and port — the transport checks those), or null on
   * timeout, ICMP error or a closed connection. Never rejects. The transport picks a fresh random
   * source port for each UDP query (RFC 5452 9.2).
   */
  exchange(to: Upstream, packet: Buffer, tcp: boolean, timeoutMs: number): Promise<Buffer | null>;
}

/** Milliseconds, monotonic enough for TTLs (Date.now() in the server, a variable in tests). */
export interface Clock {
  now(): number;
}

/** Randomness for query IDs and 0x20 case (crypto in the server, seeded in tests). */
export type RandomU16 = () => number;

/** What a resolution produced: the response sections for the client (BIND's recursive shape). */
export interface Resolution {
  rcode: number;
  /** CNAME/DNAME chain records followed by the final RRset (when any). */
  answer: RR[];
  /** The SOA for a negative answer (RFC 2308), else empty. */
  authority: RR[];
}
