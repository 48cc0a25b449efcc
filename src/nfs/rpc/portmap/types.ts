import type { XdrReader } from "../../xdr/reader.ts";
import type { XdrWriter } from "../../xdr/writer.ts";

/** Port mapper v2 and RPCBIND v3/v4, transcribed from RFC 1833. */

// RFC 1833 §3.1, §3.2
export const PMAP_PROG = 100000;
export const PMAP_VERS = 2;
export const RPCBVERS = 3;
export const RPCBVERS4 = 4;
export const PMAP_PORT = 111;

// RFC 1833 §3.1 (the protocol numbers of struct mapping)
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

// RFC 1833 §3.2 procedures of version 2
export const PMAPPROC_NULL = 0;
export const PMAPPROC_SET = 1;
export const PMAPPROC_UNSET = 2;
export const PMAPPROC_GETPORT = 3;
export const PMAPPROC_DUMP = 4;
export const PMAPPROC_CALLIT = 5;

// RFC 1833 §2.2.1 procedures of versions 3 and 4
export const RPCBPROC_NULL = 0;
export const RPCBPROC_SET = 1;
export const RPCBPROC_UNSET = 2;
export const RPCBPROC_GETADDR = 3;
export const RPCBPROC_DUMP = 4;
export const RPCBPROC_CALLIT = 5; /* v4: RPCBPROC_BCAST */
export const RPCBPROC_GETTIME = 6;
export const RPCBPROC_UADDR2TADDR = 7;
export const RPCBPROC_TADDR2UADDR = 8;
export const RPCBPROC_GETVERSADDR = 9; /* v4 only */
export const RPCBPROC_INDIRECT = 10;
export const RPCBPROC_GETADDRLIST = 11;
export const RPCBPROC_GETSTAT = 12;

// RFC 1833 §3.1: struct mapping { unsigned int prog; vers; prot; port; }
export interface Mapping {
  prog: number;
  vers: number;
  prot: number;
  port: number;
}

// RFC 1833 §2.1: struct rpcb { r_prog; r_vers; string r_netid<>; string r_addr<>; string r_owner<>; }
export interface Rpcb {
  prog: number;
  vers: number;
  netid: string;
  addr: string;
  owner: string;
}

const MAXSTR = 1024;

export function decodeMapping(x: XdrReader): Mapping {
  return { prog: x.u32(), vers: x.u32(), prot: x.u32(), port: x.u32() };
}

export function encodeMapping(w: XdrWriter, m: Mapping): void {
  w.u32(m.prog);
  w.u32(m.vers);
  w.u32(m.prot);
  w.u32(m.port);
}

export function decodeRpcb(x: XdrReader): Rpcb {
  return {
    prog: x.u32(),
    vers: x.u32(),
    netid: x.string(MAXSTR, "r_netid"),
    addr: x.string(MAXSTR, "r_addr"),
    owner: x.string(MAXSTR, "r_owner"),
  };
}

export function encodeRpcb(w: XdrWriter, r: Rpcb): void {
  w.u32(r.prog);
  w.u32(r.vers);
  w.string(r.netid, MAXSTR);
  w.string(r.addr, MAXSTR);
  w.string(r.owner, MAXSTR);
}
