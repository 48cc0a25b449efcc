import { ConfigError, type Position } from "../../lib/errors.ts";
import { isSubdomain, keyOf, nameToText, parentKey } from "../wire/name.ts";
import { Reader } from "../../lib/bytes/reader.ts";
import { readName } from "../wire/name.ts";
import { RRType } from "../wire/rrtypes.ts";
import { decodeNode, encodeNode, nodeOwner, type RRset } from "./node.ts";
import { NodeTable } from "./table.ts";
import { Zone } from "./zone.ts";

/**
 * Collects records into a Zone, making the checks named-checkzone makes as records arrive (CNAME
 * beside other data, singleton types, SOA off the apex, data outside the zone, RRset TTLs) and at
 * the end (one SOA and NS at the apex, addresses for in-zone name servers, glue for delegations).
 * Errors and warnings accumulate; the caller decides (load.ts: any error = the zone is rejected).
 */

/** Types that may sit beside a CNAME (RFC 2181 10.1, RFC 4035 2.5). */
const EMPTY = Buffer.alloc(0);
/** The most data one name may hold (a NodeTable chunk, less the entry header). */
const NODE_LIMIT = (1 << 20) - 300;

const CNAME_COMPANIONS = new Set<number>([RRType.RRSIG, RRType.NSEC, 25 /* KEY */]);

/** RFC 952/1123 host name: labels of letters, digits and inner hyphens (`*` first, if allowed). */
export function isHostname(wire: Buffer, wildcard: boolean): boolean {
  let i = 0;
  let first = true;
  while (i < wire.length && wire[i] !== 0) {
    const len = wire[i]!;
    if (!(first && wildcard && len === 1 && wire[i + 1] === 0x2a)) {
      for (let j = 1; j <= len; j++) {
        const c = wire[i + j]!;
        const alnum = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
        if (!alnum && !(c === 0x2d && j !== 1 && j !== len)) return false;
      }
    }
    first = false;
    i += 1 + len;
  }
  return true;
}

function display(wire: Buffer): string {
  const t = nameToText(wire);
  return t === "." ? t : t.slice(0, -1);
}

export class ZoneBuilder {
  readonly origin: Buffer;
  readonly originKey: string;
  readonly originText: string;
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigError[] = [];
  private readonly nodes: NodeTable;
  private readonly nsLines = new Map<string, Position>();
  /** First line of the MX or SRV RRset at a name, keyed `type/key`. */
  private readonly targetLines = new Map<string, Position>();
  private soaPos: Position | undefined;
  private lastPos: Position = { file: "", line: 0 };
  private count = 0;

  readonly file: string;

  /** `expectedNames` sizes the hash table up front (the loader guesses from the file size). */
  constructor(origin: Buffer, file: string, expectedNames = 16) {
    this.nodes = new NodeTable(expectedNames);
    this.file = file;
    this.origin = origin;
    this.originKey = keyOf(origin);
    this.originText = display(origin);
  }

  private zoneMsg(msg: string): string {
    return `zone ${this.originText}/IN: ${msg}`;
  }

  error(code: string, message: string, pos: Position): void {
    this.errors.push(new ConfigError(code, message, pos));
  }

  warn(code: string, message: string, pos: Position): void {
    this.warnings.push(new ConfigError(code, message, pos, "warning"));
  }

  /** The first TTL of an existing RRset at this name, if any (for "TTL set to prior TTL"). */
  add(owner: Buffer, type: number, ttl: number, rdata: Buffer, pos: Position): void {
    this.lastPos = pos;
    const key = keyOf(owner);
    if (!isSubdomain(key, this.originKey)) {
      this.warn("EZONE_OUTOFZONE", `ignoring out-of-zone data (${display(owner)})`, pos);
      return;
    }
    if (type === RRType.SOA && key !== this.originKey) {
      this.error("EZONE_SOA", `SOA record not at top of zone (${display(owner)})`, pos);
      return;
    }
    this.checkNames(owner, type, rdata, pos);
    const packed = this.nodes.get(key);
    if (packed === undefined || packed.length === 0) {
      const sameCase = owner.toString("latin1") === key;
      this.nodes.set(key, encodeNode(sameCase ? undefined : owner, [{ type, ttl, rdata: [rdata] }]));
      this.noteAdded(key, type, pos);
      return;
    }
    const sets = decodeNode(packed);
    const same = sets.find((s) => s.type === type);
    if (
      type === RRType.CNAME
        ? sets.some((s) => s.type !== RRType.CNAME && !CNAME_COMPANIONS.has(s.type))
        : !CNAME_COMPANIONS.has(type) && sets.some((s) => s.type === RRType.CNAME)
    ) {
      this.error("EZONE_CNAME", `${display(owner)}: CNAME and other data`, pos);
      return;
    }
    if (same !== undefined) {
      if (same.rdata.some((r) => r.equals(rdata))) return; // duplicate: ignored, as BIND does
      if (type === RRType.CNAME || type === RRType.SOA || type === RRType.DNAME) {
        this.error("EZONE_SINGLETON", `${display(owner)}: multiple RRs of singleton type`, pos);
        return;
      }
      if (same.ttl !== ttl) this.warn("EZONE_TTL", `TTL set to prior TTL (${same.ttl})`, pos);
      same.rdata.push(rdata);
    } else sets.push({ type, ttl, rdata: [rdata] } satisfies RRset);
    const node = encodeNode(nodeOwner(packed), sets);
    if (node.length > NODE_LIMIT) {
      this.error("EZONE_SIZE", `${display(owner)}: too much data at one name (over 1 MB)`, pos);
      return;
    }
    this.nodes.set(key, node);
    this.noteAdded(key, type, pos);
  }

  /**
   * named-checkzone's check-names (its default for a zone file is `warn`): owners of A, AAAA and
   * MX records, and the targets of NS, MX and SRV records, must be host names (RFC 952/1123:
   * letters, digits, inner hyphens; `*` as a wildcard owner's first label).
   */
  private checkNames(owner: Buffer, type: number, rdata: Buffer, pos: Position): void {
    if ((type === RRType.A || type === RRType.AAAA || type === RRType.MX) && !isHostname(owner, true))
      this.warn("EZONE_NAMES", `${display(owner)}: bad owner name (check-names)`, pos);
    const at = type === RRType.NS ? 0 : type === RRType.MX ? 2 : type === RRType.SRV ? 6 : -1;
    if (at < 0 || rdata.length <= at) return;
    const target = readName(new Reader(rdata, at));
    if (target.length > 1 && !isHostname(target, false))
      this.warn("EZONE_NAMES", `${display(target)}: bad name (check-names)`, pos);
  }

  private noteAdded(key: string, type: number, pos: Position): void {
    this.count++;
    if (type === RRType.NS && !this.nsLines.has(key)) this.nsLines.set(key, pos);
    if ((type === RRType.MX || type === RRType.SRV) && !this.targetLines.has(`${type}/${key}`))
      this.targetLines.set(`${type}/${key}`, pos);
    if (type === RRType.SOA) this.soaPos ??= pos;
  }

  private addresses(key: string): boolean {
    const p = this.nodes.get(key);
    if (p === undefined) return false;
    return decodeNode(p).some((s) => s.type === RRType.A || s.type === RRType.AAAA);
  }

  private rrset(key: string, type: number): RRset | undefined {
    const p = this.nodes.get(key);
    return p === undefined ? undefined : decodeNode(p).find((s) => s.type === type);
  }

  /** Run the end-of-zone checks, fill in empty non-terminals and build the Zone. */
  finish(): Zone {
    const end = this.lastPos.line === 0 ? { file: this.file, line: 1 } : this.lastPos;
    const soa = this.rrset(this.originKey, RRType.SOA);
    let serial = 0;
    if (soa === undefined) this.error("EZONE_NOSOA", this.zoneMsg("has 0 SOA records"), end);
    else {
      const r = new Reader(soa.rdata[0]!);
      readName(r);
      readName(r);
      serial = r.u32();
    }
    const apexNs = this.rrset(this.originKey, RRType.NS);
    if (apexNs === undefined) this.error("EZONE_NONS", this.zoneMsg("has no NS records"), this.soaPos ?? end);
    for (const [cut, pos] of this.nsLines) {
      const ns = this.rrset(cut, RRType.NS)!;
      for (const rd of ns.rdata) {
        const target = keyOf(readName(new Reader(rd)));
        if (!isSubdomain(target, this.originKey)) continue;
        if (this.rrset(target, RRType.CNAME) !== undefined) {
          this.error(
            "EZONE_NSCNAME",
            this.zoneMsg(`NS '${display(readName(new Reader(rd)))}' is a CNAME (illegal)`),
            pos,
          );
        } else if (cut === this.originKey) {
          if (!this.addresses(target))
            this.error(
              "EZONE_NSADDR",
              this.zoneMsg(`NS '${display(readName(new Reader(rd)))}' has no address records (A or AAAA)`),
              pos,
            );
        } else if (isSubdomain(target, cut) && !this.addresses(target)) {
          this.warn(
            "EZONE_GLUE",
            this.zoneMsg(
              `${display(Buffer.from(cut, "latin1"))}/NS '${display(readName(new Reader(rd)))}' has no REQUIRED GLUE address records (A or AAAA)`,
            ),
            pos,
          );
        }
      }
    }
    for (const [tk, pos] of this.targetLines) {
      const slash = tk.indexOf("/");
      const type = Number(tk.slice(0, slash));
      const key = tk.slice(slash + 1);
      const what = `${display(Buffer.from(key, "latin1"))}/${type === RRType.MX ? "MX" : "SRV"}`;
      for (const rd of this.rrset(key, type)!.rdata) {
        const name = readName(new Reader(rd, type === RRType.MX ? 2 : 6));
        const target = keyOf(name);
        if (name.length === 1 || !isSubdomain(target, this.originKey)) continue;
        if (this.rrset(target, RRType.CNAME) !== undefined)
          this.warn(
            "EZONE_CNAMETARGET",
            this.zoneMsg(`${what} '${display(name)}' is a CNAME (illegal)`),
            pos,
          );
        else if (!this.addresses(target))
          this.warn(
            "EZONE_NOADDR",
            this.zoneMsg(`${what} '${display(name)}' has no address records (A or AAAA)`),
            pos,
          );
      }
    }
    let wild = false;
    const ents = new Set<string>();
    for (const key of this.nodes.keys()) {
      if (key.charCodeAt(0) === 1 && key.charCodeAt(1) === 0x2a) wild = true;
      for (let k = parentKey(key); k.length > this.originKey.length; k = parentKey(k)) {
        if (this.nodes.has(k) || ents.has(k)) break;
        ents.add(k);
      }
    }
    for (const k of ents) this.nodes.set(k, EMPTY);
    this.nodes.compact();
    return new Zone({
      origin: nameToText(this.origin).toLowerCase(),
      key: this.originKey,
      file: this.file,
      serial,
      nodes: this.nodes,
      hasWildcards: wild,
      recordCount: this.count,
    });
  }
}
