import { parseAddress } from "../../../lib/acl.ts";

/**
 * RFC 5665 §5.2.3 universal addresses: `h1.h2.h3.h4.p1.p2` for IPv4, `x:x::x.p1.p2` for IPv6,
 * where p1.p2 is the port's high and low byte in decimal.
 */
export function toUaddr(host: string, port: number): string {
  return `${host}.${port >> 8}.${port & 0xff}`;
}

export function fromUaddr(uaddr: string): { host: string; port: number } | undefined {
  const m = /^(.*)\.(\d{1,3})\.(\d{1,3})$/.exec(uaddr);
  if (!m) return undefined;
  const hi = Number(m[2]);
  const lo = Number(m[3]);
  if (hi > 255 || lo > 255 || parseAddress(m[1]!) === undefined) return undefined;
  return { host: m[1]!, port: (hi << 8) | lo };
}

/** The netid (RFC 5665 §4) of a transport on an address family. */
export function netidOf(transport: "tcp" | "udp", host: string): string {
  return host.includes(":") ? `${transport}6` : transport;
}
