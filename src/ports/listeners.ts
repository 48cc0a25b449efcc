import { isListening, NET_PROTOS, type NetProto, type ProcSocket } from "./procnet.ts";
import { netsvcLabel, type NetsvcProcess } from "./processes.ts";
import type { ServiceTable } from "./services.ts";

/**
 * The join behind `netsvc ports`: listening sockets x the processes holding their inodes x the
 * services table. Pure; the shell (scan.ts) supplies the three inputs.
 */

export interface ProcessInfo {
  pid: number;
  /** What netstat prints after `PID/` (processes.ts programName). */
  program: string;
  /** Set when the process is a netsvc server. */
  netsvc?: NetsvcProcess | undefined;
}

export interface Listener {
  proto: NetProto;
  localAddress: string;
  localPort: number;
  foreignAddress: string;
  /** 0 for a listener: netstat and ss print it as `*`. */
  foreignPort: number;
  /** `LISTEN` for TCP; `UNCONN` (ss's word, netstat leaves the column empty) for a bound UDP socket. */
  state: "LISTEN" | "UNCONN";
  recvQ: number;
  sendQ: number;
  uid: number;
  inode: number;
  /** The process netstat shows: the first one found holding the socket (lowest PID); null = `-`. */
  pid: number | null;
  program: string | null;
  /** Every process holding the socket (ss lists them all), by PID. */
  processes: { pid: number; program: string }[];
  /** The /etc/services name for the port and protocol (tcp/udp), or null. */
  service: string | null;
  /** `netsvc dns`, `netsvc up/lb`...: set when a netsvc server holds the socket. */
  netsvc: string | null;
}

/**
 * Build the listener rows, sorted like the sections of `netstat -plunt` (tcp, tcp6, udp, udp6),
 * then by local port and address. `owners` maps a socket inode to every process holding it;
 * processes we may not inspect (another user's, without root) are simply absent, so their
 * sockets show no PID, as with netstat.
 */
export function buildListeners(
  sockets: readonly ProcSocket[],
  owners: ReadonlyMap<number, readonly ProcessInfo[]>,
  services: ServiceTable,
): Listener[] {
  const rows: Listener[] = [];
  for (const s of sockets) {
    if (!isListening(s)) continue;
    const procs = [...(s.inode === 0 ? [] : (owners.get(s.inode) ?? []))].sort((a, b) => a.pid - b.pid);
    const first = procs[0];
    const ns = procs.find((p) => p.netsvc !== undefined);
    rows.push({
      proto: s.proto,
      localAddress: s.localAddress,
      localPort: s.localPort,
      foreignAddress: s.remoteAddress,
      foreignPort: s.remotePort,
      state: s.proto.startsWith("tcp") ? "LISTEN" : "UNCONN",
      recvQ: s.rxQueue,
      sendQ: s.txQueue,
      uid: s.uid,
      inode: s.inode,
      pid: first?.pid ?? null,
      program: first?.program ?? null,
      processes: procs.map((p) => ({ pid: p.pid, program: p.program })),
      service: services.byPortProto(s.localPort, s.proto.replace("6", ""))?.name ?? null,
      netsvc: ns?.netsvc === undefined ? null : netsvcLabel(ns.netsvc, s.localPort),
    });
  }
  const order = (p: NetProto): number => NET_PROTOS.indexOf(p);
  return rows.sort(
    (a, b) =>
      order(a.proto) - order(b.proto) ||
      a.localPort - b.localPort ||
      (a.localAddress < b.localAddress ? -1 : a.localAddress > b.localAddress ? 1 : 0) ||
      a.inode - b.inode,
  );
}
