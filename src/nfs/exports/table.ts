import type { AuthSysCred, ClientInfo } from "../rpc/types.ts";
import { ClientMatcher, NO_NAMES, specificity, type NameResolver } from "./client.ts";
import type { AccessDecision, ClientSpec, ExportAccess, ExportEntry, ExportOptions } from "./types.ts";

/**
 * The exports in force: client matching, squashing and the per-call access decision. Immutable;
 * a reload builds a new table and LiveExports swaps it in.
 */
export const IPPORT_RESERVED = 1024;

interface Compiled {
  entry: ExportEntry;
  /** Specs sorted most specific first (stable: file order within a class). */
  specs: { spec: ClientSpec; matcher: ClientMatcher }[];
}

export class ExportTable implements ExportAccess {
  private readonly entries: readonly ExportEntry[];
  private readonly byPath = new Map<string, Compiled>();
  readonly names: NameResolver;

  constructor(entries: readonly ExportEntry[], names: NameResolver = NO_NAMES) {
    this.entries = entries;
    this.names = names;
    for (const entry of entries) {
      const specs = entry.clients
        .map((spec, i) => ({ spec, matcher: new ClientMatcher(spec.match), i }))
        .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
        .map(({ spec, matcher }) => ({ spec, matcher }));
      this.byPath.set(entry.path, { entry, specs });
    }
  }

  list(): readonly ExportEntry[] {
    return this.entries;
  }

  get(path: string): ExportEntry | undefined {
    return this.byPath.get(path)?.entry;
  }

  /**
   * The export a MNT path falls in: the export with the longest path that equals `path` or is a
   * directory above it. Returns the components below the export root. `path` must be normalised.
   */
  forMount(path: string): { entry: ExportEntry; sub: string[] } | undefined {
    let best: ExportEntry | undefined;
    for (const e of this.entries) {
      if (path === e.path || e.path === "/" || path.startsWith(e.path + "/")) {
        if (best === undefined || e.path.length > best.path.length) best = e;
      }
    }
    if (best === undefined) return undefined;
    const rest = best.path === "/" ? path : path.slice(best.path.length);
    return { entry: best, sub: rest.split("/").filter((x) => x !== "") };
  }

  /** The spec that applies to a client address, or undefined when none matches. */
  specFor(exportPath: string, address: string): ClientSpec | undefined {
    const c = this.byPath.get(exportPath);
    if (c === undefined) return undefined;
    for (const s of c.specs) if (s.matcher.matches(address, this.names)) return s.spec;
    return undefined;
  }

  /** True when at least one export lets this address in (for the MOUNT EXPORT and NFS refusals). */
  knowsClient(address: string): boolean {
    return this.entries.some((e) => this.specFor(e.path, address) !== undefined);
  }

  access(exportPath: string, client: ClientInfo, cred: AuthSysCred | null): AccessDecision {
    const c = this.byPath.get(exportPath);
    if (c === undefined) return { allowed: false, reason: "no-export" };
    const spec = this.specFor(exportPath, client.address);
    if (spec === undefined) return { allowed: false, reason: "no-match" };
    if (spec.options.secure && client.port >= IPPORT_RESERVED)
      return { allowed: false, reason: "insecure-port" };
    const id = squash(spec.options, cred);
    return { allowed: true, export: c.entry, spec, readOnly: !spec.options.rw, ...id };
  }
}

function rank(s: ClientSpec): number {
  // Most specific first; within networks, longer prefixes first.
  const base = specificity(s.match) * 1000;
  return s.match.kind === "cidr" ? base + (128 - s.match.bits) : base;
}

/**
 * man 5 exports "User ID Mapping", as Linux's nfsd_setuser applies it:
 * - AUTH_NONE callers are anonymous: anonuid/anongid, no supplementary groups;
 * - all_squash maps every uid and gid to anonuid/anongid and drops the groups;
 * - root_squash maps uid 0 to anonuid, gid 0 to anongid, and 0 in the groups to anongid.
 */
export function squash(
  o: ExportOptions,
  cred: AuthSysCred | null,
): { uid: number; gid: number; gids: readonly number[] } {
  if (cred === null || o.allSquash) return { uid: o.anonuid, gid: o.anongid, gids: [] };
  if (!o.rootSquash) return { uid: cred.uid, gid: cred.gid, gids: cred.gids };
  return {
    uid: cred.uid === 0 ? o.anonuid : cred.uid,
    gid: cred.gid === 0 ? o.anongid : cred.gid,
    gids: cred.gids.map((g) => (g === 0 ? o.anongid : g)),
  };
}

/**
 * The ExportAccess the server hands out: always the table in force. `swap` is how a SIGHUP
 * reload installs a new, already validated table.
 */
export class LiveExports implements ExportAccess {
  private table: ExportTable;

  constructor(table: ExportTable) {
    this.table = table;
  }

  get current(): ExportTable {
    return this.table;
  }

  swap(table: ExportTable): void {
    this.table = table;
  }

  list(): readonly ExportEntry[] {
    return this.table.list();
  }

  get(path: string): ExportEntry | undefined {
    return this.table.get(path);
  }

  access(exportPath: string, client: ClientInfo, cred: AuthSysCred | null): AccessDecision {
    return this.table.access(exportPath, client, cred);
  }
}
