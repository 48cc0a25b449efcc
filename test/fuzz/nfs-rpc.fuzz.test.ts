import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { after, before, describe, it } from "node:test";
import { memoryLogger } from "../../src/lib/log.ts";
import * as M from "../../src/nfs/mount/types.ts";
import * as C from "../../src/nfs/rpc/constants.ts";
import { decodeReply, encodeCallHeader, peekXid } from "../../src/nfs/rpc/message.ts";
import { encodeRecord } from "../../src/nfs/rpc/record.ts";
import { authSys, RpcClient } from "../../src/nfs/server/rpc-client.ts";
import { NfsServer } from "../../src/nfs/server/server.ts";
import { createNfsV3 } from "../../src/nfs/v3/index.ts";
import { XdrWriter } from "../../src/nfs/xdr/writer.ts";

/**
 * Malformed RPC records and arguments against the real server (NFS v3 over a scratch export,
 * MOUNT, the port mapper), from a seeded PRNG so that a failure can be replayed (FUZZ_SEED=n).
 * The contract: every message with a readable call header gets a well-formed reply with its xid
 * (GARBAGE_ARGS, an RPC error, or a result), or no reply (dropped, or a closed TCP connection) —
 * never a crash, never SYSTEM_ERR (an exception escaping a procedure), and the server still
 * answers afterwards.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  readonly r: () => number;
  fh: Buffer = Buffer.alloc(0);
  constructor(seed: number) {
    this.r = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** Plausible-looking arguments: handles, names, counts, offsets, attributes, junk. */
  args(w: XdrWriter): void {
    const items = this.int(8);
    for (let i = 0; i < items; i++) {
      switch (this.int(9)) {
        case 0:
          w.opaque(this.fh);
          break;
        case 1:
          w.string(this.pick(["a", "b.txt", "..", ".", "", "x/y", "../../etc", "long".repeat(80), "dir"]));
          break;
        case 2:
          w.u32(this.pick([0, 1, 2, 3, 4096, 65536, 0x7fffffff, 0xffffffff, this.int(2 ** 32)]));
          break;
        case 3:
          w.u64(this.pick([0n, 1n, 4096n, 1n << 40n, (1n << 63n) - 1n, (1n << 64n) - 1n]));
          break;
        case 4:
          w.bool(this.r() < 0.5);
          break;
        case 5:
          w.opaque(this.bytes(this.int(80)));
          break;
        case 6:
          w.raw(this.bytes(this.int(5) * 4));
          break;
        case 7:
          w.u32(this.int(0x1000)); // a length or count followed by too little
          break;
        default:
          w.string("/opt/x");
      }
    }
  }
  /** A call: mostly valid headers to registered programs, with mutations. */
  call(xid: number, target: number): Buffer {
    const w = new XdrWriter();
    const prog =
      this.r() < 0.85
        ? target
        : this.pick([100003, 100005, 100000, 100000 + this.int(10), this.int(2 ** 32)]);
    const usual = prog === 100000 ? this.pick([2, 3, 4]) : prog === 100005 ? this.pick([1, 3, 3]) : 3;
    const vers = this.r() < 0.9 ? usual : this.int(10);
    const proc = this.int(prog === 100003 ? 24 : 14);
    const credKind = this.int(10);
    const cred =
      credKind < 6
        ? authSys({ uid: this.pick([0, 1000, 65534, this.int(2 ** 32)]), gids: [1, 2] })
        : credKind < 9
          ? { flavor: C.AUTH_NONE, body: Buffer.alloc(0) }
          : { flavor: this.int(8), body: this.bytes(this.int(60)) };
    encodeCallHeader(w, {
      xid,
      rpcvers: this.r() < 0.97 ? 2 : this.int(5),
      prog,
      vers,
      proc,
      cred,
      verf: { flavor: C.AUTH_NONE, body: Buffer.alloc(0) },
    });
    this.args(w);
    let msg = w.finish();
    const m = this.int(10);
    if (m === 0)
      msg = msg.subarray(0, this.int(msg.length + 1)); // truncation
    else if (m === 1) {
      msg = Buffer.from(msg);
      for (let i = 0; i < 3 && msg.length > 0; i++) {
        const k = this.int(msg.length);
        msg[k] = msg[k]! ^ (1 << this.int(8)); // bit flips
      }
    } else if (m === 2) msg = this.bytes(this.int(200)); // noise
    return msg;
  }
}

const PROG: Record<string, number> = { nfs: 100003, mount: 100005, portmap: 100000 };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

describe(`fuzz: malformed RPC over TCP and UDP (seed ${SEED})`, () => {
  let dir: string;
  let server: NfsServer;
  const log = memoryLogger();
  const port = (role: string, proto = "tcp") =>
    server.endpoints.find((e) => e.role === role && e.proto === proto)!.port;
  let fh: Buffer;

  before(async () => {
    dir = mkdtempSync(`${tmpdir()}/nfs-fuzz-`);
    mkdirSync(`${dir}/data/opt/x/dir`, { recursive: true });
    writeFileSync(`${dir}/data/opt/x/b.txt`, "hello\n");
    writeFileSync(`${dir}/exports`, "/opt/x 127.0.0.0/8(rw,insecure,no_root_squash)\n");
    server = await NfsServer.start({
      exportsFile: `${dir}/exports`,
      root: `${dir}/data`,
      host: "127.0.0.1",
      nfsPort: 0,
      mountPort: 0,
      portmapPort: await freePort(),
      log,
      createNfs: createNfsV3,
    });
    const m = await RpcClient.tcp("127.0.0.1", port("mount"));
    const r = await m.call(M.MOUNT_PROGRAM, 3, M.MOUNTPROC3_MNT, (w) => w.string("/opt/x"));
    assert.ok(r.kind === "accepted");
    assert.equal(r.body.u32(), 0);
    fh = Buffer.from(r.body.opaque(64));
    m.close();
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const checkReply = (sent: Buffer, reply: Buffer): void => {
    const r = decodeReply(reply); // must be a well-formed reply
    assert.equal(r.xid, peekXid(sent));
    if (r.kind === "accepted")
      assert.notEqual(r.stat, C.SYSTEM_ERR, `SYSTEM_ERR for ${sent.toString("hex")}`);
  };

  it("UDP: 2000 datagrams", async () => {
    const g = new Gen(SEED);
    g.fh = fh;
    for (const role of ["nfs", "mount", "portmap"]) {
      const c = await RpcClient.udp("127.0.0.1", port(role, "udp"));
      const sent = new Map<number, Buffer>();
      let replies = 0;
      c.onRawReply = (m: Buffer) => {
        const xid = peekXid(m)!;
        const s = sent.get(xid);
        assert.ok(s, "a reply to something we sent");
        checkReply(s, m);
        replies++;
      };
      const n = role === "nfs" ? 1200 : 400;
      for (let i = 0; i < n; i += 20) {
        for (let j = 0; j < 20; j++) {
          const xid = i + j + 1;
          const msg = g.call(xid, PROG[role]!);
          sent.set(peekXid(msg) ?? -1, msg);
          c.sendMessage(msg);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(replies > n / 3, `${role}: ${replies} replies to ${n} datagrams`);
      c.close();
    }
  });

  it("TCP: 2000 records, fragmented at random, plus corrupt record marks", async () => {
    const g = new Gen(SEED + 1);
    g.fh = fh;
    let closed = 0;
    let tcpReplies = 0;
    for (let round = 0; round < 20; round++) {
      const corrupt = round % 5 === 4;
      await new Promise<void>((resolve) => {
        const role = round % 3 === 2 ? "mount" : "nfs";
        const s = connect({ host: "127.0.0.1", port: port(role) });
        const sent = new Map<number, Buffer>();
        let buf: Buffer = Buffer.alloc(0);
        s.on("data", (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          while (buf.length >= 4) {
            const len = buf.readUInt32BE(0) & 0x7fffffff;
            if (buf.length < 4 + len) break;
            const msg = buf.subarray(4, 4 + len);
            checkReply(sent.get(peekXid(msg)!)!, msg);
            buf = buf.subarray(4 + len);
            tcpReplies++;
          }
        });
        s.on("error", () => undefined);
        s.on("close", () => {
          closed++;
          resolve();
        });
        s.on("connect", () => {
          const parts: Buffer[] = [];
          for (let i = 0; i < 100; i++) {
            const msg = g.call(round * 1000 + i + 1, PROG[role]!);
            if (msg.length >= 4) sent.set(peekXid(msg)!, msg);
            parts.push(encodeRecord(msg, 1 + g.int(200)));
          }
          if (corrupt) parts.splice(50, 0, Buffer.from([0x7f, 0xff, 0xff, 0xff])); // a 2 GiB fragment
          const wire = Buffer.concat(parts);
          for (let off = 0; off < wire.length;) {
            const n = 1 + g.int(700);
            s.write(wire.subarray(off, off + n));
            off += n;
          }
          setTimeout(() => s.end(), corrupt ? 50 : 150);
        });
      });
    }
    assert.equal(closed, 20);
    assert.ok(tcpReplies > 600, `${tcpReplies} replies over TCP`);
  });

  it("the server still answers, and no procedure threw", async () => {
    for (const role of ["nfs", "mount", "portmap"]) {
      const c = await RpcClient.tcp("127.0.0.1", port(role));
      const prog = role === "nfs" ? 100003 : role === "mount" ? 100005 : 100000;
      const r = await c.call(prog, role === "portmap" ? 2 : 3, 0);
      assert.equal(r.stat, C.SUCCESS);
      c.close();
    }
    const counters = server.counters() as Record<string, { replies: Record<string, number> }>;
    if (process.env.FUZZ_VERBOSE) console.log(JSON.stringify(counters));
    for (const [role, c] of Object.entries(counters))
      assert.equal(c.replies.SYSTEM_ERR ?? 0, 0, `${role}: ${JSON.stringify(c)}`);
    assert.ok((counters.nfs!.replies.GARBAGE_ARGS ?? 0) > 50, JSON.stringify(counters.nfs));
    assert.ok((counters.nfs!.replies.SUCCESS ?? 0) > 50, JSON.stringify(counters.nfs));
    assert.deepEqual(
      log.lines.filter((l) => l.msg === "procedure failed"),
      [],
    );
  });
});
