import { parseAddress } from "../../lib/acl.ts";
import { siphash24 } from "../wire/siphash.ts";

/**
 * DNS COOKIE (RFC 7873) with interoperable server cookies (RFC 9018), as BIND 9 answers them by
 * default (`answer-cookie yes`, `cookie-algorithm siphash24`).
 *
 * A query's COOKIE option carries an 8-byte client cookie, optionally followed by the server
 * cookie we gave earlier (8 to 32 bytes). The answer carries the client cookie and a fresh server
 * cookie: version 1, three reserved zero bytes, the time (seconds, 32 bits) and
 * SipHash-2-4(secret, client cookie | version | reserved | time | client IP). A server cookie is
 * valid when it was made with one of our secrets for this client and is at most an hour old (five
 * minutes ahead tolerated). Pure: the time and the address are inputs.
 */
export const COOKIE_OPTION = 10;
export const BADCOOKIE = 23;

export interface CookieConfig {
  /** `answer-cookie` (default yes): put a COOKIE in answers to queries that carry one. */
  readonly answer: boolean;
  /** `cookie-secret`s: the first makes server cookies, all are accepted (16 bytes each). */
  readonly secrets: readonly Buffer[];
  /** `require-server-cookie` (default no): UDP queries without a valid server cookie get BADCOOKIE. */
  readonly require: boolean;
}

export type CookieQuery =
  { kind: "malformed" } | { kind: "cookie"; client: Buffer; server: Buffer | undefined };

/** RFC 7873 §5.2.2: 8 bytes of client cookie, or 16 to 40 with a server cookie; else FORMERR. */
export function readCookie(data: Buffer): CookieQuery {
  if (data.length === 8) return { kind: "cookie", client: data, server: undefined };
  if (data.length < 16 || data.length > 40) return { kind: "malformed" };
  return { kind: "cookie", client: data.subarray(0, 8), server: data.subarray(8) };
}

function addressBytes(address: string): Buffer {
  const a = parseAddress(address);
  if (a === undefined) return Buffer.alloc(0);
  if (a.family === 6) return Buffer.from(a.v6!);
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(a.v4, 0);
  return b;
}

/** The 16-byte server cookie for this client cookie, address and time (RFC 9018 §4.2). */
export function serverCookie(client: Buffer, address: string, nowSec: number, secret: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = 1; // version; reserved stays 0
  head.writeUInt32BE(nowSec >>> 0, 4);
  const hash = siphash24(secret, Buffer.concat([client, head, addressBytes(address)]));
  return Buffer.concat([head, hash]);
}

/** Whether `server` is one of ours for this client (RFC 9018 §4.3: at most 1 h old, 5 min ahead). */
export function validServerCookie(
  client: Buffer,
  server: Buffer,
  address: string,
  nowSec: number,
  secrets: readonly Buffer[],
): boolean {
  if (server.length !== 16 || server[0] !== 1 || server[1] !== 0 || server[2] !== 0 || server[3] !== 0)
    return false;
  const t = server.readUInt32BE(4);
  // serial-number arithmetic on the 32-bit time (RFC 1982), as the RFC asks
  const age = (nowSec - t) | 0;
  if (age > 3600 || age < -300) return false;
  return secrets.some((s) => serverCookie(client, address, t, s).equals(server));
}

export interface CookieAnswer {
  /** The COOKIE option data to send (client cookie + our server cookie). */
  data: Buffer;
  /** The query carried a server cookie of ours. */
  valid: boolean;
}

/** What to answer a well-formed COOKIE with. */
export function answerCookie(
  q: { client: Buffer; server: Buffer | undefined },
  address: string,
  nowSec: number,
  cfg: CookieConfig,
): CookieAnswer {
  const valid = q.server !== undefined && validServerCookie(q.client, q.server, address, nowSec, cfg.secrets);
  const secret = cfg.secrets[0]!;
  return { data: Buffer.concat([q.client, serverCookie(q.client, address, nowSec, secret)]), valid };
}
