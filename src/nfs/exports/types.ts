import type { Position } from "../../lib/errors.ts";
import type { AuthSysCred, ClientInfo } from "../rpc/types.ts";

/**
 * The exports model (man 5 exports) and THE ACCESS CONTRACT that the NFS v3 procedures (NFS-B) and
 * MOUNT (NFS-A) call for every request.
 */

/** Options of one client spec, after defaults (exportfs defaults: ro, sync, root_squash, secure). */
export interface ExportOptions {
  readonly rw: boolean;
  readonly sync: boolean;
  /** root_squash (default): uid/gid 0 -> anonuid/anongid. */
  readonly rootSquash: boolean;
  /** all_squash: every uid/gid -> anonuid/anongid (wins over no_root_squash). */
  readonly allSquash: boolean;
  readonly anonuid: number;
  readonly anongid: number;
  /** secure: the source port must be < 1024 (IPPORT_RESERVED). */
  readonly secure: boolean;
  readonly subtreeCheck: boolean;
  /** fsid=N or fsid=root (0) or fsid=UUID, as written; undefined when absent. */
  readonly fsid: string | undefined;
}

export type ClientMatch =
  | { readonly kind: "world" } // `*` or a spec without a host
  | { readonly kind: "cidr"; readonly text: string; readonly bits: number } // 10.0.0.0/8, 127.0.0.1, ::1
  | { readonly kind: "wildcard"; readonly pattern: string } // *.example.com, host?.lan
  | { readonly kind: "host"; readonly name: string }; // a host name (matched by its addresses)

export interface ClientSpec {
  readonly match: ClientMatch;
  readonly options: ExportOptions;
  readonly pos: Position;
}

export interface ExportEntry {
  /** The path as written in the exports file (what clients MNT), normalised: no trailing slash. */
  readonly path: string;
  /** Where it lives on this machine: `--root` joined with `path`. */
  readonly localPath: string;
  /** In the order written; matching picks the most specific (see match.ts). */
  readonly clients: readonly ClientSpec[];
  readonly pos: Position;
}

/**
 * The decision for one call. When allowed, uid/gid/gids are the credentials to act with AFTER
 * squashing (AUTH_NONE = anonuid/anongid, as Linux does).
 */
export type AccessDecision =
  | {
      readonly allowed: true;
      readonly export: ExportEntry;
      readonly spec: ClientSpec;
      readonly readOnly: boolean;
      readonly uid: number;
      readonly gid: number;
      readonly gids: readonly number[];
    }
  | {
      readonly allowed: false;
      /**
       * no-export: no such export (e.g. removed by a reload) -> NFS3ERR_STALE for a handle,
       *            MNT3ERR_NOENT at MNT;
       * no-match:  the client matches no spec of the export -> NFS3ERR_ACCES / MNT3ERR_ACCES;
       * insecure-port: `secure` export and source port >= 1024 -> NFS3ERR_ACCES / MNT3ERR_ACCES
       *            (Linux answers NFS3ERR_PERM here; we keep ACCES for every refusal, see docs/nfs.md).
       */
      readonly reason: "no-export" | "no-match" | "insecure-port";
    };

/**
 * What the server hands to NFS-B's v3 program and to MOUNT. It always reflects the CURRENT exports
 * (a SIGHUP reload swaps the table behind it), so keep the object, never a snapshot of its lists.
 * Pure and fast: no I/O, safe to call on every request.
 */
export interface ExportAccess {
  /** Every export currently configured, in file order. */
  list(): readonly ExportEntry[];
  /** The export whose `path` is exactly `path`, or undefined. */
  get(path: string): ExportEntry | undefined;
  /**
   * The per-call decision for the export whose `path` is `exportPath` (NFS-B: the export recorded
   * in the file handle). `cred` null = AUTH_NONE.
   */
  access(exportPath: string, client: ClientInfo, cred: AuthSysCred | null): AccessDecision;
}
