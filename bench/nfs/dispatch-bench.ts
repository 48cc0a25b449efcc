/**
 * In-process benchmark of the NFS dispatcher: the whole bytes-in/bytes-out path of one call
 * (RPC header, AUTH_SYS, exports check, procedure on a LocalStore in a temp dir, reply encoding),
 * without sockets. Prints calls/s and microseconds per call for NULL, GETATTR, LOOKUP (hit and
 * miss), ACCESS, and CREATE+REMOVE pairs, which is where the metadata benchmark (nfsbench meta)
 * spends its server time.
 *
 *   npx tsc -p . && node dist/bench/nfs/dispatch-bench.js [SECONDS_PER_CASE]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chownSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryLogger } from "../../src/lib/log.ts";
import { buildExports } from "../../src/nfs/exports/load.ts";
import { LiveExports } from "../../src/nfs/exports/table.ts";
import { encodeAuthSys } from "../../src/nfs/rpc/auth.ts";
import { AUTH_NONE, AUTH_SYS } from "../../src/nfs/rpc/constants.ts";
import { Dispatcher } from "../../src/nfs/rpc/dispatcher.ts";
import { DuplicateRequestCache } from "../../src/nfs/rpc/drc.ts";
import { encodeCallHeader } from "../../src/nfs/rpc/message.ts";
import type { ClientInfo } from "../../src/nfs/rpc/types.ts";
import { createNfsV3 } from "../../src/nfs/v3/index.ts";
import { XdrWriter } from "../../src/nfs/xdr/writer.ts";

const seconds = Number(process.argv[2] ?? 2);
const base = mkdtempSync(join(tmpdir(), "netsvc-dispatch-bench-"));
const root = join(base, "data");
mkdirSync(join(root, "export/dir"), { recursive: true });
writeFileSync(join(root, "export/dir/file"), "x");
const uid = 1000;
if (process.getuid?.() === 0) {
  chownSync(join(root, "export"), uid, uid);
  chownSync(join(root, "export/dir"), uid, uid);
}

const log = memoryLogger();
const built = await buildExports("/export 127.0.0.0/8(rw,insecure)\n", "exports", { root });
const exports = new LiveExports(built.table);
const nfs = createNfsV3({ exports, log });
const d = new Dispatcher({ log, drc: new DuplicateRequestCache(1024) });
d.register(nfs.program);
const entry = exports.get("/export")!;
const mounted = await nfs.mount.mountHandle(entry, []);
if (!("handle" in mounted)) throw new Error(`mount failed: ${mounted.status}`);
const rootFh = mounted.handle;

const client: ClientInfo = { address: "127.0.0.1", port: 700, transport: "tcp", localAddress: "127.0.0.1" };
const cred = {
  flavor: AUTH_SYS,
  body: encodeAuthSys({ stamp: 1, machinename: "bench", uid, gid: uid, gids: [uid] }),
};
const none = { flavor: AUTH_NONE, body: Buffer.alloc(0) };
let xid = 1;
function call(proc: number, args: (w: XdrWriter) => void): Buffer {
  const w = new XdrWriter();
  encodeCallHeader(w, { xid: xid++, rpcvers: 2, prog: 100003, vers: 3, proc, cred, verf: none });
  args(w);
  return w.finish();
}
function status(reply: Buffer): number {
  return reply.readUInt32BE(24); // xid, REPLY, MSG_ACCEPTED, verf (8), SUCCESS, then nfsstat3
}
async function lookup(dir: Buffer, name: string): Promise<Buffer> {
  const r = await d.dispatch(
    call(3, (w) => {
      w.opaque(dir);
      w.string(name);
    }),
    client,
  );
  if (r === null || status(r) !== 0) throw new Error(`LOOKUP ${name} failed`);
  return Buffer.from(r.subarray(32, 32 + r.readUInt32BE(28)));
}
const dirFh = await lookup(rootFh, "dir");

async function timeCase(name: string, make: (i: number) => Buffer[]): Promise<void> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let k = 0; k < 100; k++) {
      for (const m of make(n)) await d.dispatch(m, client);
      n++;
    }
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${name.padEnd(22)} ${String(Math.round(n / s)).padStart(8)} /s ${((s / n) * 1e6).toFixed(1).padStart(7)} us`,
  );
}

const nullMsg = call(0, () => undefined);
const getattr = call(1, (w) => w.opaque(dirFh));
const lookHit = call(3, (w) => {
  w.opaque(dirFh);
  w.string("file");
});
const lookMiss = call(3, (w) => {
  w.opaque(dirFh);
  w.string("nope");
});
const access = call(4, (w) => {
  w.opaque(dirFh);
  w.u32(0x3f);
});

await timeCase("NULL", () => [nullMsg]);
await timeCase("GETATTR", () => [getattr]);
await timeCase("LOOKUP hit", () => [lookHit]);
await timeCase("LOOKUP miss", () => [lookMiss]);
await timeCase("ACCESS", () => [access]);
await timeCase("CREATE+REMOVE (pair)", (i) => [
  call(8, (w) => {
    w.opaque(dirFh);
    w.string(`f${i}`);
    w.u32(0); // UNCHECKED
    w.u32(1); // mode
    w.u32(0o644);
    for (let k = 0; k < 5; k++) w.u32(0); // uid gid size atime mtime: not set
  }),
  call(12, (w) => {
    w.opaque(dirFh);
    w.string(`f${i}`);
  }),
]);
await nfs.close?.();
rmSync(base, { recursive: true, force: true });
