import { Reader } from "../../lib/bytes/reader.ts";
import { Rcode, type RR } from "../wire/message.ts";
import { keyOf, MAX_NAME, readName } from "../wire/name.ts";
import { CLASS, RRType } from "../wire/rrtypes.ts";
import type { RRset } from "../zone/node.ts";
import type { Zone, ZoneSet } from "../zone/zone.ts";
import { addAdditional } from "./additional.ts";
import type { Answer, LookupOptions } from "./types.ts";

/**
 * The authoritative answer (RFC 1034 4.3.2, with RFC 2308 negative answers, RFC 4592 wildcards,
 * RFC 6672 DNAME), behaving as BIND 9 does where the RFCs leave room: CNAME chains are followed
 * through all our zones and a loop gives SERVFAIL; ANY returns every RRset at the name; a CNAME
 * chain that ends in a nonexistent name keeps NXDOMAIN (RFC 6604). Pure: no I/O, no clock.
 */

/** BIND's limit on followed CNAME/DNAME links (max-restarts 11). */
const MAX_CHAIN = 11;

function rrsOf(owner: Buffer, set: RRset, ttl = set.ttl): RR[] {
  return set.rdata.map((rdata) => ({ name: owner, type: set.type, cls: CLASS.IN, ttl, rdata }));
}

/** The SOA for a negative answer: TTL = min(SOA TTL, SOA MINIMUM) (RFC 2308 3, 5). */
export function negativeSoa(zone: Zone): RR[] {
  const soa = zone.get(zone.key)?.find((s) => s.type === RRType.SOA);
  if (soa === undefined) return [];
  const rd = soa.rdata[0]!;
  const minimum = rd.readUInt32BE(rd.length - 4);
  return rrsOf(zone.ownerWire(zone.key), soa, Math.min(soa.ttl, minimum));
}

function apexNs(zone: Zone): RR[] {
  const ns = zone.get(zone.key)?.find((s) => s.type === RRType.NS);
  return ns === undefined ? [] : rrsOf(zone.ownerWire(zone.key), ns);
}

function firstName(rdata: Buffer): Buffer {
  return readName(new Reader(rdata));
}

type Found =
  | { kind: "node"; key: string; sets: RRset[]; wildcard: boolean }
  | { kind: "cut"; key: string }
  | { kind: "dname"; key: string }
  | { kind: "nxdomain" };

/** Keys from just below the apex down to `key` (the ancestors the search walks through). */
function path(key: string, apex: string): string[] {
  const out: string[] = [];
  for (let k = key; k.length > apex.length; k = k.slice(1 + k.charCodeAt(0))) out.push(k);
  return out.reverse();
}

/** RFC 1034 4.3.2 step 3 inside one zone. */
function find(zone: Zone, key: string, qtype: number): Found {
  const steps = path(key, zone.key);
  let encloser = zone.key;
  for (const k of steps) {
    if (!zone.has(k)) {
      // RFC 4592 4.1: the closest encloser's wildcard, if any
      if (zone.hasWildcards) {
        const wild = "\x01*" + encloser;
        const sets = zone.get(wild);
        if (sets !== undefined) return { kind: "node", key: wild, sets, wildcard: true };
      }
      return { kind: "nxdomain" };
    }
    const atName = k === key;
    if (zone.hasType(k, RRType.NS) && !(atName && qtype === RRType.DS)) return { kind: "cut", key: k };
    if (!atName && zone.hasType(k, RRType.DNAME)) return { kind: "dname", key: k };
    encloser = k;
  }
  return { kind: "node", key, sets: zone.get(key)!, wildcard: false };
}

/**
 * Answer qname/qtype from our zones. Returns kind "refused" when no zone contains qname.
 * `qname` keeps the query's letter case: answers owned by it are written with it.
 */
export function lookup(zones: ZoneSet, qname: Buffer, qtype: number, opts: LookupOptions): Answer {
  const res: Answer = {
    kind: "success",
    rcode: Rcode.NOERROR,
    aa: true,
    answer: [],
    authority: [],
    additional: [],
  };
  let name = qname;
  let key = keyOf(qname);
  let zone = zones.find(key);
  if (zone === undefined) return { ...res, kind: "refused", rcode: Rcode.REFUSED, aa: false };
  const visited = new Set<string>();
  for (let hop = 0; ; hop++) {
    if (visited.has(key) || hop > MAX_CHAIN)
      return { ...res, kind: "servfail", rcode: Rcode.SERVFAIL, authority: [], additional: [] };
    visited.add(key);
    const f = find(zone, key, qtype);
    if (f.kind === "cut") {
      const ns = zone.get(f.key)!.find((s) => s.type === RRType.NS)!;
      const owner = zone.ownerWire(f.key);
      res.kind = "delegation";
      if (res.answer.length === 0) res.aa = false;
      res.authority.push(...rrsOf(owner, ns));
      if (opts.dnssec) {
        const ds = zone.get(f.key)!.find((s) => s.type === RRType.DS);
        if (ds !== undefined) res.authority.push(...rrsOf(owner, ds));
      }
      addAdditional(zones, res, true);
      return res;
    }
    if (f.kind === "dname") {
      const dn = zone.get(f.key)!.find((s) => s.type === RRType.DNAME)!;
      const target = dn.rdata[0]!;
      res.answer.push(...rrsOf(zone.ownerWire(f.key), dn));
      // RFC 6672 2.2: replace the DNAME owner suffix of the current name with the target
      const prefix = name.subarray(0, name.length - f.key.length);
      if (prefix.length + target.length > MAX_NAME) {
        res.kind = "yxdomain";
        res.rcode = Rcode.YXDOMAIN;
        return res;
      }
      const next = Buffer.concat([prefix, target]);
      res.answer.push({ name, type: RRType.CNAME, cls: CLASS.IN, ttl: dn.ttl, rdata: next });
      const nz = zones.find(keyOf(next));
      if (nz === undefined) return res;
      name = next;
      key = keyOf(next);
      zone = nz;
      continue;
    }
    if (f.kind === "nxdomain") {
      res.kind = "nxdomain";
      res.rcode = Rcode.NXDOMAIN;
      res.authority.push(...negativeSoa(zone));
      return res;
    }
    const sets = f.sets;
    if (qtype === RRType.ANY && sets.length > 0) {
      // BIND 9 answers ANY with every RRset, the zone's NS and no additional section
      for (const s of sets) res.answer.push(...rrsOf(name, s));
      return finishPositive(zones, zone, res, opts, qtype, false);
    }
    const cname =
      qtype === RRType.CNAME || qtype === RRType.ANY ? undefined : sets.find((s) => s.type === RRType.CNAME);
    if (cname !== undefined) {
      res.answer.push(...rrsOf(name, cname));
      const next = firstName(cname.rdata[0]!);
      const nz = zones.find(keyOf(next));
      if (nz === undefined) return res; // the chain leaves our zones: BIND adds nothing more
      name = next;
      key = keyOf(next);
      zone = nz;
      continue;
    }
    const hit = sets.find((s) => s.type === qtype);
    if (hit !== undefined) {
      res.answer.push(...rrsOf(name, hit));
      return finishPositive(zones, zone, res, opts, qtype);
    }
    res.kind = "nodata";
    res.authority.push(...negativeSoa(zone));
    return res;
  }
}

function finishPositive(
  zones: ZoneSet,
  zone: Zone,
  res: Answer,
  opts: LookupOptions,
  qtype: number,
  additional = true,
): Answer {
  res.kind = "success";
  // a DS RRset belongs to the parent side of a cut: BIND gives it without the zone's NS
  if (opts.authorityOnPositive && qtype !== RRType.DS) {
    const ns = apexNs(zone);
    const present = res.answer.some((rr) => rr.type === RRType.NS && keyOf(rr.name) === zone.key);
    if (!present) res.authority.push(...ns);
  }
  if (additional) addAdditional(zones, res, false);
  return res;
}
