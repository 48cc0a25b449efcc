/**
 * Pooled READ buffers: the transport releases a reply only after its write completed, the READ
 * buffers are then reused, and READ replies stay byte-correct under pipelined reads.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { memoryLogger } from "../../../src/lib/log.ts";
import { encodeAuthSys } from "../../../src/nfs/rpc/auth.ts";
import * as C from "../../../src/nfs/rpc/constants.ts";
import { Dispatcher } from "../../../src/nfs/rpc/dispatcher.ts";
import { DuplicateRequestCache } from "../../../src/nfs/rpc/drc.ts";
import { decodeReply, encodeCallHeader } from "../../../src/nfs/rpc/message.ts";
import { RecordDecoder, encodeRecord } from "../../../src/nfs/rpc/record.ts";
import type { CallContext, Procedure } from "../../../src/nfs/rpc/types.ts";
import { RpcTcpServer } from "../../../src/nfs/server/tcp.ts";
import { BufferPool } from "../../../src/lib/bufpool.ts";
import type { Opened, V3Env } from "../../../src/nfs/v3/env.ts";
import { readBuffers } from "../../../src/nfs/v3/procs/read.ts";
import { nfs3Program } from "../../../src/nfs/v3/program.ts";
import { LocalStore } from "../../../src/nfs/vfs/local.ts";
import type { XdrWriter } from "../../../src/nfs/xdr/writer.ts";
import { XdrWriter as Writer } from "../../../src/nfs/xdr/writer.ts";

const MiB = 1024 * 1024;
const sys = {
  flavor: C.AUTH_SYS,
  body: encodeAuthSys({ stamp: 1, machinename: "t", uid: 1000, gid: 1000, gids: [] }),
};
const none = { flavor: C.AUTH_NONE, body: Buffer.alloc(0) };

function callMsg(
  xid: number,
  prog: number,
  vers: number,
  proc: number,
  args: (w: XdrWriter) => void,
): Buffer {
  const w = new Writer();
  encodeCallHeader(w, { xid, rpcvers: 2, prog, vers, proc, cred: sys, verf: none });
  args(w);
  return w.finish();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await sleep(5);
  }
}

async function serve(d: Dispatcher): Promise<{ srv: RpcTcpServer; port: number }> {
  const srv = new RpcTcpServer({ dispatcher: d, log: memoryLogger(), maxRecord: 4 * MiB });
  const e = await srv.listen({ host: "127.0.0.1", port: 0 });
  return { srv, port: e.port };
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

describe("READ buffer pool", () => {
  it("BufferPool: class sizes, bounded, a buffer given twice is kept once", () => {
    const p = new BufferPool(MiB, 100, 2);
    const a = p.take(100 + MiB);
    assert.equal(a.length, MiB + 100);
    const b = p.take(100 + 40000);
    assert.equal(b.length, 64 * 1024 + 100);
    p.give(a);
    p.give(a);
    assert.equal(p.size, 1);
    assert.equal(p.take(100 + 600000), a); // same class (1 MiB)
    p.give(Buffer.alloc(12345)); // not a class size: ignored
    for (let i = 0; i < 4; i++) p.give(Buffer.allocUnsafeSlow(MiB + 100));
    assert.equal(p.size, 2);
    assert.equal(p.take(100 + 2 * MiB).length, 2 * MiB + 100); // above the largest class: exact
  });

  it("the TCP transport releases a reply only after its write completed", async () => {
    const big = 48 * MiB; // more than the loopback socket buffers hold
    const events: string[] = [];
    const proc: Procedure<undefined, Buffer> = {
      name: "BIG",
      idempotent: true,
      decode: () => undefined,
      run: () => Buffer.alloc(big, 0xab),
      encode: (w, b) => {
        w.opaque(b);
        events.push("encoded");
      },
      release: () => events.push("released"),
    };
    const d = new Dispatcher({ log: memoryLogger() });
    d.register({ prog: 400100, vers: 1, name: "big", procs: [undefined, proc] });
    const { srv, port } = await serve(d);
    const s = await dial(port);
    s.pause();
    s.write(encodeRecord(callMsg(9, 400100, 1, 1, () => undefined)));
    await until(() => events.includes("encoded"));
    await sleep(200);
    assert.deepEqual(events, ["encoded"], "released while the client had not read the reply");
    const dec = new RecordDecoder(big + 1024);
    const got: Buffer[] = [];
    s.on("data", (c: Buffer) => got.push(...dec.push(c).map((r) => r.bytes)));
    s.resume();
    await until(() => got.length === 1, 10000);
    await until(() => events.length === 2);
    assert.deepEqual(events, ["encoded", "released"]);
    const r = decodeReply(got[0]!);
    assert.ok(r.kind === "accepted" && r.stat === C.SUCCESS);
    assert.equal(r.body.opaque(big).length, big);
    s.destroy();
    await srv.stop();
  });

  it("a cached (non-idempotent) reply is a copy: released buffers do not change it", async () => {
    const owned = Buffer.alloc(64, 1);
    let released = 0;
    const proc: Procedure<undefined, Buffer> = {
      name: "MAKE",
      idempotent: false,
      decode: () => undefined,
      run: () => owned,
      encode: (w, b) => w.opaqueFixed(b),
      release: () => released++,
    };
    const d = new Dispatcher({ log: memoryLogger(), drc: new DuplicateRequestCache(8) });
    d.register({ prog: 400101, vers: 1, name: "make", procs: [undefined, proc] });
    const msg = callMsg(5, 400101, 1, 1, () => undefined);
    const first = await d.dispatchReply(msg, { address: "127.0.0.1", port: 1, transport: "tcp" });
    assert.ok(first?.release);
    const sent = Buffer.from(first.bytes);
    first.release();
    first.release(); // at most once
    assert.equal(released, 1);
    first.bytes.fill(0); // the buffer is reused by someone else
    const again = await d.dispatchReply(msg, { address: "127.0.0.1", port: 1, transport: "tcp" });
    assert.ok(again !== null);
    assert.equal(again.release, undefined);
    assert.deepEqual(again.bytes, sent);
  });

  it("pipelined 1 MiB READs over TCP: every reply byte-correct, buffers reused and bounded", async () => {
    const base = mkdtempSync(join(tmpdir(), "netsvc-readpool-"));
    chmodSync(base, 0o755);
    const file = randomBytes(6 * MiB + 12345);
    writeFileSync(join(base, "f.bin"), file, { mode: 0o644 });
    const store = new LocalStore({ root: base, exportId: 0x77 });
    const env: V3Env = {
      open: (_fh: Buffer, ctx: CallContext): Opened => ({
        store,
        cred: { uid: ctx.cred!.uid, gid: ctx.cred!.gid, gids: [] },
        readOnly: true,
        sync: true,
        exportId: 0x77,
      }),
    };
    const d = new Dispatcher({ log: memoryLogger(), drc: new DuplicateRequestCache(64) });
    d.register(nfs3Program(env));
    const fh = store.lookup(store.rootHandle(), "f.bin", { uid: 1000, gid: 1000, gids: [] });
    const handle = (await fh).fh;
    const { srv, port } = await serve(d);
    const s = await dial(port);
    const before = { ...readBuffers.stats };

    const total = 40;
    const depth = 4;
    const counts = [MiB, MiB, 300000, MiB, 65536, MiB - 1];
    const want = new Map<number, { offset: number; count: number }>();
    let next = 0;
    let done = 0;
    const dec = new RecordDecoder(2 * MiB);
    const errors: string[] = [];
    const send = (): void => {
      const i = next++;
      const count = counts[i % counts.length]!;
      const offset = (i * 777777) % file.length;
      const xid = 1000 + i;
      want.set(xid, { offset, count });
      s.write(
        encodeRecord(
          callMsg(xid, 100003, 3, 6, (w) => {
            w.opaque(handle);
            w.u64(BigInt(offset));
            w.u32(count);
          }),
        ),
      );
    };
    const finished = new Promise<void>((resolve) => {
      s.on("data", (chunk: Buffer) => {
        let recs: Buffer[] = [];
        try {
          recs = dec.push(chunk).map((r) => r.bytes);
        } catch (e) {
          errors.push(String(e));
          resolve();
        }
        for (const rec of recs) {
          try {
            const r = decodeReply(rec);
            const w = want.get(r.xid);
            if (!w || r.kind !== "accepted" || r.stat !== C.SUCCESS) errors.push(`bad reply ${r.xid}`);
            else {
              want.delete(r.xid);
              const x = r.body;
              if (x.u32() !== 0) errors.push(`status for xid ${r.xid}`); // NFS3_OK
              if (x.bool()) x.opaqueFixed(84); // fattr3
              const n = x.u32();
              const eof = x.bool();
              const data = x.opaque(2 * MiB);
              const exp = file.subarray(w.offset, w.offset + w.count);
              if (n !== exp.length || !data.equals(exp)) errors.push(`wrong data for xid ${r.xid}`);
              if (eof !== w.offset + w.count >= file.length) errors.push(`wrong eof for xid ${r.xid}`);
            }
          } catch (e) {
            errors.push(String(e));
          }
          done++;
          if (next < total) send();
          if (done === total) resolve();
        }
      });
    });
    for (let i = 0; i < depth; i++) send();
    await finished;
    s.destroy();
    await srv.stop();
    await store.close();
    rmSync(base, { recursive: true, force: true });

    assert.deepEqual(errors, []);
    assert.equal(want.size, 0);
    const reused = readBuffers.stats.reused - before.reused;
    const allocated = readBuffers.stats.allocated - before.allocated;
    assert.equal(reused + allocated, total);
    assert.ok(reused >= total - 3 * (depth + 1), `reused ${reused} of ${total}`);
    assert.ok(readBuffers.size <= 8 * 6);
    assert.equal(d.drc!.size, 0, "READ replies are not cached");
  });
});
