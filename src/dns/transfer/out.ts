import { encodeMessage, type Message, Rcode, type RR } from "../wire/message.ts";
import { keyOf } from "../wire/name.ts";
import { RRType } from "../wire/rrtypes.ts";
import type { ServerView } from "../view.ts";
import type { Zone } from "../zone/zone.ts";
import { diffsSince } from "./journal.ts";
import { serialGe, soaFields, soaRR, zoneRecords } from "./records.ts";

/**
 * Outgoing zone transfers, as BIND answers them (the pure part: messages out, unsigned; the
 * pipeline signs them when the request was signed).
 *
 * - AXFR (RFC 5936): SOA, every other record, SOA, in as many messages of up to 64 KiB as needed
 *   (names compressed in each). TCP only (UDP gets FORMERR before this is reached).
 * - IXFR (RFC 1995): the client's serial from the SOA in the authority section. Up to date: the
 *   single current SOA. Known to the journal: the incremental form (new SOA, then per version the
 *   old SOA, deletions, the new SOA, additions, and the new SOA last). Otherwise the AXFR form
 *   (RFC 1995 §4). Over UDP: the single current SOA (RFC 1995 §2: "use TCP").
 * - allow-transfer (the zone's own, else the options one; a `key NAME` element matches a request
 *   signed with that key) decides: REFUSED outside it; NOTAUTH for a zone we do not serve;
 *   SERVFAIL for a secondary zone not loaded yet or expired.
 */

/** Messages leave room for a TSIG record (up to ~400 bytes with a long key name and SHA-512). */
const MESSAGE_LIMIT = 65535 - 512;

/** Split records into messages that each fit (the first carries the question). */
export function packRecords(r: Message, records: RR[], limit = MESSAGE_LIMIT): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  let first = true;
  while (i < records.length) {
    let n = Math.min(records.length - i, 1000);
    for (;;) {
      const m: Message = {
        ...r,
        aa: true,
        question: first ? r.question : [],
        answer: records.slice(i, i + n),
        authority: [],
        additional: [],
      };
      const enc = encodeMessage(m, { maxSize: limit });
      if (!enc.truncated || n === 1) {
        out.push(enc.buf);
        break;
      }
      n = Math.max(1, n >> 1);
    }
    i += n;
    first = false;
  }
  return out;
}

/** The IXFR answer records for the client at `serial`, or undefined when only AXFR can do. */
export function ixfrRecords(zone: Zone, serial: number): RR[] | undefined {
  const diffs = diffsSince(zone, serial);
  if (diffs === undefined) return undefined;
  const cur = soaRR(zone);
  const out: RR[] = [cur];
  for (const d of diffs) out.push(d.fromSoa, ...d.deleted, d.toSoa, ...d.added);
  out.push(cur);
  return out;
}

export function axfrRecords(zone: Zone): RR[] {
  const soa = soaRR(zone);
  return [soa, ...zoneRecords(zone), soa];
}

export interface Requester {
  address: string;
  transport: "udp" | "tcp";
  /** The TSIG key that signed the request (verified), if any. */
  key: string | undefined;
}

function report<T extends Buffer[] | number>(
  view: ServerView,
  zone: Zone,
  kind: "AXFR" | "IXFR" | "IXFR-uptodate",
  who: Requester,
  msgs: T,
): T {
  const messages = typeof msgs === "number" ? msgs : msgs.length;
  view.onTransferOut?.({
    zone: zone.origin,
    kind,
    serial: zone.serial,
    address: who.address,
    key: who.key,
    messages,
  });
  return msgs;
}

export function transferOut(view: ServerView, q: Message, r: Message, who: Requester): Buffer[] {
  const question = q.question[0]!;
  const key = keyOf(question.name);
  const one = (m: Message): Buffer[] => [encodeMessage(m).buf];
  const zone = view.zones.exact(key);
  if (zone === undefined) {
    r.rcode = view.unavailable?.has(key) ? Rcode.SERVFAIL : Rcode.NOTAUTH;
    return one(r);
  }
  const allow = view.zoneOptions?.get(key)?.allowTransfer ?? view.allowTransfer;
  if (!allow(who.address, who.key)) {
    r.rcode = Rcode.REFUSED;
    return one(r);
  }
  if (question.type === RRType.IXFR) {
    const theirs = q.authority.find((rr) => rr.type === RRType.SOA && keyOf(rr.name) === key);
    if (theirs === undefined) {
      // RFC 1995 §3: the query carries the client's SOA; BIND answers FORMERR without it
      r.rcode = Rcode.FORMERR;
      return one(r);
    }
    const serial = soaFields(theirs.rdata).serial;
    if (who.transport === "udp" || serialGe(serial, zone.serial)) {
      r.aa = who.transport === "tcp"; // BIND 9.18 leaves AA off the UDP answer
      r.answer = [soaRR(zone)];
      if (who.transport === "tcp") report(view, zone, "IXFR-uptodate", who, 1);
      return one(r);
    }
    const inc = ixfrRecords(zone, serial);
    if (inc !== undefined) return report(view, zone, "IXFR", who, packRecords(r, inc));
  }
  return report(view, zone, "AXFR", who, packRecords(r, axfrRecords(zone)));
}
