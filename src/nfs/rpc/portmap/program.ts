import { isLoopback } from "../../../lib/acl.ts";
import type { XdrWriter } from "../../xdr/writer.ts";
import { NULL_PROC, VOID, type CallContext, type Procedure, type Program } from "../types.ts";
import type { Registry } from "./registry.ts";
import {
  decodeMapping,
  decodeRpcb,
  encodeMapping,
  encodeRpcb,
  PMAP_PROG,
  PMAP_VERS,
  RPCBVERS,
  RPCBVERS4,
  type Mapping,
  type Rpcb,
} from "./types.ts";
import { fromUaddr, netidOf, toUaddr } from "./uaddr.ts";

/**
 * Port mapper v2 and RPCBIND v3/v4 (RFC 1833) over one Registry: the numbered tables. CALLIT /
 * BCAST / INDIRECT (forwarding calls, a classic amplification vector) and the address conversion
 * procedures are holes: PROC_UNAVAIL. As rpcbind does, only local callers (loopback) may SET and
 * UNSET; others get FALSE.
 */
const bool = (w: XdrWriter, v: boolean): void => w.bool(v);

function mayChange(ctx: CallContext): boolean {
  return isLoopback(ctx.client.address);
}

const WILDCARD = new Set(["0.0.0.0", "::", ""]);

/**
 * The registered address relative to the caller (rpcbind's mergeaddr): a wildcard host becomes
 * the address the call arrived on. A UDP socket bound to a wildcard does not know that address;
 * then a loopback caller gets the loopback address and others the wildcard as registered.
 */
function mergeAddr(r: Rpcb, ctx: CallContext): string {
  const a = fromUaddr(r.addr);
  if (a === undefined || !WILDCARD.has(a.host)) return r.addr;
  const local = (ctx.client.localAddress ?? "").replace(/^::ffff:/, "");
  if (!WILDCARD.has(local)) return toUaddr(local, a.port);
  if (isLoopback(ctx.client.address)) return toUaddr(a.host === "::" ? "::1" : "127.0.0.1", a.port);
  return r.addr;
}

export function portmapPrograms(reg: Registry): Program[] {
  const pmapSet: Procedure<Mapping, boolean> = {
    name: "SET",
    idempotent: true,
    decode: decodeMapping,
    run: (m, ctx) => mayChange(ctx) && reg.setMapping(m),
    encode: bool,
  };
  const pmapUnset: Procedure<Mapping, boolean> = {
    name: "UNSET",
    idempotent: true,
    decode: decodeMapping,
    run: (m, ctx) => mayChange(ctx) && reg.unsetMapping(m),
    encode: bool,
  };
  const pmapGetport: Procedure<Mapping, number> = {
    name: "GETPORT",
    idempotent: true,
    decode: decodeMapping,
    run: (m) => reg.getPort(m),
    encode: (w, p) => w.u32(p),
  };
  const pmapDump: Procedure<undefined, Mapping[]> = {
    name: "DUMP",
    idempotent: true,
    decode: VOID.decode,
    run: () => reg.mappings(),
    encode: (w, list) => w.list(list, encodeMapping),
  };

  const rpcbSet: Procedure<Rpcb, boolean> = {
    name: "SET",
    idempotent: true,
    decode: decodeRpcb,
    run: (r, ctx) => mayChange(ctx) && fromUaddr(r.addr) !== undefined && reg.set(r),
    encode: bool,
  };
  const rpcbUnset: Procedure<Rpcb, boolean> = {
    name: "UNSET",
    idempotent: true,
    decode: decodeRpcb,
    run: (r, ctx) => mayChange(ctx) && reg.unset(r.prog, r.vers, r.netid),
    encode: bool,
  };
  // RFC 1833 §2.2.1: an empty r_netid means the transport of the call itself.
  const lookup =
    (exact: boolean) =>
    (r: Rpcb, ctx: CallContext): string => {
      const netid = r.netid !== "" ? r.netid : netidOf(ctx.client.transport, ctx.client.address);
      const e = exact ? reg.find(r.prog, r.vers, netid) : reg.findAnyVersion(r.prog, r.vers, netid);
      return e === undefined ? "" : mergeAddr(e, ctx);
    };
  const rpcbGetaddr: Procedure<Rpcb, string> = {
    name: "GETADDR",
    idempotent: true,
    decode: decodeRpcb,
    run: lookup(false),
    encode: (w, s) => w.string(s),
  };
  const rpcbDump: Procedure<undefined, Rpcb[]> = {
    name: "DUMP",
    idempotent: true,
    decode: VOID.decode,
    run: () => [...reg.list()],
    encode: (w, list) => w.list(list, encodeRpcb),
  };
  const rpcbGettime: Procedure<undefined, number> = {
    name: "GETTIME",
    idempotent: true,
    decode: VOID.decode,
    run: () => Math.floor(Date.now() / 1000),
    encode: (w, t) => w.u32(t),
  };
  const rpcbGetversaddr: Procedure<Rpcb, string> = { ...rpcbGetaddr, name: "GETVERSADDR", run: lookup(true) };

  const v2: Program = {
    prog: PMAP_PROG,
    vers: PMAP_VERS,
    name: "portmapper",
    procs: [
      /* 0 PMAPPROC_NULL    */ NULL_PROC,
      /* 1 PMAPPROC_SET     */ pmapSet,
      /* 2 PMAPPROC_UNSET   */ pmapUnset,
      /* 3 PMAPPROC_GETPORT */ pmapGetport,
      /* 4 PMAPPROC_DUMP    */ pmapDump,
      /* 5 PMAPPROC_CALLIT  */ undefined,
    ],
  };
  const v3procs = [
    /* 0 RPCBPROC_NULL        */ NULL_PROC,
    /* 1 RPCBPROC_SET         */ rpcbSet,
    /* 2 RPCBPROC_UNSET       */ rpcbUnset,
    /* 3 RPCBPROC_GETADDR     */ rpcbGetaddr,
    /* 4 RPCBPROC_DUMP        */ rpcbDump,
    /* 5 RPCBPROC_CALLIT      */ undefined,
    /* 6 RPCBPROC_GETTIME     */ rpcbGettime,
    /* 7 RPCBPROC_UADDR2TADDR */ undefined,
    /* 8 RPCBPROC_TADDR2UADDR */ undefined,
  ];
  const v3: Program = { prog: PMAP_PROG, vers: RPCBVERS, name: "portmapper", procs: v3procs };
  const v4: Program = {
    prog: PMAP_PROG,
    vers: RPCBVERS4,
    name: "portmapper",
    procs: [
      ...v3procs,
      /* 9  RPCBPROC_GETVERSADDR */ rpcbGetversaddr,
      /* 10 RPCBPROC_INDIRECT    */ undefined,
      /* 11 RPCBPROC_GETADDRLIST */ undefined,
      /* 12 RPCBPROC_GETSTAT     */ undefined,
    ],
  };
  return [v2, v3, v4];
}
