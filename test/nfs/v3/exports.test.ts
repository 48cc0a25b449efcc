import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { memoryLogger } from "../../../src/lib/log.ts";
import type {
  AccessDecision,
  ClientSpec,
  ExportAccess,
  ExportEntry,
} from "../../../src/nfs/exports/types.ts";
import type { CallContext } from "../../../src/nfs/rpc/types.ts";
import { ExportStores } from "../../../src/nfs/v3/index.ts";
import { Status, VfsError } from "../../../src/nfs/vfs/status.ts";

/** An ExportAccess double: exports by path, a per-path decision, and a way to "reload". */
class FakeExports implements ExportAccess {
  entries: ExportEntry[];
  decide: (path: string) => AccessDecision;
  constructor(entries: ExportEntry[], decide: (path: string) => AccessDecision) {
    this.entries = entries;
    this.decide = decide;
  }
  list(): readonly ExportEntry[] {
    return this.entries;
  }
  get(path: string): ExportEntry | undefined {
    return this.entries.find((e) => e.path === path);
  }
  access(path: string): AccessDecision {
    return this.decide(path);
  }
}

const entry = (path: string, localPath: string): ExportEntry => ({
  path,
  localPath,
  clients: [],
  pos: { file: "exports", line: 1 },
});

const ctx: CallContext = {
  xid: 1,
  prog: 100003,
  vers: 3,
  proc: 1,
  client: { address: "127.0.0.1", port: 800, transport: "tcp" },
  flavor: 1,
  cred: { stamp: 0, machinename: "t", uid: 0, gid: 0, gids: [] },
  log: memoryLogger(),
};

function statusOf(f: () => unknown): number {
  try {
    f();
    return Status.OK;
  } catch (e) {
    if (e instanceof VfsError) return e.status;
    throw e;
  }
}

describe("ExportStores: handles to exports, access decisions, MOUNT handles", () => {
  let base: string;
  let exps: FakeExports;
  let stores: ExportStores;
  const spec = { options: { sync: true } } as unknown as ClientSpec;
  before(() => {
    base = mkdtempSync(join(tmpdir(), "netsvc-exports-"));
    mkdirSync(join(base, "pub/sub"), { recursive: true });
    mkdirSync(join(base, "priv"));
    symlinkSync("/etc", join(base, "pub/etc"));
    exps = new FakeExports([entry("/pub", join(base, "pub")), entry("/priv", join(base, "priv"))], (path) =>
      path === "/priv"
        ? { allowed: false, reason: "no-match" }
        : { allowed: true, export: exps.get(path)!, spec, readOnly: true, uid: 65534, gid: 65534, gids: [] },
    );
    stores = new ExportStores(exps);
  });
  after(async () => {
    await stores.close();
    rmSync(base, { recursive: true, force: true });
  });

  it("MNT handles of an export and of a directory inside it; symlinks and files refused", async () => {
    const root = await stores.mountHandle(exps.get("/pub")!, []);
    assert.equal(root.status, 0);
    assert.equal((await stores.mountHandle(exps.get("/pub")!, ["sub"])).status, 0);
    assert.equal((await stores.mountHandle(exps.get("/pub")!, ["etc"])).status, Status.NOENT);
    assert.equal((await stores.mountHandle(exps.get("/pub")!, ["missing"])).status, Status.NOENT);
  });

  it("opens a handle with the squashed identity and the export's read-only flag", async () => {
    const r = await stores.mountHandle(exps.get("/pub")!, []);
    assert.ok("handle" in r);
    const o = stores.open(r.handle, ctx);
    assert.deepEqual(o.cred, { uid: 65534, gid: 65534, gids: [] });
    assert.equal(o.readOnly, true);
    assert.equal(o.sync, true);
  });

  it("refuses a client the export does not admit (ACCES), bad bytes (BADHANDLE)", async () => {
    const r = await stores.mountHandle(exps.get("/priv")!, []);
    assert.ok("handle" in r);
    assert.equal(
      statusOf(() => stores.open(r.handle, ctx)),
      Status.ACCES,
    );
    assert.equal(
      statusOf(() => stores.open(Buffer.from("junk"), ctx)),
      Status.BADHANDLE,
    );
  });

  it("a handle of an export removed by a reload is STALE", async () => {
    const r = await stores.mountHandle(exps.get("/pub")!, ["sub"]);
    assert.ok("handle" in r);
    exps.entries = [entry("/priv", join(base, "priv"))];
    assert.equal(
      statusOf(() => stores.open(r.handle, ctx)),
      Status.STALE,
    );
  });
});
