import { NetsvcError } from "../../lib/errors.ts";
import { type Message, Rcode, type RR } from "../wire/message.ts";
import { keyOf } from "../wire/name.ts";
import { RRType } from "../wire/rrtypes.ts";
import type { Zone } from "../zone/zone.ts";
import { type Diff, extendJournal, noteReload } from "./journal.ts";
import { rrIdentity, soaFields, soaRR, zoneFromRecords, zoneRecords } from "./records.ts";

/**
 * Incoming transfers (pure): read the messages of an AXFR (RFC 5936) or IXFR (RFC 1995 §4)
 * answer in order, tell when it is complete, and turn it into a new Zone.
 *
 * IXFR answers come in three forms: one SOA (up to date), the incremental form (SOA, then per
 * version old SOA / deletions / new SOA / additions, then SOA), or the AXFR form (SOA, records, SOA).
 * The second record tells them apart: an SOA means incremental.
 */
export type XfrResult =
  | { kind: "uptodate"; serial: number }
  | { kind: "axfr"; soa: RR; records: RR[] }
  | { kind: "ixfr"; soa: RR; diffs: Diff[] };

const RCODE_NAMES: Record<number, string> = {
  1: "FORMERR",
  2: "SERVFAIL",
  3: "NXDOMAIN",
  4: "NOTIMP",
  5: "REFUSED",
  9: "NOTAUTH",
};

export class XfrError extends NetsvcError {
  /** The RCODE the primary answered with (when that is why). */
  readonly rcode: number | undefined;
  constructor(message: string, rcode?: number) {
    super("EXFR", message);
    this.rcode = rcode;
  }
}

export class XfrReader {
  private readonly zoneKey: string;
  private readonly ourSerial: number | undefined;
  private soa: RR | undefined;
  private serial = 0;
  private form: "unknown" | "axfr" | "ixfr" = "unknown";
  private records: RR[] = [];
  private diffs: Diff[] = [];
  private phase: "del" | "add" = "del";
  private done = false;
  private result_: XfrResult | undefined;
  private count = 0;

  /** `ourSerial`: set for IXFR (the serial we asked from). */
  constructor(zoneName: Buffer, ourSerial: number | undefined) {
    this.zoneKey = keyOf(zoneName);
    this.ourSerial = ourSerial;
  }

  /** Feed one message; returns true when the transfer is complete. Throws XfrError. */
  feed(m: Message): boolean {
    if (this.done) throw new XfrError("data after the end of the transfer");
    if (m.rcode !== Rcode.NOERROR)
      throw new XfrError(`the primary answered ${RCODE_NAMES[m.rcode] ?? `RCODE ${m.rcode}`}`, m.rcode);
    if (this.count === 0 && m.answer.length === 0) throw new XfrError("empty answer");
    for (const rr of m.answer) {
      if (this.done) throw new XfrError("records after the closing SOA");
      this.take(rr);
    }
    // one SOA alone in the whole answer: "you are up to date" (IXFR) — only if it ended there
    if (!this.done && this.count === 1 && this.ourSerial !== undefined && this.soa !== undefined) {
      const s = soaFields(this.soa.rdata).serial;
      if (s === this.ourSerial || (s - this.ourSerial) >>> 0 >= 0x80000000) {
        this.done = true;
        this.result_ = { kind: "uptodate", serial: s };
      }
    }
    return this.done;
  }

  private take(rr: RR): void {
    this.count++;
    const isSoa = rr.type === RRType.SOA;
    if (this.count === 1) {
      if (!isSoa || keyOf(rr.name) !== this.zoneKey)
        throw new XfrError("the answer does not start with the zone's SOA");
      this.soa = rr;
      this.serial = soaFields(rr.rdata).serial;
      return;
    }
    if (this.count === 2) {
      this.form = isSoa && this.ourSerial !== undefined ? "ixfr" : "axfr";
      if (this.form === "ixfr") {
        this.startDiff(rr);
        return;
      }
    }
    if (this.form === "axfr") {
      if (isSoa && keyOf(rr.name) === this.zoneKey) {
        if (soaFields(rr.rdata).serial !== this.serial)
          throw new XfrError("closing SOA serial differs from the opening one");
        this.done = true;
        this.result_ = { kind: "axfr", soa: this.soa!, records: this.records };
        return;
      }
      this.records.push(rr);
      return;
    }
    // incremental form
    const d = this.diffs[this.diffs.length - 1]!;
    if (!isSoa) {
      (this.phase === "del" ? d.deleted : d.added).push(rr);
      return;
    }
    const s = soaFields(rr.rdata).serial;
    if (this.phase === "del") {
      d.toSoa = rr;
      d.to = s;
      this.phase = "add";
      return;
    }
    if (s === this.serial && d.to === this.serial) {
      this.done = true;
      this.result_ = { kind: "ixfr", soa: this.soa!, diffs: this.diffs };
      return;
    }
    this.startDiff(rr);
  }

  private startDiff(rr: RR): void {
    const from = soaFields(rr.rdata).serial;
    const prev = this.diffs[this.diffs.length - 1];
    if (prev === undefined ? from !== this.ourSerial : from !== prev.to)
      throw new XfrError(`IXFR difference starts at serial ${from}, expected ${prev?.to ?? this.ourSerial}`);
    this.diffs.push({ fromSoa: rr, toSoa: rr, from, to: from, deleted: [], added: [] });
    this.phase = "del";
  }

  result(): XfrResult {
    if (this.result_ === undefined) throw new XfrError("the transfer ended early");
    return this.result_;
  }
}

/**
 * Turn a complete transfer into the zone's new version (journaled, so we can serve IXFR to our
 * own secondaries). Throws XfrError or ConfigErrors (an invalid zone) — the caller keeps the old one.
 */
export function applyTransfer(
  origin: Buffer,
  file: string,
  current: Zone | undefined,
  r: XfrResult,
): Zone | undefined {
  if (r.kind === "uptodate") return undefined;
  if (r.kind === "axfr") {
    const next = zoneFromRecords(origin, file, [r.soa, ...r.records]);
    noteReload(current, next);
    return next;
  }
  if (current === undefined) throw new XfrError("incremental answer without a zone to apply it to");
  const recs = new Map<string, RR>();
  for (const rr of zoneRecords(current)) recs.set(rrIdentity(rr), rr);
  let serial = current.serial;
  let soa = soaRR(current);
  for (const d of r.diffs) {
    if (d.from !== serial)
      throw new XfrError(`IXFR difference from serial ${d.from} does not apply to ${serial}`);
    for (const rr of d.deleted) {
      if (!recs.delete(rrIdentity(rr))) throw new XfrError("IXFR deletes a record we do not have");
    }
    for (const rr of d.added) recs.set(rrIdentity(rr), rr);
    serial = d.to;
    soa = d.toSoa;
  }
  const next = zoneFromRecords(origin, file, [soa, ...recs.values()]);
  extendJournal(current, next, r.diffs);
  return next;
}
