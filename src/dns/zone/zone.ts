import type { RRset } from "./node.ts";
import { decodeNode, nodeHasType } from "./node.ts";
import type { NodeTable } from "./table.ts";

/**
 * One loaded authoritative zone, immutable once built (src/dns/zone/build.ts makes it).
 *
 * Names inside a zone are keyed by their *key*: the lower-cased uncompressed wire form as a latin1
 * string (`\x07example\x03com\x00`). A key is cheap to make straight from query bytes, its parent is
 * `key.slice(1 + key.charCodeAt(0))`, and ASCII-only lower-casing is what DNS case-insensitivity
 * means (RFC 4343). Each node's RRsets are packed into bytes (node.ts) kept in an off-heap hash
 * table (table.ts): a 100k-record zone costs ~6 MB and no JS objects per record.
 * Empty non-terminals are present with an empty packed string (RFC 4592 needs them).
 */
export class Zone {
  /** The origin in presentation form, absolute, lower-case (`example.com.`). */
  readonly origin: string;
  /** The origin's key. */
  readonly key: string;
  readonly file: string;
  readonly serial: number;
  /** Whether any `*` owner exists (lets the engine skip the wildcard search). */
  readonly hasWildcards: boolean;
  readonly recordCount: number;
  private readonly nodes: NodeTable;

  constructor(args: {
    origin: string;
    key: string;
    file: string;
    serial: number;
    nodes: NodeTable;
    hasWildcards: boolean;
    recordCount: number;
  }) {
    this.origin = args.origin;
    this.key = args.key;
    this.file = args.file;
    this.serial = args.serial;
    this.nodes = args.nodes;
    this.hasWildcards = args.hasWildcards;
    this.recordCount = args.recordCount;
  }

  /** Whether a name exists in the zone (with data, or as an empty non-terminal). */
  has(key: string): boolean {
    return this.nodes.has(key);
  }

  /** The RRsets at a name (empty for an empty non-terminal), or undefined when it does not exist. */
  get(key: string): RRset[] | undefined {
    const packed = this.nodes.get(key);
    return packed === undefined ? undefined : decodeNode(packed);
  }

  /** The owner name as written in the zone file (wire form, original case) — used in answers. */
  ownerWire(key: string): Buffer {
    const packed = this.nodes.get(key);
    const n = packed === undefined || packed.length === 0 ? 0 : packed[0]!;
    return n === 0 ? Buffer.from(key, "latin1") : Buffer.from(packed!.subarray(1, 1 + n));
  }

  /** Cheap test for one type at a name without decoding the node. */
  hasType(key: string, type: number): boolean {
    const packed = this.nodes.get(key);
    return packed !== undefined && nodeHasType(packed, type);
  }

  /** Every node key, in insertion order (canonical order is the caller's business). */
  keys(): IterableIterator<string> {
    return this.nodes.keys();
  }
}

/** The zones a server is authoritative for, found by closest enclosing origin. */
export class ZoneSet {
  private readonly byKey = new Map<string, Zone>();

  constructor(zones: Iterable<Zone> = []) {
    for (const z of zones) this.byKey.set(z.key, z);
  }

  get size(): number {
    return this.byKey.size;
  }

  [Symbol.iterator](): IterableIterator<Zone> {
    return this.byKey.values();
  }

  /** The zone whose origin is exactly this key. */
  exact(key: string): Zone | undefined {
    return this.byKey.get(key);
  }

  /** The deepest zone containing the name with this key, or undefined (then: REFUSED). */
  find(key: string): Zone | undefined {
    let k = key;
    for (;;) {
      const z = this.byKey.get(k);
      if (z !== undefined) return z;
      const len = k.charCodeAt(0);
      if (len === 0 || Number.isNaN(len)) return undefined;
      k = k.slice(1 + len);
    }
  }
}
