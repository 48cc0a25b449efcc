import { Reader } from "../../lib/bytes/reader.ts";
import { encodeMessage, type Message, Rcode, type RR } from "../wire/message.ts";
import { keyOf, readName } from "../wire/name.ts";
import { CLASS, RRType } from "../wire/rrtypes.ts";
import type { ServerView } from "../view.ts";
import type { Zone } from "../zone/zone.ts";
import type { ClientInfo } from "./respond.ts";

/**
 * Outgoing zone transfers, as BIND answers them: AXFR (RFC 5936) as SOA, every other record, SOA,
 * packed into messages of up to 64 KiB; IXFR (RFC 1995) without a journal: the single current SOA
 * when the client is up to date, otherwise the whole zone in AXFR form (RFC 1995 4). Only over
 * TCP for AXFR; a UDP IXFR gets the single SOA (RFC 1995 2). NOTIFY to a primary is acknowledged.
 */

function soaRR(zone: Zone): RR {
  const soa = zone.get(zone.key)!.find((s) => s.type === RRType.SOA)!;
  return {
    name: zone.ownerWire(zone.key),
    type: RRType.SOA,
    cls: CLASS.IN,
    ttl: soa.ttl,
    rdata: soa.rdata[0]!,
  };
}

function allRecords(zone: Zone): RR[] {
  const out: RR[] = [];
  for (const key of zone.keys()) {
    const sets = zone.get(key)!;
    if (sets.length === 0) continue;
    const owner = zone.ownerWire(key);
    for (const s of sets) {
      if (s.type === RRType.SOA && key === zone.key) continue;
      for (const rdata of s.rdata) out.push({ name: owner, type: s.type, cls: CLASS.IN, ttl: s.ttl, rdata });
    }
  }
  return out;
}

/** RFC 1982 serial comparison: a >= b. */
function serialGe(a: number, b: number): boolean {
  return a === b || (a - b) >>> 0 < 0x80000000;
}

/** Split a record list into messages that each fit 64 KiB (the first carries the question). */
function pack(r: Message, records: RR[]): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  let first = true;
  while (i < records.length) {
    let n = Math.min(records.length - i, 500);
    for (;;) {
      const m: Message = {
        ...r,
        aa: true,
        question: first ? r.question : [],
        answer: records.slice(i, i + n),
        authority: [],
        additional: [],
      };
      const enc = encodeMessage(m, { maxSize: 65535 });
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

export function transfer(view: ServerView, q: Message, r: Message, client: ClientInfo): Buffer[] {
  const question = q.question[0]!;
  const zone = view.zones.exact(keyOf(question.name));
  const one = (m: Message): Buffer[] => [encodeMessage(m).buf];
  if (zone === undefined) {
    r.rcode = Rcode.NOTAUTH;
    return one(r);
  }
  if (!view.allowTransfer(client.address)) {
    r.rcode = Rcode.REFUSED;
    return one(r);
  }
  const soa = soaRR(zone);
  if (question.type === RRType.IXFR) {
    const theirs = q.authority.find((rr) => rr.type === RRType.SOA);
    let current = client.transport === "udp";
    if (theirs !== undefined) {
      const rd = new Reader(theirs.rdata);
      readName(rd);
      readName(rd);
      if (serialGe(rd.u32(), zone.serial)) current = true;
    }
    if (current) {
      r.aa = true;
      r.answer = [soa];
      return one(r);
    }
  }
  return pack(r, [soa, ...allRecords(zone), soa]);
}

/** NOTIFY (RFC 1996) to a server that is primary for the zone: acknowledged, nothing else. */
export function notifyResponse(view: ServerView, q: Message, r: Message): Message {
  const question = q.question[0];
  if (q.question.length !== 1 || question === undefined) {
    r.question = [];
    r.rcode = Rcode.FORMERR;
    return r;
  }
  if (view.zones.exact(keyOf(question.name)) === undefined) {
    r.rcode = Rcode.NOTAUTH;
    return r;
  }
  r.aa = true;
  return r;
}
