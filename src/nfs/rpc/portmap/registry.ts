import { IPPROTO_TCP, IPPROTO_UDP, type Mapping, type Rpcb } from "./types.ts";
import { fromUaddr, toUaddr } from "./uaddr.ts";

/**
 * The port mapper's table, shared by the v2 (port) and v3/v4 (universal address) views, as in
 * rpcbind: a v2 SET registers netid "tcp"/"udp" with the address 0.0.0.0; a v2 GETPORT or DUMP
 * sees only the IPv4 tcp/udp registrations.
 */
export class Registry {
  private readonly entries: Rpcb[] = [];

  list(): readonly Rpcb[] {
    return this.entries;
  }

  /** RFC 1833 RPCBPROC_SET: false when (prog, vers, netid) is already registered. */
  set(r: Rpcb): boolean {
    if (this.entries.some((e) => e.prog === r.prog && e.vers === r.vers && e.netid === r.netid)) return false;
    this.entries.push({ ...r });
    return true;
  }

  /** RFC 1833 RPCBPROC_UNSET: every netid when netid is "". True when something was removed. */
  unset(prog: number, vers: number, netid: string): boolean {
    let removed = false;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.prog === prog && e.vers === vers && (netid === "" || e.netid === netid)) {
        this.entries.splice(i, 1);
        removed = true;
      }
    }
    return removed;
  }

  /** Exact version match (v2 GETPORT, v4 GETVERSADDR). */
  find(prog: number, vers: number, netid: string): Rpcb | undefined {
    return this.entries.find((e) => e.prog === prog && e.vers === vers && e.netid === netid);
  }

  /**
   * RPCBPROC_GETADDR (rpcbind's RPCB_ALLVERS): the exact version, else any version of the program
   * on that netid, so that the client learns where to go and gets PROG_MISMATCH from the server.
   */
  findAnyVersion(prog: number, vers: number, netid: string): Rpcb | undefined {
    return this.find(prog, vers, netid) ?? this.entries.find((e) => e.prog === prog && e.netid === netid);
  }

  // --- the v2 view (RFC 1833 §3) ---

  setMapping(m: Mapping): boolean {
    const netid = protToNetid(m.prot);
    if (netid === undefined) return false;
    const existing = this.find(m.prog, m.vers, netid);
    if (existing !== undefined) return fromUaddr(existing.addr)?.port === m.port;
    return this.set({ prog: m.prog, vers: m.vers, netid, addr: toUaddr("0.0.0.0", m.port), owner: "" });
  }

  /** v2 UNSET removes the (prog, vers) on tcp and udp whatever the port and protocol say. */
  unsetMapping(m: Mapping): boolean {
    const a = this.unset(m.prog, m.vers, "tcp");
    const b = this.unset(m.prog, m.vers, "udp");
    return a || b;
  }

  /** v2 GETPORT: the port, or 0 when not registered. */
  getPort(m: Mapping): number {
    const netid = protToNetid(m.prot);
    if (netid === undefined) return 0;
    const e = this.find(m.prog, m.vers, netid);
    return e === undefined ? 0 : (fromUaddr(e.addr)?.port ?? 0);
  }

  mappings(): Mapping[] {
    const out: Mapping[] = [];
    for (const e of this.entries) {
      const prot = e.netid === "tcp" ? IPPROTO_TCP : e.netid === "udp" ? IPPROTO_UDP : undefined;
      const a = fromUaddr(e.addr);
      if (prot !== undefined && a !== undefined) out.push({ prog: e.prog, vers: e.vers, prot, port: a.port });
    }
    return out;
  }
}

function protToNetid(prot: number): string | undefined {
  return prot === IPPROTO_TCP ? "tcp" : prot === IPPROTO_UDP ? "udp" : undefined;
}
