import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryLogger } from "../../../src/lib/log.ts";
import { decodeAuthSys, encodeAuthSys } from "../../../src/nfs/rpc/auth.ts";
import * as C from "../../../src/nfs/rpc/constants.ts";
import { Dispatcher } from "../../../src/nfs/rpc/dispatcher.ts";
import { DuplicateRequestCache } from "../../../src/nfs/rpc/drc.ts";
import { decodeReply, encodeCallHeader, type OpaqueAuth, type Reply } from "../../../src/nfs/rpc/message.ts";
import {
  NULL_PROC,
  RpcAuthError,
  RpcDropError,
  type CallContext,
  type Procedure,
  type Program,
} from "../../../src/nfs/rpc/types.ts";
import { XdrWriter } from "../../../src/nfs/xdr/writer.ts";

const none: OpaqueAuth = { flavor: C.AUTH_NONE, body: Buffer.alloc(0) };
const sys = (uid = 1000, gids: number[] = [10, 20]): OpaqueAuth => ({
  flavor: C.AUTH_SYS,
  body: encodeAuthSys({ stamp: 7, machinename: "box", uid, gid: 100, gids }),
});
const client = { address: "127.0.0.1", port: 800, transport: "tcp" as const };

function call(
  prog: number,
  vers: number,
  proc: number,
  args: (w: XdrWriter) => void = () => undefined,
  o: { xid?: number; cred?: OpaqueAuth; verf?: OpaqueAuth; rpcvers?: number } = {},
): Buffer {
  const w = new XdrWriter();
  encodeCallHeader(w, {
    xid: o.xid ?? 42,
    rpcvers: o.rpcvers ?? 2,
    prog,
    vers,
    proc,
    cred: o.cred ?? none,
    verf: o.verf ?? none,
  });
  args(w);
  return w.finish();
}

/** A test program: 0 NULL, 1 ADD (idempotent), 2 CREATE (not idempotent, counts runs), 4 AUTH, 5 DROP, 6 THROW. */
function setup() {
  let creates = 0;
  let lastCtx: CallContext | undefined;
  const add: Procedure<[number, number], number> = {
    name: "ADD",
    idempotent: true,
    decode: (r) => [r.u32(), r.u32()],
    run: ([a, b], ctx) => {
      lastCtx = ctx;
      return a + b;
    },
    encode: (w, v) => w.u32(v),
  };
  const create: Procedure<string, number> = {
    name: "CREATE",
    idempotent: false,
    decode: (r) => r.string(255),
    run: async () => {
      await new Promise((r) => setTimeout(r, 20));
      return ++creates;
    },
    encode: (w, v) => w.u32(v),
  };
  const authFail: Procedure<undefined, undefined> = {
    ...NULL_PROC,
    name: "AUTH",
    run: () => {
      throw new RpcAuthError(C.AUTH_TOOWEAK);
    },
  };
  const drop: Procedure<undefined, undefined> = {
    ...NULL_PROC,
    name: "DROP",
    run: () => {
      throw new RpcDropError();
    },
  };
  const boom: Procedure<undefined, undefined> = {
    ...NULL_PROC,
    name: "THROW",
    run: () => {
      throw new Error("bug");
    },
  };
  const p1: Program = {
    prog: 400000,
    vers: 1,
    name: "test",
    procs: [NULL_PROC, add, create, undefined, authFail, drop, boom],
  };
  const p3: Program = { prog: 400000, vers: 3, name: "test", procs: [NULL_PROC] };
  const p9: Program = { prog: 400001, vers: 1, name: "sysonly", procs: [NULL_PROC], flavors: [C.AUTH_SYS] };
  const log = memoryLogger();
  const d = new Dispatcher({ log, drc: new DuplicateRequestCache(4) });
  for (const p of [p1, p3, p9]) d.register(p);
  return { d, log, creates: () => creates, ctx: () => lastCtx };
}

async function send(d: Dispatcher, msg: Buffer, c = client): Promise<Reply> {
  const out = await d.dispatch(msg, c);
  assert.ok(out !== null, "expected a reply");
  return decodeReply(out);
}

describe("RPC dispatcher (RFC 5531 §9)", () => {
  it("runs a procedure and echoes the xid with MSG_ACCEPTED/SUCCESS", async () => {
    const { d, ctx } = setup();
    const r = await send(
      d,
      call(400000, 1, 1, (w) => (w.u32(2), w.u32(3)), { xid: 77, cred: sys() }),
    );
    assert.equal(r.xid, 77);
    assert.equal(r.kind, "accepted");
    assert.equal(r.stat, C.SUCCESS);
    assert.ok(r.kind === "accepted");
    assert.equal(r.body.u32(), 5);
    assert.equal(ctx()?.cred?.uid, 1000);
    assert.deepEqual(ctx()?.cred?.gids, [10, 20]);
    assert.equal(ctx()?.flavor, C.AUTH_SYS);
  });

  it("answers each RPC error as the RFC says", async () => {
    const { d } = setup();
    const cases: [string, Buffer, Partial<Reply>][] = [
      [
        "RPC_MISMATCH",
        call(400000, 1, 0, undefined, { rpcvers: 3 }),
        { kind: "denied", stat: C.RPC_MISMATCH, low: 2, high: 2 },
      ],
      ["PROG_UNAVAIL", call(499999, 1, 0), { kind: "accepted", stat: C.PROG_UNAVAIL }],
      ["PROG_MISMATCH", call(400000, 2, 0), { kind: "accepted", stat: C.PROG_MISMATCH, low: 1, high: 3 }],
      ["PROC_UNAVAIL (hole)", call(400000, 1, 3), { kind: "accepted", stat: C.PROC_UNAVAIL }],
      ["PROC_UNAVAIL (past the table)", call(400000, 1, 99), { kind: "accepted", stat: C.PROC_UNAVAIL }],
      ["GARBAGE_ARGS", call(400000, 1, 1, (w) => w.u32(1)), { kind: "accepted", stat: C.GARBAGE_ARGS }],
      [
        "AUTH_TOOWEAK from run()",
        call(400000, 1, 4),
        { kind: "denied", stat: C.AUTH_ERROR, auth: C.AUTH_TOOWEAK },
      ],
      [
        "AUTH_TOOWEAK for a flavor the program refuses",
        call(400001, 1, 0),
        { kind: "denied", stat: C.AUTH_ERROR, auth: C.AUTH_TOOWEAK },
      ],
      ["SYSTEM_ERR", call(400000, 1, 6), { kind: "accepted", stat: C.SYSTEM_ERR }],
      [
        "AUTH_BADCRED for an unknown flavor",
        call(400000, 1, 0, undefined, { cred: { flavor: C.RPCSEC_GSS, body: Buffer.alloc(8) } }),
        { kind: "denied", stat: C.AUTH_ERROR, auth: C.AUTH_BADCRED },
      ],
      [
        "AUTH_BADCRED for AUTH_NONE with a body",
        call(400000, 1, 0, undefined, { cred: { flavor: C.AUTH_NONE, body: Buffer.alloc(4) } }),
        { kind: "denied", stat: C.AUTH_ERROR, auth: C.AUTH_BADCRED },
      ],
      [
        "AUTH_BADVERF for AUTH_SYS with a non-null verifier",
        call(400000, 1, 0, undefined, { cred: sys(), verf: { flavor: C.AUTH_SYS, body: Buffer.alloc(4) } }),
        { kind: "denied", stat: C.AUTH_ERROR, auth: C.AUTH_BADVERF },
      ],
    ];
    for (const [name, msg, want] of cases) {
      const r = await send(d, msg);
      for (const [k, v] of Object.entries(want))
        assert.equal((r as Record<string, unknown>)[k], v, `${name}: ${k}`);
    }
    assert.equal(await setup().d.dispatch(call(400000, 1, 5), client), null, "RpcDropError sends nothing");
  });

  it("drops messages without a readable call header", async () => {
    const { d } = setup();
    assert.equal(await d.dispatch(Buffer.from("0000002a00000001", "hex"), client), null); // a REPLY
    assert.equal(await d.dispatch(Buffer.alloc(3), client), null);
    assert.equal(await d.dispatch(call(400000, 1, 0).subarray(0, 30), client), null);
  });

  it("answers a retransmitted non-idempotent call from the cache, running it once", async () => {
    const { d, creates } = setup();
    const msg = call(400000, 1, 2, (w) => w.string("file"), { xid: 9 });
    const [a, b] = await Promise.all([d.dispatch(msg, client), d.dispatch(msg, client)]);
    assert.ok(a !== null);
    assert.equal(b, null, "a retransmission while the call runs is dropped");
    const again = await d.dispatch(msg, { ...client, port: 901 }); // a reconnected TCP client
    assert.deepEqual(again, a);
    assert.equal(creates(), 1);
    assert.equal(d.drc?.stats.hits, 1);
    // Same xid, other arguments: a new call. Other client address: a new call.
    await d.dispatch(
      call(400000, 1, 2, (w) => w.string("other"), { xid: 9 }),
      client,
    );
    await d.dispatch(msg, { ...client, address: "127.0.0.2" });
    assert.equal(creates(), 3);
  });

  it("keeps the cache bounded (oldest evicted)", async () => {
    const { d, creates } = setup();
    for (let i = 0; i < 6; i++)
      await d.dispatch(
        call(400000, 1, 2, (w) => w.string("f"), { xid: 100 + i }),
        client,
      );
    assert.equal(d.drc?.size, 4);
    await d.dispatch(
      call(400000, 1, 2, (w) => w.string("f"), { xid: 100 }),
      client,
    );
    assert.equal(creates(), 7, "the evicted call ran again");
    await d.dispatch(
      call(400000, 1, 2, (w) => w.string("f"), { xid: 105 }),
      client,
    );
    assert.equal(creates(), 7, "a recent call was answered from the cache");
  });

  it("does not cache idempotent procedures", async () => {
    const { d } = setup();
    await d.dispatch(
      call(400000, 1, 1, (w) => (w.u32(1), w.u32(1))),
      client,
    );
    assert.equal(d.drc?.size, 0);
  });
});

describe("AUTH_SYS credentials (RFC 5531 appendix A)", () => {
  it("parses stamp, machine name, uid, gid and up to 16 gids", () => {
    const gids = Array.from({ length: 16 }, (_, i) => i);
    const c = decodeAuthSys(encodeAuthSys({ stamp: 1, machinename: "m", uid: 5, gid: 6, gids }));
    assert.deepEqual(c, { stamp: 1, machinename: "m", uid: 5, gid: 6, gids });
  });

  it("refuses 17 gids, a 256-byte machine name, truncation and trailing bytes", () => {
    const w = new XdrWriter();
    w.u32(0);
    w.string("m");
    w.u32(0);
    w.u32(0);
    w.array(
      Array.from({ length: 17 }, () => 1),
      (x, g) => x.u32(g),
    );
    assert.match(decodeAuthSys(w.finish()) as string, /gids count 17/);
    const n = new XdrWriter();
    n.u32(0);
    n.string("x".repeat(256));
    assert.match(decodeAuthSys(n.finish()) as string, /machinename length 256/);
    const ok = encodeAuthSys({ stamp: 0, machinename: "m", uid: 1, gid: 1, gids: [] });
    assert.equal(typeof decodeAuthSys(ok.subarray(0, ok.length - 4)), "string");
    assert.match(decodeAuthSys(Buffer.concat([ok, Buffer.alloc(4)])) as string, /trailing/);
  });

  it("turns a malformed AUTH_SYS body into AUTH_BADCRED", async () => {
    const { d } = setup();
    const r = await send(
      d,
      call(400000, 1, 0, undefined, { cred: { flavor: C.AUTH_SYS, body: Buffer.alloc(6) } }),
    );
    assert.equal(r.kind, "denied");
    assert.ok(r.kind === "denied");
    assert.equal(r.auth, C.AUTH_BADCRED);
  });
});
