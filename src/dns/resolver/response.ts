import type { Message, RR } from "../wire/message.ts";
import { Rcode } from "../wire/message.ts";
import { isSubdomain, keyOf, MAX_NAME } from "../wire/name.ts";
import { CLASS, RRType } from "../wire/rrtypes.ts";

/**
 * Reading one upstream response for (name, type), asked of a server authoritative for the zone
 * `bailiwick` (a key; the root key "\0" for a forwarder). Only records inside the bailiwick are
 * believed (RFC 5452 6, the classic anti-poisoning rule): a server for example.com cannot tell us
 * anything about example.net. Pure functions over decoded messages.
 */

const MAX_CHAIN = 11;

export interface Chain {
  /** Records of the CNAME/DNAME chain from the name, then the final RRset when found. */
  records: RR[];
  /** The final RRset was found (or the chain ended in the response's negative answer). */
  final: boolean;
  /** Where the chain stopped (the name itself when there is no chain). */
  next: Buffer;
}

function at(rrs: readonly RR[], key: string, type: number): RR[] {
  return rrs.filter((rr) => rr.type === type && rr.cls === CLASS.IN && keyOf(rr.name) === key);
}

/** Follow the answer section from `name` (RFC 1034 5.3.3 step 4): CNAMEs, DNAMEs, the RRset. */
export function followAnswer(m: Message, name: Buffer, qtype: number, bailiwick: string): Chain {
  const records: RR[] = [];
  let cur = name;
  const seen = new Set<string>();
  for (let hop = 0; hop <= MAX_CHAIN; hop++) {
    const key = keyOf(cur);
    if (!isSubdomain(key, bailiwick) || seen.has(key)) break;
    seen.add(key);
    const set =
      qtype === RRType.ANY
        ? m.answer.filter((rr) => rr.cls === CLASS.IN && keyOf(rr.name) === key)
        : at(m.answer, key, qtype);
    if (set.length > 0) {
      records.push(...set);
      return { records, final: true, next: cur };
    }
    // RFC 6672 3.2: a DNAME at an ancestor (inside the bailiwick) rewrites the name; we synthesise
    // the CNAME ourselves (the server's copy is not needed)
    const dn = m.answer.find(
      (rr) =>
        rr.type === RRType.DNAME &&
        rr.cls === CLASS.IN &&
        keyOf(rr.name) !== key &&
        isSubdomain(key, keyOf(rr.name)) &&
        isSubdomain(keyOf(rr.name), bailiwick),
    );
    if (dn !== undefined) {
      const prefix = cur.subarray(0, cur.length - dn.name.length);
      if (prefix.length + dn.rdata.length > MAX_NAME) break;
      const target = Buffer.concat([prefix, dn.rdata]);
      records.push(dn, { name: cur, type: RRType.CNAME, cls: CLASS.IN, ttl: dn.ttl, rdata: target });
      cur = target;
      continue;
    }
    const cn = at(m.answer, key, RRType.CNAME)[0];
    if (cn !== undefined && qtype !== RRType.CNAME) {
      records.push(cn);
      cur = cn.rdata;
      continue;
    }
    break;
  }
  return { records, final: false, next: cur };
}

/** The SOA of a negative answer: owned by an ancestor of `name` inside the bailiwick. */
export function negativeSoa(m: Message, name: Buffer, bailiwick: string): RR[] {
  const key = keyOf(name);
  return m.authority.filter(
    (rr) =>
      rr.type === RRType.SOA &&
      rr.cls === CLASS.IN &&
      isSubdomain(key, keyOf(rr.name)) &&
      isSubdomain(keyOf(rr.name), bailiwick),
  );
}

export interface Referral {
  /** The child zone's key. */
  zone: string;
  ns: RR[];
  /** Addresses of the name servers found in the additional section, inside the bailiwick. */
  glue: RR[];
}

/**
 * A referral: NS records in the authority section for a zone strictly below the bailiwick that
 * contains the name (an upward or sideways referral is lame and returns undefined).
 */
export function referralOf(m: Message, name: Buffer, bailiwick: string): Referral | undefined {
  if (m.rcode !== Rcode.NOERROR || m.answer.length > 0) return undefined;
  const key = keyOf(name);
  const ns = m.authority.filter((rr) => rr.type === RRType.NS && rr.cls === CLASS.IN);
  if (ns.length === 0) return undefined;
  const zone = keyOf(ns[0]!.name);
  if (zone === bailiwick || !isSubdomain(zone, bailiwick) || !isSubdomain(key, zone)) return undefined;
  const set = ns.filter((rr) => keyOf(rr.name) === zone);
  const targets = new Set(set.map((rr) => keyOf(rr.rdata)));
  const glue = m.additional.filter(
    (rr) =>
      (rr.type === RRType.A || rr.type === RRType.AAAA) &&
      rr.cls === CLASS.IN &&
      targets.has(keyOf(rr.name)) &&
      isSubdomain(keyOf(rr.name), bailiwick),
  );
  return { zone, ns: set, glue };
}

/**
 * Records of the answer and authority sections a cache may keep from this response beyond the
 * chain: nothing outside the bailiwick. Additional-section addresses are kept (as glue-rank data)
 * only for names that NS/MX/SRV records of this response point at, inside the bailiwick.
 */
export function additionalAddresses(m: Message, bailiwick: string): RR[] {
  const targets = new Set<string>();
  for (const rr of [...m.answer, ...m.authority]) {
    if (rr.type === RRType.NS) targets.add(keyOf(rr.rdata));
    else if (rr.type === RRType.MX && rr.rdata.length > 2) targets.add(keyOf(rr.rdata.subarray(2)));
    else if (rr.type === RRType.SRV && rr.rdata.length > 6) targets.add(keyOf(rr.rdata.subarray(6)));
  }
  return m.additional.filter(
    (rr) =>
      (rr.type === RRType.A || rr.type === RRType.AAAA) &&
      rr.cls === CLASS.IN &&
      targets.has(keyOf(rr.name)) &&
      isSubdomain(keyOf(rr.name), bailiwick),
  );
}
