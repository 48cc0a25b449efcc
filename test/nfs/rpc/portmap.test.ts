import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryLogger } from "../../../src/lib/log.ts";
import * as C from "../../../src/nfs/rpc/constants.ts";
import { Dispatcher } from "../../../src/nfs/rpc/dispatcher.ts";
import { decodeReply, encodeCallHeader } from "../../../src/nfs/rpc/message.ts";
import { portmapPrograms } from "../../../src/nfs/rpc/portmap/program.ts";
import { Registry } from "../../../src/nfs/rpc/portmap/registry.ts";
import * as P from "../../../src/nfs/rpc/portmap/types.ts";
import { fromUaddr, toUaddr } from "../../../src/nfs/rpc/portmap/uaddr.ts";
import type { ClientInfo } from "../../../src/nfs/rpc/types.ts";
import { XdrWriter } from "../../../src/nfs/xdr/writer.ts";

const local: ClientInfo = { address: "127.0.0.1", port: 900, transport: "udp", localAddress: "127.0.0.1" };

function setup() {
  const reg = new Registry();
  const d = new Dispatcher({ log: memoryLogger() });
  for (const p of portmapPrograms(reg)) d.register(p);
  return { reg, d };
}

async function rpc(
  d: Dispatcher,
  vers: number,
  proc: number,
  args: (w: XdrWriter) => void = () => undefined,
  c = local,
) {
  const w = new XdrWriter();
  const none = { flavor: C.AUTH_NONE, body: Buffer.alloc(0) };
  encodeCallHeader(w, { xid: 5, rpcvers: 2, prog: P.PMAP_PROG, vers, proc, cred: none, verf: none });
  args(w);
  const out = await d.dispatch(w.finish(), c);
  assert.ok(out);
  const r = decodeReply(out);
  assert.ok(r.kind === "accepted");
  return r;
}

const mapping = (m: P.Mapping) => (w: XdrWriter) => P.encodeMapping(w, m);
const rpcb = (r: P.Rpcb) => (w: XdrWriter) => P.encodeRpcb(w, r);

describe("portmap v2 (RFC 1833 §3)", () => {
  it("SET, GETPORT, DUMP, UNSET", async () => {
    const { d } = setup();
    const m = { prog: 100003, vers: 3, prot: P.IPPROTO_TCP, port: 2049 };
    assert.equal((await rpc(d, 2, P.PMAPPROC_SET, mapping(m))).body.bool(), true);
    assert.equal(
      (await rpc(d, 2, P.PMAPPROC_SET, mapping({ ...m, port: 2050 }))).body.bool(),
      false,
      "taken",
    );
    assert.equal((await rpc(d, 2, P.PMAPPROC_SET, mapping(m))).body.bool(), true, "same port again is fine");
    assert.equal((await rpc(d, 2, P.PMAPPROC_GETPORT, mapping({ ...m, port: 0 }))).body.u32(), 2049);
    assert.equal((await rpc(d, 2, P.PMAPPROC_GETPORT, mapping({ ...m, prot: P.IPPROTO_UDP }))).body.u32(), 0);
    const dump = (await rpc(d, 2, P.PMAPPROC_DUMP)).body.list(P.decodeMapping);
    assert.deepEqual(dump, [m]);
    assert.equal((await rpc(d, 2, P.PMAPPROC_UNSET, mapping(m))).body.bool(), true);
    assert.equal((await rpc(d, 2, P.PMAPPROC_GETPORT, mapping(m))).body.u32(), 0);
  });

  it("only local callers may SET and UNSET; CALLIT is PROC_UNAVAIL", async () => {
    const { d } = setup();
    const m = { prog: 100003, vers: 3, prot: P.IPPROTO_TCP, port: 2049 };
    const remote = { ...local, address: "192.0.2.1" };
    assert.equal((await rpc(d, 2, P.PMAPPROC_SET, mapping(m), remote)).body.bool(), false);
    assert.equal((await rpc(d, 2, P.PMAPPROC_CALLIT, mapping(m))).stat, C.PROC_UNAVAIL);
  });
});

describe("rpcbind v3/v4 (RFC 1833 §2)", () => {
  it("SET, GETADDR with universal addresses, DUMP, UNSET; v2 sees v4 registrations", async () => {
    const { d } = setup();
    const r = { prog: 100005, vers: 3, netid: "tcp", addr: "127.0.0.1.78.80", owner: "me" };
    assert.equal((await rpc(d, 4, P.RPCBPROC_SET, rpcb(r))).body.bool(), true);
    assert.equal(
      (await rpc(d, 4, P.RPCBPROC_GETADDR, rpcb({ ...r, addr: "" }))).body.string(100),
      "127.0.0.1.78.80",
    );
    assert.equal((await rpc(d, 3, P.RPCBPROC_GETADDR, rpcb({ ...r, netid: "udp" }))).body.string(100), "");
    assert.equal(
      (await rpc(d, 4, P.RPCBPROC_GETADDR, rpcb({ ...r, vers: 1 }))).body.string(100),
      "127.0.0.1.78.80",
      "GETADDR falls back to another version of the program",
    );
    assert.equal((await rpc(d, 4, P.RPCBPROC_GETVERSADDR, rpcb({ ...r, vers: 1 }))).body.string(100), "");
    assert.equal(
      (
        await rpc(d, 2, P.PMAPPROC_GETPORT, mapping({ prog: 100005, vers: 3, prot: P.IPPROTO_TCP, port: 0 }))
      ).body.u32(),
      20048,
    );
    assert.deepEqual((await rpc(d, 4, P.RPCBPROC_DUMP)).body.list(P.decodeRpcb), [r]);
    assert.equal((await rpc(d, 3, P.RPCBPROC_UNSET, rpcb({ ...r, netid: "" }))).body.bool(), true);
    assert.deepEqual((await rpc(d, 3, P.RPCBPROC_DUMP)).body.list(P.decodeRpcb), []);
  });

  it("a wildcard registration is answered with the address the caller reached", async () => {
    const { d } = setup();
    await rpc(
      d,
      4,
      P.RPCBPROC_SET,
      rpcb({ prog: 100003, vers: 3, netid: "udp", addr: "0.0.0.0.8.1", owner: "" }),
    );
    const got = (
      await rpc(d, 4, P.RPCBPROC_GETADDR, rpcb({ prog: 100003, vers: 3, netid: "", addr: "", owner: "" }))
    ).body.string(100);
    assert.equal(got, "127.0.0.1.8.1", "empty netid = the call's own transport (udp)");
    const query = rpcb({ prog: 100003, vers: 3, netid: "udp", addr: "", owner: "" });
    const wild = { ...local, localAddress: "0.0.0.0" }; // a UDP socket on 0.0.0.0 does not know
    assert.equal((await rpc(d, 4, P.RPCBPROC_GETADDR, query, wild)).body.string(100), "127.0.0.1.8.1");
    const remote = { ...wild, address: "192.0.2.7" };
    assert.equal((await rpc(d, 4, P.RPCBPROC_GETADDR, query, remote)).body.string(100), "0.0.0.0.8.1");
    const tcp = { ...remote, transport: "tcp" as const, localAddress: "192.0.2.1" };
    assert.equal((await rpc(d, 4, P.RPCBPROC_GETADDR, query, tcp)).body.string(100), "192.0.2.1.8.1");
  });

  it("GETTIME answers the time; PROG_MISMATCH names versions 2..4", async () => {
    const { d } = setup();
    const t = (await rpc(d, 3, P.RPCBPROC_GETTIME)).body.u32();
    assert.ok(Math.abs(t - Date.now() / 1000) < 5);
    const r = await rpc(d, 5, 0);
    assert.deepEqual([r.stat, r.low, r.high], [C.PROG_MISMATCH, 2, 4]);
  });

  it("universal addresses round-trip (RFC 5665)", () => {
    assert.equal(toUaddr("127.0.0.1", 2049), "127.0.0.1.8.1");
    assert.equal(toUaddr("::1", 111), "::1.0.111");
    assert.deepEqual(fromUaddr("::1.0.111"), { host: "::1", port: 111 });
    assert.equal(fromUaddr("1.2.3.4.256.1"), undefined);
    assert.equal(fromUaddr("nonsense"), undefined);
  });
});
