/**
 * The NFS side the server builds (contract: src/nfs/server/deps.ts): the v3 program over one
 * LocalStore per export, and the MOUNT backend that hands out export root handles.
 */
import type { ExportAccess, ExportEntry } from "../exports/types.ts";
import type { MountBackend, MountLookup } from "../mount/backend.ts";
import type { NfsDeps, NfsV3Service } from "../server/deps.ts";
import type { CallContext } from "../rpc/types.ts";
import { exportIdOf, handleExportId } from "../vfs/handles.ts";
import { LocalStore } from "../vfs/local.ts";
import { Status, VfsError } from "../vfs/status.ts";
import type { Store } from "../vfs/store.ts";
import type { Opened, V3Env } from "./env.ts";
import { nfs3Program } from "./program.ts";

/** Stores by export, created on first use and kept while the export keeps its local path. */
export class ExportStores implements V3Env, MountBackend {
  private readonly exports: ExportAccess;
  private readonly stores = new Map<number, { localPath: string; store: Store }>();
  private byId = new Map<number, ExportEntry>();
  private seen: readonly ExportEntry[] | undefined;
  private readonly make: (e: ExportEntry, id: number) => Store;

  constructor(exports: ExportAccess, make?: (e: ExportEntry, id: number) => Store) {
    this.exports = exports;
    this.make = make ?? ((e, id) => new LocalStore({ root: e.localPath, exportId: id }));
  }

  /** The export a handle's id names, in the current exports (a reload may have removed it). */
  entryOf(id: number): ExportEntry | undefined {
    const list = this.exports.list();
    if (list !== this.seen) {
      this.byId = new Map(list.map((e) => [exportIdOf(e.path), e]));
      this.seen = list;
      // A reload removed exports: release what their stores hold.
      for (const [sid, held] of this.stores) {
        if (!this.byId.has(sid)) {
          void held.store.close();
          this.stores.delete(sid);
        }
      }
    }
    return this.byId.get(id);
  }

  storeOf(e: ExportEntry): Store {
    const id = exportIdOf(e.path);
    const held = this.stores.get(id);
    if (held && held.localPath === e.localPath) return held.store;
    if (held) void held.store.close();
    let store: Store;
    try {
      store = this.make(e, id);
    } catch (err) {
      if (err instanceof VfsError) throw new VfsError(Status.STALE, err.message);
      throw err;
    }
    this.stores.set(id, { localPath: e.localPath, store });
    return store;
  }

  open(fh: Buffer, ctx: CallContext): Opened {
    const id = handleExportId(fh);
    if (id === undefined) throw new VfsError(Status.BADHANDLE);
    const entry = this.entryOf(id);
    if (!entry) throw new VfsError(Status.STALE, "no such export");
    const d = this.exports.access(entry.path, ctx.client, ctx.cred);
    if (!d.allowed) throw new VfsError(d.reason === "no-export" ? Status.STALE : Status.ACCES, d.reason);
    return {
      store: this.storeOf(entry),
      cred: { uid: d.uid, gid: d.gid, gids: d.gids },
      readOnly: d.readOnly,
      exportId: id,
      sync: d.spec.options.sync,
    };
  }

  async mountHandle(exp: ExportEntry, sub: readonly string[]): Promise<MountLookup> {
    try {
      const store = this.storeOf(exp);
      return { status: 0, handle: await store.handleOf(sub.join("/")) };
    } catch (e) {
      if (!(e instanceof VfsError)) throw e;
      // mountstat3 shares these values with nfsstat3 (RFC 1813 §5.1.5)
      const s = e.status;
      return {
        status:
          s === Status.STALE || s === Status.NOENT
            ? Status.NOENT
            : s === Status.NOTDIR
              ? s
              : s === Status.ACCES
                ? s
                : Status.IO,
      };
    }
  }

  async close(): Promise<void> {
    for (const { store } of this.stores.values()) await store.close();
    this.stores.clear();
  }
}

export function createNfsV3(deps: NfsDeps): NfsV3Service {
  const stores = new ExportStores(deps.exports);
  return {
    program: nfs3Program(stores),
    mount: stores,
    close: () => stores.close(),
  };
}
