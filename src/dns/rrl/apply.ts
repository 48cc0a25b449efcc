import { keyOfBytes } from "../wire/name.ts";
import type { ServerView } from "../view.ts";
import { Kind, RateLimiter, Verdict } from "./limiter.ts";

/**
 * Response rate limiting at the door: classify an encoded UDP response the way BIND's RRL does
 * (answer, referral, NODATA, NXDOMAIN, error) and ask the view's limiter. Returns the response to
 * send (the same bytes, or a truncated TC=1 copy when the limiter slips it) or null to drop it.
 */

/** Header + question with TC=1 and no records: what a slipped response looks like. */
export function truncated(out: Buffer): Buffer {
  let pos = 12;
  const qd = out.readUInt16BE(4);
  if (qd === 1) {
    while (pos < out.length && out[pos] !== 0) pos += out[pos]! + 1;
    pos += 5;
  }
  const t = Buffer.from(out.subarray(0, Math.min(pos, out.length)));
  t[2] = t[2]! | 0x02;
  t.writeUInt16BE(qd === 1 ? 1 : 0, 4);
  t.fill(0, 6, 12);
  return t;
}

function classify(out: Buffer): Kind {
  const rcode = out[3]! & 0x0f;
  if (rcode === 3) return Kind.NXDOMAIN;
  if (rcode !== 0) return Kind.ERROR;
  if (out.readUInt16BE(6) > 0) return Kind.ANSWER;
  if ((out[2]! & 0x04) !== 0 || out.readUInt16BE(8) === 0) return Kind.NODATA;
  return Kind.REFERRAL;
}

/** What the response is "about", per kind (BIND: qname+qtype; the zone for NXDOMAIN). */
function subject(view: ServerView, out: Buffer, kind: Kind): string {
  if (kind === Kind.ERROR || out.readUInt16BE(4) !== 1) return "";
  let end = 12;
  while (end < out.length && out[end] !== 0) end += out[end]! + 1;
  if (end + 5 > out.length) return "";
  const key = keyOfBytes(out, 12, end + 1);
  if (kind === Kind.NXDOMAIN || kind === Kind.REFERRAL) {
    // NXDOMAINs collapse to their zone (a random-subdomain flood is one stream); referrals too
    const z = view.zones.find(key);
    return z !== undefined ? z.key : key.slice(1 + key.charCodeAt(0));
  }
  return key + String.fromCharCode(out[end + 1]!, out[end + 2]!);
}

export function applyRrl(
  rrl: RateLimiter,
  view: ServerView,
  out: Buffer,
  address: string,
  nowMs: number,
): Buffer | null {
  const kind = classify(out);
  const v = rrl.check(address, kind, subject(view, out, kind), nowMs);
  if (v === Verdict.SEND) return out;
  if (v === Verdict.DROP) return null;
  return truncated(out);
}
