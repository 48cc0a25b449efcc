import ipaddr from "ipaddr.js";

/**
 * Address matching shared by the DNS ACLs, the balancer's `src` ACLs and the NFS exports.
 *
 * Addresses are normalised first: an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, what a dual-stack
 * socket reports) matches IPv4 prefixes. IPv4 matching is a 32-bit mask compare, since it runs on
 * every packet.
 */

export type Family = 4 | 6;

export interface ParsedAddress {
  family: Family;
  /** IPv4 as an unsigned 32-bit number; IPv6 as 16 bytes. */
  v4: number;
  v6: Uint8Array | undefined;
}

export function parseAddress(text: string): ParsedAddress | undefined {
  let s = text;
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.slice(0, pct); // zone index (fe80::1%eth0)
  if (!ipaddr.isValid(s)) return undefined;
  let a = ipaddr.parse(s);
  if (a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  if (a.kind() === "ipv4") {
    const o = (a as ipaddr.IPv4).octets;
    return { family: 4, v4: ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0, v6: undefined };
  }
  return { family: 6, v4: 0, v6: Uint8Array.from((a as ipaddr.IPv6).toByteArray()) };
}

/** A network prefix. `contains` takes the textual address a socket reports. */
export class Cidr {
  readonly family: Family;
  readonly bits: number;
  private readonly v4net: number;
  private readonly v4mask: number;
  private readonly v6net: Uint8Array | undefined;
  private readonly text: string;

  constructor(addr: ParsedAddress, bits: number, text: string) {
    this.family = addr.family;
    this.bits = bits;
    this.text = text;
    if (addr.family === 4) {
      this.v4mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      this.v4net = (addr.v4 & this.v4mask) >>> 0;
      this.v6net = undefined;
    } else {
      this.v4mask = 0;
      this.v4net = 0;
      const net = Uint8Array.from(addr.v6!);
      for (let i = 0; i < 16; i++) {
        const keep = Math.max(0, Math.min(8, bits - i * 8));
        net[i]! &= (0xff << (8 - keep)) & 0xff;
      }
      this.v6net = net;
    }
  }

  containsParsed(a: ParsedAddress): boolean {
    if (a.family !== this.family) return false;
    if (a.family === 4) return (a.v4 & this.v4mask) >>> 0 === this.v4net;
    const b = a.v6!;
    const net = this.v6net!;
    let left = this.bits;
    for (let i = 0; i < 16 && left > 0; i++, left -= 8) {
      const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
      if ((b[i]! & mask) !== net[i]) return false;
    }
    return true;
  }

  contains(address: string): boolean {
    const a = parseAddress(address);
    return a !== undefined && this.containsParsed(a);
  }

  toString(): string {
    return this.text;
  }
}

/**
 * Parse `addr`, `addr/len`, and (with `shortForms`) BIND's abbreviated IPv4 prefixes such as
 * `128.32/16` or `10/8`, where missing octets are zero. Returns an error string when invalid.
 */
export function parseCidr(text: string, opts: { shortForms?: boolean } = {}): Cidr | string {
  const slash = text.indexOf("/");
  let host = slash >= 0 ? text.slice(0, slash) : text;
  const lenText = slash >= 0 ? text.slice(slash + 1) : undefined;
  if (opts.shortForms && /^\d+(\.\d+){0,2}$/.test(host) && lenText !== undefined) {
    const parts = host.split(".");
    while (parts.length < 4) parts.push("0");
    host = parts.join(".");
  }
  const addr = parseAddress(host);
  if (addr === undefined || (host.includes(".") && !/^[\d.]+$/.test(host) && !host.includes(":"))) {
    return `invalid address '${host}'`;
  }
  if (!host.includes(":") && !/^\d+\.\d+\.\d+\.\d+$/.test(host)) return `invalid address '${host}'`;
  const max = addr.family === 4 ? 32 : 128;
  let bits = max;
  if (lenText !== undefined) {
    if (!/^\d+$/.test(lenText)) return `invalid prefix length '${lenText}'`;
    bits = Number(lenText);
    if (bits > max) return `prefix length ${bits} is longer than ${max}`;
  }
  return new Cidr(addr, bits, text);
}

/** True for 127.0.0.0/8, ::1 and their mapped forms. */
export function isLoopback(address: string): boolean {
  const a = parseAddress(address);
  if (a === undefined) return false;
  if (a.family === 4) return a.v4 >>> 24 === 127;
  return a.v6!.every((b, i) => (i === 15 ? b === 1 : b === 0));
}
