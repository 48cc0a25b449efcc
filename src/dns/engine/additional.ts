import { Reader } from "../../lib/bytes/reader.ts";
import type { RR } from "../wire/message.ts";
import { isSubdomain, keyOf, readName } from "../wire/name.ts";
import { CLASS, RRType } from "../wire/rrtypes.ts";
import type { Zone, ZoneSet } from "../zone/zone.ts";
import type { Answer } from "./types.ts";

/**
 * Additional section processing (RFC 1034 4.3.2 step 6, RFC 1035 3.3.x, RFC 2782): the A and AAAA
 * RRsets of the names that NS, MX and SRV records in the answer and authority sections point at,
 * when our zones hold them. On a referral the glue below the cut counts; otherwise only
 * authoritative data does (data below a zone cut is not ours to give out).
 */

/** Where the target name sits in the rdata of the types that get additional processing. */
const TARGET_OFFSET: ReadonlyMap<number, number> = new Map([
  [RRType.NS, 0],
  [RRType.MX, 2],
  [RRType.SRV, 6],
]);

function belowCut(zone: Zone, key: string): boolean {
  for (
    let k = key.slice(1 + key.charCodeAt(0));
    k.length > zone.key.length;
    k = k.slice(1 + k.charCodeAt(0))
  ) {
    if (zone.hasType(k, RRType.NS)) return true;
  }
  return false;
}

export function addAdditional(zones: ZoneSet, res: Answer, referral: boolean): void {
  const present = new Set<string>();
  const mark = (rr: RR): void => void present.add(`${keyOf(rr.name)}/${rr.type}`);
  res.answer.forEach(mark);
  res.authority.forEach(mark);
  const done = new Set<string>();
  for (const rr of [...res.answer, ...res.authority]) {
    const off = TARGET_OFFSET.get(rr.type);
    if (off === undefined || rr.rdata.length <= off) continue;
    const target = readName(new Reader(rr.rdata, off));
    if (target.length === 1) continue; // "." (SRV: no service)
    const key = keyOf(target);
    if (done.has(key)) continue;
    done.add(key);
    const zone = zones.find(key);
    if (zone === undefined) continue;
    if (referral && rr.type === RRType.NS) {
      // a referral carries glue only: addresses at or below the cut (BIND 9.18)
      if (!isSubdomain(key, keyOf(rr.name))) continue;
    } else if (belowCut(zone, key)) continue;
    const sets = zone.get(key);
    if (sets === undefined) continue;
    const owner = zone.ownerWire(key);
    for (const type of [RRType.A, RRType.AAAA]) {
      const s = sets.find((x) => x.type === type);
      if (s === undefined || present.has(`${key}/${type}`)) continue;
      present.add(`${key}/${type}`);
      for (const rdata of s.rdata)
        res.additional.push({ name: owner, type, cls: CLASS.IN, ttl: s.ttl, rdata });
    }
  }
}
