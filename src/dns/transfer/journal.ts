import type { RR } from "../wire/message.ts";
import type { Zone } from "../zone/zone.ts";
import { CLASS, RRType } from "../wire/rrtypes.ts";
import { rrIdentity, serialGt, soaRR } from "./records.ts";

/**
 * The IXFR journal (RFC 1995): for each zone version, the differences that led to it, computed
 * when a reload (or an incoming transfer) brings a newer serial. Bounded: the oldest differences
 * are dropped past MAX_DIFFS versions or once they hold more records than the zone itself (an AXFR
 * is then cheaper). Journals hang off the immutable Zone objects (a WeakMap), so a view swap
 * carries them and a dropped zone frees them.
 */

export interface Diff {
  /** The SOA before and after (their serials are the diff's from/to). */
  fromSoa: RR;
  toSoa: RR;
  from: number;
  to: number;
  deleted: RR[];
  added: RR[];
}

const MAX_DIFFS = 64;
const journals = new WeakMap<Zone, readonly Diff[]>();

/** The records at one name (the apex SOA left out), keyed by identity. */
function nodeRecords(zone: Zone, key: string, into: Map<string, RR>): void {
  const sets = zone.get(key);
  if (sets === undefined || sets.length === 0) return;
  const name = zone.ownerWire(key);
  for (const s of sets) {
    if (s.type === RRType.SOA && key === zone.key) continue;
    for (const rdata of s.rdata) {
      const rr: RR = { name, type: s.type, cls: CLASS.IN, ttl: s.ttl, rdata };
      into.set(rrIdentity(rr), rr);
    }
  }
}

/**
 * Differences between two versions of a zone (SOA excluded from the lists). Names whose packed
 * node is byte-identical in both are skipped without decoding, so a one-record change to a
 * 100k-record zone costs two walks over the keys, not a decode of every record.
 */
export function diffZones(old: Zone, next: Zone): Diff {
  const deleted: RR[] = [];
  const added: RR[] = [];
  const compare = (key: string): void => {
    const before = new Map<string, RR>();
    const after = new Map<string, RR>();
    nodeRecords(old, key, before);
    nodeRecords(next, key, after);
    for (const [id, rr] of before) if (!after.has(id)) deleted.push(rr);
    for (const [id, rr] of after) if (!before.has(id)) added.push(rr);
  };
  for (const key of next.keys()) {
    const a = old.packed(key);
    if (a !== undefined && a.equals(next.packed(key)!)) continue;
    compare(key);
  }
  for (const key of old.keys()) if (!next.has(key)) compare(key);
  return { fromSoa: soaRR(old), toSoa: soaRR(next), from: old.serial, to: next.serial, deleted, added };
}

function size(diffs: readonly Diff[]): number {
  let n = 0;
  for (const d of diffs) n += d.deleted.length + d.added.length + 2;
  return n;
}

/** Record `next` as following `old` through `diffs` (oldest first; the last ends at next's serial). */
export function extendJournal(old: Zone | undefined, next: Zone, diffs: readonly Diff[]): void {
  let list = [...(old === undefined ? [] : (journals.get(old) ?? [])), ...diffs];
  const limit = Math.max(1000, next.recordCount);
  while (list.length > MAX_DIFFS || (list.length > 1 && size(list) > limit)) list = list.slice(1);
  if (size(list) > limit) list = [];
  journals.set(next, list);
}

/**
 * A reload replaced `old` by `next`: when the serial went up, journal the difference; when it went
 * down or stayed (an edit without a serial bump), the history no longer leads to `next`: start over.
 */
export function noteReload(old: Zone | undefined, next: Zone): void {
  if (old === undefined || old === next) return;
  if (!serialGt(next.serial, old.serial)) {
    journals.set(next, []);
    return;
  }
  extendJournal(old, next, [diffZones(old, next)]);
}

/**
 * The differences from `serial` to the zone's current version, or undefined when the journal
 * does not reach back to it (the caller falls back to AXFR, RFC 1995 §4).
 */
export function diffsSince(zone: Zone, serial: number): Diff[] | undefined {
  const list = journals.get(zone) ?? [];
  const i = list.findIndex((d) => d.from === serial);
  if (i < 0) return undefined;
  const out = list.slice(i);
  for (let k = 1; k < out.length; k++) if (out[k]!.from !== out[k - 1]!.to) return undefined;
  return out[out.length - 1]!.to === zone.serial ? out : undefined;
}
