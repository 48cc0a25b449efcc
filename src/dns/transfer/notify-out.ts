import { Reader } from "../../lib/bytes/reader.ts";
import { parseAddress } from "../../lib/acl.ts";
import { keyOf, readName } from "../wire/name.ts";
import { emptyMessage, encodeMessage, Opcode } from "../wire/message.ts";
import { CLASS, RRType } from "../wire/rrtypes.ts";
import type { Zone } from "../zone/zone.ts";
import { soaFields, soaRR } from "./records.ts";

/**
 * NOTIFY sent (RFC 1996 §3): whom to tell that a zone changed, and the message. `notify yes`: the
 * zone's name servers except the SOA MNAME (the primary itself), at the addresses the zone holds
 * for them (netsvc has no resolver to find out-of-zone ones), on port 53, plus `also-notify`;
 * `notify explicit`: `also-notify` only; `notify no`: nobody. Our own listening addresses are left
 * out (BIND does not notify itself).
 */
export interface NotifyTarget {
  host: string;
  port: number;
  key: string | undefined;
}

function sameHost(a: string, b: string): boolean {
  const x = parseAddress(a);
  const y = parseAddress(b);
  if (x === undefined || y === undefined || x.family !== y.family) return false;
  return x.family === 4 ? x.v4 === y.v4 : Buffer.from(x.v6!).equals(Buffer.from(y.v6!));
}

export function notifyTargets(
  zone: Zone,
  mode: "yes" | "no" | "explicit",
  also: readonly NotifyTarget[],
  self: readonly { host: string; port: number }[],
): NotifyTarget[] {
  if (mode === "no") return [];
  const out: NotifyTarget[] = [...also];
  if (mode === "yes") {
    const mname = keyOf(soaFields(soaRR(zone).rdata).mname);
    const ns = zone.get(zone.key)?.find((s) => s.type === RRType.NS)?.rdata ?? [];
    for (const rd of ns) {
      const target = keyOf(readName(new Reader(rd)));
      if (target === mname) continue;
      for (const s of zone.get(target) ?? []) {
        if (s.type !== RRType.A && s.type !== RRType.AAAA) continue;
        for (const a of s.rdata) {
          const host = s.type === RRType.A ? [...a].join(".") : ipv6(a);
          out.push({ host, port: 53, key: undefined });
        }
      }
    }
  }
  const seen = new Set<string>();
  return out.filter((t) => {
    const k = `${t.host}#${t.port}`;
    if (seen.has(k) || self.some((s) => s.port === t.port && sameHost(s.host, t.host))) return false;
    seen.add(k);
    return true;
  });
}

function ipv6(b: Buffer): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
  return parts.join(":");
}

/** The NOTIFY message (RFC 1996 §3.7): opcode NOTIFY, AA, question SOA, the new SOA in the answer. */
export function notifyMessage(zone: Zone, id: number): Buffer {
  const m = emptyMessage();
  m.id = id;
  m.opcode = Opcode.NOTIFY;
  m.aa = true;
  m.question = [{ name: zone.ownerWire(zone.key), type: RRType.SOA, cls: CLASS.IN }];
  m.answer = [soaRR(zone)];
  return encodeMessage(m).buf;
}
