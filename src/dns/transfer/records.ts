import { ConfigErrors } from "../../lib/errors.ts";
import { Reader } from "../../lib/bytes/reader.ts";
import type { RR } from "../wire/message.ts";
import { keyOf, readName } from "../wire/name.ts";
import { CLASS, RRType } from "../wire/rrtypes.ts";
import { ZoneBuilder } from "../zone/build.ts";
import type { Zone } from "../zone/zone.ts";

/**
 * A zone as a flat list of records and back: what transfers send (AXFR, RFC 5936) and receive, and
 * what the journal diffs. Records are compared by owner key, type and exact rdata bytes.
 */

/** RFC 1982 serial arithmetic (32 bits): a > b. Undefined (exactly 2^31 apart) counts as false. */
export function serialGt(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < 0x80000000;
}

export function serialGe(a: number, b: number): boolean {
  return a === b || serialGt(a, b);
}

export interface SoaFields {
  mname: Buffer;
  rname: Buffer;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export function soaFields(rdata: Buffer): SoaFields {
  const r = new Reader(rdata);
  const mname = readName(r);
  const rname = readName(r);
  return {
    mname,
    rname,
    serial: r.u32(),
    refresh: r.u32(),
    retry: r.u32(),
    expire: r.u32(),
    minimum: r.u32(),
  };
}

export function soaRR(zone: Zone): RR {
  const soa = zone.get(zone.key)!.find((s) => s.type === RRType.SOA)!;
  return {
    name: zone.ownerWire(zone.key),
    type: RRType.SOA,
    cls: CLASS.IN,
    ttl: soa.ttl,
    rdata: soa.rdata[0]!,
  };
}

/**
 * Every record of the zone except the apex SOA, node by node. Reads each packed node once
 * (zone/node.ts format) instead of get() + ownerWire(): AXFR of a 100k-record zone walks this.
 */
export function zoneRecords(zone: Zone): RR[] {
  const out: RR[] = [];
  for (const key of zone.keys()) {
    const p = zone.packed(key);
    if (p === undefined || p.length === 0) continue;
    const ownerLen = p[0]!;
    const owner = ownerLen === 0 ? Buffer.from(key, "latin1") : Buffer.from(p.subarray(1, 1 + ownerLen));
    const apex = key === zone.key;
    let i = 1 + ownerLen;
    while (i < p.length) {
      const type = (p[i]! << 8) | p[i + 1]!;
      const ttl = p.readUInt32BE(i + 2);
      const count = (p[i + 6]! << 8) | p[i + 7]!;
      i += 8;
      for (let n = 0; n < count; n++) {
        const len = (p[i]! << 8) | p[i + 1]!;
        if (!(apex && type === RRType.SOA))
          out.push({
            name: owner,
            type,
            cls: CLASS.IN,
            ttl,
            rdata: Buffer.from(p.subarray(i + 2, i + 2 + len)),
          });
        i += 2 + len;
      }
    }
  }
  return out;
}

/** Identity of a record for diffs (the TTL is not part of it, RFC 1995 / RFC 2136). */
export function rrIdentity(rr: RR): string {
  return `${keyOf(rr.name)}|${rr.type}|${rr.rdata.toString("latin1")}`;
}

/**
 * Build a Zone from transferred records (SOA included once). Throws ConfigErrors when the result
 * is not a valid zone (no SOA, no NS...): a secondary then keeps what it had.
 */
export function zoneFromRecords(origin: Buffer, file: string, records: Iterable<RR>): Zone {
  const b = new ZoneBuilder(origin, file);
  let n = 0;
  for (const rr of records) b.add(rr.name, rr.type, rr.ttl, rr.rdata, { file, line: ++n });
  const zone = b.finish();
  if (b.errors.length > 0) throw new ConfigErrors(b.errors);
  return zone;
}
