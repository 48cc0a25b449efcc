/**
 * Calls NFSv3 procedures the way the dispatcher does — arguments encoded as a client would send
 * them, decoded by the procedure, run, the result encoded — against one store, with an in-test
 * V3Env (one export; read-only or not; the caller's AUTH_SYS identity used as is).
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryLogger } from "../../../src/lib/log.ts";
import type { CallContext, Procedure } from "../../../src/nfs/rpc/types.ts";
import { XdrReader } from "../../../src/nfs/xdr/reader.ts";
import { XdrWriter } from "../../../src/nfs/xdr/writer.ts";
import type { Opened, V3Env } from "../../../src/nfs/v3/env.ts";
import { nfs3Program } from "../../../src/nfs/v3/program.ts";
import { handleExportId } from "../../../src/nfs/vfs/handles.ts";
import { LocalStore } from "../../../src/nfs/vfs/local.ts";
import { MemoryStore } from "../../../src/nfs/vfs/memory.ts";
import { Status, VfsError } from "../../../src/nfs/vfs/status.ts";
import type { SetAttr, Store, Time } from "../../../src/nfs/vfs/store.ts";

export interface Who {
  uid: number;
  gid: number;
  gids?: number[];
}

export const ROOT: Who = { uid: 0, gid: 0 };
export const ALICE: Who = { uid: 1000, gid: 1000 };
export const BOB: Who = { uid: 1001, gid: 1001 };

export class Harness {
  readonly store: Store;
  readOnly = false;
  sync = true;
  transport: "tcp" | "udp" = "tcp";
  private readonly program;
  private xid = 1;

  constructor(store: Store) {
    this.store = store;
    const env: V3Env = {
      open: (fh: Buffer, ctx: CallContext): Opened => {
        const id = handleExportId(fh);
        if (id === undefined) throw new VfsError(Status.BADHANDLE);
        if (id !== store.exportId) throw new VfsError(Status.STALE);
        const c = ctx.cred ?? { uid: 65534, gid: 65534, gids: [] };
        return {
          store,
          cred: { uid: c.uid, gid: c.gid, gids: c.gids },
          readOnly: this.readOnly,
          sync: this.sync,
          exportId: id,
        };
      },
    };
    this.program = nfs3Program(env);
  }

  get root(): Buffer {
    return this.store.rootHandle();
  }

  /** Call procedure `proc` with arguments written by `args`; returns the typed result. */
  async call<R = Record<string, unknown>>(
    proc: number,
    args: (w: XdrWriter) => void,
    who: Who = ALICE,
  ): Promise<R> {
    const p = this.program.procs[proc] as Procedure<unknown, R> | undefined;
    if (!p) throw new Error(`no procedure ${proc}`);
    const w = new XdrWriter();
    args(w);
    const decoded = p.decode(new XdrReader(w.finish()));
    const res = await p.run(decoded, this.ctx(proc, who));
    const out = new XdrWriter();
    p.encode(out, res);
    if (out.pos === 0 && proc !== 0) throw new Error("empty reply");
    return res;
  }

  /**
   * The reply body bytes as the dispatcher would send them: `header` bytes (standing for the RPC
   * reply header) written first, then the procedure's encoding; returns what follows the header.
   */
  async encoded(proc: number, args: (w: XdrWriter) => void, header = 24, who: Who = ALICE): Promise<Buffer> {
    const p = this.program.procs[proc] as Procedure;
    const w = new XdrWriter();
    args(w);
    const decoded = p.decode(new XdrReader(w.finish()));
    const res = await p.run(decoded, this.ctx(proc, who));
    const out = new XdrWriter();
    out.w.zeros(header);
    p.encode(out, res);
    return out.finish().subarray(header);
  }

  private ctx(proc: number, who: Who): CallContext {
    return {
      xid: this.xid++,
      prog: 100003,
      vers: 3,
      proc,
      client: { address: "127.0.0.1", port: 700, transport: this.transport },
      flavor: 1,
      cred: { stamp: 0, machinename: "test", uid: who.uid, gid: who.gid, gids: who.gids ?? [] },
      log: memoryLogger(),
    };
  }

  /** Decode arguments only (for GARBAGE_ARGS checks): throws when the procedure would. */
  decode(proc: number, bytes: Buffer): unknown {
    return this.program.procs[proc]!.decode(new XdrReader(bytes));
  }
}

// ---- argument writers (RFC 1813 §3.3) --------------------------------------------------------

export const fh = (h: Buffer) => (w: XdrWriter) => w.opaque(h);
export const dirop = (dir: Buffer, name: string) => (w: XdrWriter) => {
  w.opaque(dir);
  w.string(name);
};

export function sattr(w: XdrWriter, sa: SetAttr = {}): void {
  const opt = (v: number | undefined): void => {
    w.bool(v !== undefined);
    if (v !== undefined) w.u32(v);
  };
  opt(sa.mode);
  opt(sa.uid);
  opt(sa.gid);
  w.bool(sa.size !== undefined);
  if (sa.size !== undefined) w.u64(sa.size);
  for (const t of [sa.atime, sa.mtime]) {
    if (t === undefined) w.u32(0);
    else if (t === "server") w.u32(1);
    else {
      w.u32(2);
      w.u32(t.sec);
      w.u32(t.nsec);
    }
  }
}

export const createArgs =
  (dir: Buffer, name: string, how: "unchecked" | "guarded" | Buffer, sa: SetAttr = { mode: 0o644 }) =>
  (w: XdrWriter) => {
    dirop(dir, name)(w);
    if (how instanceof Buffer) {
      w.u32(2);
      w.opaqueFixed(how);
    } else {
      w.u32(how === "guarded" ? 1 : 0);
      sattr(w, sa);
    }
  };

export const writeArgs =
  (h: Buffer, offset: number, data: Buffer, stable = 0) =>
  (w: XdrWriter) => {
    w.opaque(h);
    w.u64(BigInt(offset));
    w.u32(data.length);
    w.u32(stable);
    w.opaque(data);
  };

export const readArgs = (h: Buffer, offset: number, count: number) => (w: XdrWriter) => {
  w.opaque(h);
  w.u64(BigInt(offset));
  w.u32(count);
};

export const setattrArgs = (h: Buffer, sa: SetAttr, guard?: Time) => (w: XdrWriter) => {
  w.opaque(h);
  sattr(w, sa);
  w.bool(guard !== undefined);
  if (guard) {
    w.u32(guard.sec);
    w.u32(guard.nsec);
  }
};

export const readdirArgs = (dir: Buffer, cookie: bigint, verf: Buffer, count: number) => (w: XdrWriter) => {
  w.opaque(dir);
  w.u64(cookie);
  w.opaqueFixed(verf);
  w.u32(count);
};

export const readdirplusArgs =
  (dir: Buffer, cookie: bigint, verf: Buffer, dircount: number, maxcount: number) => (w: XdrWriter) => {
    readdirArgs(dir, cookie, verf, dircount)(w);
    w.u32(maxcount);
  };

// ---- stores ---------------------------------------------------------------------------------

export interface StoreKind {
  name: string;
  /** A fresh store whose root is owned by ALICE (0755), and a cleanup. */
  make(): { store: Store; restart(): Store; cleanup(): Promise<void>; dir?: string };
}

export const IS_ROOT = process.getuid?.() === 0;

export const memoryKind: StoreKind = {
  name: "memory",
  make() {
    const store = new MemoryStore({ rootUid: ALICE.uid, rootGid: ALICE.gid });
    return {
      store,
      restart: () => store.restart(),
      cleanup: () => {
        store.assertNoLeaks();
        return Promise.resolve();
      },
    };
  },
};

export const localKind: StoreKind = {
  name: "local",
  make() {
    const base = mkdtempSync(join(tmpdir(), "netsvc-nfs-"));
    const root = join(base, "export");
    mkdirRoot(root);
    const stores: LocalStore[] = [];
    const open = (): LocalStore => {
      const s = new LocalStore({ root, exportId: 0x1234 });
      stores.push(s);
      return s;
    };
    const store = open();
    return {
      store,
      dir: root,
      restart: open,
      cleanup: async () => {
        for (const s of stores) {
          await s.close();
          if (s.openFds !== 0) throw new Error(`${s.openFds} descriptors left open`);
        }
        rmSync(base, { recursive: true, force: true });
      },
    };
  },
};

function mkdirRoot(root: string): void {
  mkdirSync(root);
  chmodSync(root, 0o755);
  if (IS_ROOT) chownSync(root, ALICE.uid, ALICE.gid);
}
