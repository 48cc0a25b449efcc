import { nameToText } from "../wire/name.ts";
import { rdataToText } from "../wire/rdata.ts";
import { typeToText } from "../wire/rrtypes.ts";
import type { Zone } from "./zone.ts";

/** Canonical order of keys (RFC 4034 6.1): compare label by label from the root. */
export function compareKeys(a: string, b: string): number {
  const la = labels(a);
  const lb = labels(b);
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    if (la[i]! < lb[i]!) return -1;
    if (la[i]! > lb[i]!) return 1;
  }
  return la.length - lb.length;
}

function labels(key: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < key.length && key.charCodeAt(i) !== 0; i += 1 + key.charCodeAt(i))
    out.push(key.slice(i + 1, i + 1 + key.charCodeAt(i)));
  return out.reverse();
}

/** The zone as master-file text, one record per line, names absolute, in canonical order. */
export function dumpZone(zone: Zone): string {
  const lines: string[] = [];
  for (const key of [...zone.keys()].sort(compareKeys)) {
    const sets = zone.get(key)!;
    const owner = nameToText(zone.ownerWire(key));
    for (const s of sets)
      for (const rd of s.rdata)
        lines.push(`${owner}\t${s.ttl}\tIN\t${typeToText(s.type)}\t${rdataToText(s.type, rd)}`);
  }
  return lines.join("\n") + (lines.length > 0 ? "\n" : "");
}
