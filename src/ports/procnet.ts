import { NetsvcError } from "../lib/errors.ts";

/**
 * Parsing of /proc/net/{tcp,tcp6,udp,udp6}: pure, over the text the kernel prints
 * (net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c get_tcp6_sock, net/ipv4/udp.c
 * udp4_format_sock, net/ipv6/datagram.c __ip6_dgram_sock_seq_show).
 *
 * One line per socket after a header line:
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ...
 *    0: 0100007F:1F9A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 13094 ...
 *
 * Addresses are the in-memory (network order) address read as 32-bit words in HOST byte order and
 * printed `%08X`: one word for IPv4, four for IPv6. Ports are printed `%04X` after ntohs, so they are
 * plain numbers. The state is the kernel's TCP state number in hex; UDP reuses it (7 = CLOSE is an
 * unconnected socket, 1 = ESTABLISHED a connected one). Queues are hex; uid and inode decimal.
 */

export type NetProto = "tcp" | "tcp6" | "udp" | "udp6";
export const NET_PROTOS: readonly NetProto[] = ["tcp", "tcp6", "udp", "udp6"];

export type Endianness = "LE" | "BE";

/** include/net/tcp_states.h, in order from 1. */
export const TCP_STATES: Readonly<Record<number, string>> = {
  1: "ESTABLISHED",
  2: "SYN_SENT",
  3: "SYN_RECV",
  4: "FIN_WAIT1",
  5: "FIN_WAIT2",
  6: "TIME_WAIT",
  7: "CLOSE",
  8: "CLOSE_WAIT",
  9: "LAST_ACK",
  10: "LISTEN",
  11: "CLOSING",
  12: "NEW_SYN_RECV",
  13: "BOUND_INACTIVE",
};
export const TCP_LISTEN = 10;
export const TCP_CLOSE = 7;

export interface ProcSocket {
  proto: NetProto;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** The kernel's state number (TCP_STATES). */
  state: number;
  txQueue: number;
  rxQueue: number;
  uid: number;
  /** The socket inode; 0 for sockets no file refers to (TIME_WAIT, NEW_SYN_RECV). */
  inode: number;
}

function fail(file: string, line: number, msg: string): never {
  throw new NetsvcError("EPROCNET", `${file}:${line}: ${msg}`);
}

const HEX8 = /^[0-9A-Fa-f]{8}$/;

/** One `%08X` word -> its 4 bytes in memory order. */
function wordBytes(hex: string, endian: Endianness, out: number[]): void {
  const w = parseInt(hex, 16);
  const b = [(w >>> 24) & 0xff, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff];
  if (endian === "LE") b.reverse();
  out.push(...b);
}

/** Decode the hex address of a /proc/net line into its bytes (4 or 16), or undefined if malformed. */
export function decodeHexAddress(hex: string, endian: Endianness): number[] | undefined {
  if (hex.length !== 8 && hex.length !== 32) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8) {
    const word = hex.slice(i, i + 8);
    if (!HEX8.test(word)) return undefined;
    wordBytes(word, endian, bytes);
  }
  return bytes;
}

/**
 * Text form of 4 or 16 address bytes, as glibc's inet_ntop prints it (and so ss and netstat):
 * the longest run of two or more zero words becomes `::` (the first one on a tie), and an
 * IPv4-mapped (`::ffff:a.b.c.d`) or IPv4-compatible (`::a.b.c.d`) address ends in dotted quad.
 */
export function formatAddress(bytes: readonly number[]): string {
  if (bytes.length === 4) return bytes.join(".");
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (cur.base === -1) cur = { base: i, len: 1 };
      else cur.len++;
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += bytes.slice(12, 16).join(".");
      return out;
    }
    out += words[i]!.toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ":";
  return out;
}

function parseEndpoint(
  text: string,
  v6: boolean,
  endian: Endianness,
  file: string,
  line: number,
): [string, number] {
  const colon = text.indexOf(":");
  const hex = colon < 0 ? "" : text.slice(0, colon);
  const portHex = colon < 0 ? "" : text.slice(colon + 1);
  const bytes = decodeHexAddress(hex, endian);
  if (bytes === undefined || bytes.length !== (v6 ? 16 : 4)) fail(file, line, `bad address '${text}'`);
  if (!/^[0-9A-Fa-f]{4}$/.test(portHex)) fail(file, line, `bad port in '${text}'`);
  return [formatAddress(bytes), parseInt(portHex, 16)];
}

function parseHexPair(text: string | undefined, file: string, line: number): [number, number] {
  const m = /^([0-9A-Fa-f]{1,8}):([0-9A-Fa-f]{1,8})$/.exec(text ?? "");
  if (!m) fail(file, line, `bad queue field '${text ?? ""}'`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
}

function parseDecimal(text: string | undefined, what: string, file: string, line: number): number {
  if (text === undefined || !/^\d+$/.test(text)) fail(file, line, `bad ${what} '${text ?? ""}'`);
  return Number(text);
}

/**
 * Parse the text of /proc/net/<proto>. Throws NetsvcError EPROCNET naming `file:line` on a line
 * that is not in the kernel's format (the header line is recognised and skipped).
 */
export function parseProcNet(
  text: string,
  proto: NetProto,
  endian: Endianness,
  file = `/proc/net/${proto}`,
): ProcSocket[] {
  const v6 = proto.endsWith("6");
  const out: ProcSocket[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f[0] === "" || f[0] === "sl") continue;
    const n = i + 1;
    if (f.length < 10 || !/^\d+:$/.test(f[0]!)) fail(file, n, "not a socket line");
    const [localAddress, localPort] = parseEndpoint(f[1]!, v6, endian, file, n);
    const [remoteAddress, remotePort] = parseEndpoint(f[2]!, v6, endian, file, n);
    if (!/^[0-9A-Fa-f]{2}$/.test(f[3]!)) fail(file, n, `bad state '${f[3]!}'`);
    const [txQueue, rxQueue] = parseHexPair(f[4], file, n);
    out.push({
      proto,
      localAddress,
      localPort,
      remoteAddress,
      remotePort,
      state: parseInt(f[3]!, 16),
      txQueue,
      rxQueue,
      uid: parseDecimal(f[7], "uid", file, n),
      inode: parseDecimal(f[9], "inode", file, n),
    });
  }
  return out;
}

/**
 * What `netstat -l` and `ss -l` list: TCP sockets in LISTEN, UDP sockets that are bound but not
 * connected (state CLOSE, which ss calls UNCONN).
 */
export function isListening(s: ProcSocket): boolean {
  return s.proto.startsWith("tcp") ? s.state === TCP_LISTEN : s.state === TCP_CLOSE;
}
