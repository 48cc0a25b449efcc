import type { Endpoint } from "../../lib/listen.ts";
import type { Logger } from "../../lib/log.ts";
import type { Service } from "../../lib/lifecycle.ts";
import { loadExports } from "../exports/load.ts";
import { LiveExports, type ExportTable } from "../exports/table.ts";
import { mountPrograms } from "../mount/program.ts";
import { MountList } from "../mount/state.ts";
import { Dispatcher } from "../rpc/dispatcher.ts";
import { DuplicateRequestCache } from "../rpc/drc.ts";
import { portmapPrograms } from "../rpc/portmap/program.ts";
import { Registry } from "../rpc/portmap/registry.ts";
import { PMAP_PROG, type Rpcb } from "../rpc/portmap/types.ts";
import { netidOf, toUaddr } from "../rpc/portmap/uaddr.ts";
import type { Program } from "../rpc/types.ts";
import type { NfsDeps, NfsV3Service } from "./deps.ts";
import { ReverseNames } from "./names.ts";
import { SystemRpcbind } from "./rpcbind-client.ts";
import { RpcTcpServer } from "./tcp.ts";
import { RpcUdpServer } from "./udp.ts";

/**
 * The NFS server process: NFS v3 (NFS-B's program), MOUNT and a port mapper, each on TCP and UDP,
 * wired to one live exports table. `--portmap-port 0` registers with the system rpcbind instead
 * (or with nothing when there is none); the log says which.
 */
export interface NfsServerOptions {
  exportsFile: string;
  root: string;
  host: string;
  nfsPort: number;
  mountPort: number;
  /** 0 = do not run a port mapper; register with the system one on 111 if it answers. */
  portmapPort: number;
  log: Logger;
  createNfs: (deps: NfsDeps) => NfsV3Service;
  /** Largest RPC record accepted over TCP (default 1 MiB + 64 KiB: a 1 MiB WRITE and its header). */
  maxRecord?: number;
  /** Called when everything listens, just before the ready line (install signal handlers here). */
  beforeReady?: (server: NfsServer) => void;
  /** Where the system rpcbind is, for --portmap-port 0 (tests point it elsewhere). */
  systemRpcbind?: { host: string; port: number };
}

export const DEFAULT_MAX_RECORD = (1 << 20) + (64 << 10);

export interface ReadyEndpoint extends Endpoint {
  proto: "tcp" | "udp";
  role: "nfs" | "mount" | "portmap";
}

export class NfsServer implements Service {
  readonly opts: NfsServerOptions;
  readonly exports: LiveExports;
  readonly names: ReverseNames;
  readonly registry = new Registry();
  readonly mounts = new MountList();
  endpoints: ReadyEndpoint[] = [];
  portmapMode: "own" | "system" | "none" = "none";
  private readonly nfs: NfsV3Service;
  private readonly servers: (RpcTcpServer | RpcUdpServer)[] = [];
  private readonly dispatchers: { role: ReadyEndpoint["role"]; d: Dispatcher }[] = [];
  private system: SystemRpcbind | undefined;

  private constructor(opts: NfsServerOptions, table: ExportTable, names: ReverseNames) {
    this.opts = opts;
    this.names = names;
    this.exports = new LiveExports(table);
    this.nfs = opts.createNfs({ exports: this.exports, log: opts.log.child({ component: "nfs" }) });
  }

  /** Load the exports (throws ConfigErrors when invalid), listen, register; then log `ready`. */
  static async start(opts: NfsServerOptions): Promise<NfsServer> {
    const names = new ReverseNames();
    const loaded = await loadExports(opts.exportsFile, { root: opts.root, reverse: (a) => names.namesOf(a) });
    for (const w of loaded.warnings) opts.log.warn(w.toString(), { code: w.code });
    const s = new NfsServer(opts, loaded.table, names);
    try {
      await s.listenAll();
    } catch (err) {
      // A port that cannot be bound: close what is already open, so the process can exit.
      await Promise.allSettled(s.servers.map((x) => x.stop()));
      await s.nfs.close?.();
      throw err;
    }
    return s;
  }

  private async listenAll(): Promise<void> {
    const { log } = this.opts;
    const maxRecord = this.opts.maxRecord ?? DEFAULT_MAX_RECORD;
    const nfsD = new Dispatcher({
      log: log.child({ component: "nfs" }),
      drc: new DuplicateRequestCache(1024),
    });
    nfsD.register(this.nfs.program);
    const mountD = new Dispatcher({
      log: log.child({ component: "mountd" }),
      drc: new DuplicateRequestCache(256),
    });
    for (const p of mountPrograms({
      exports: this.exports,
      backend: this.nfs.mount,
      mounts: this.mounts,
      hostname: (c) => this.names.namesOf(c.address)[0] ?? c.address.replace(/^::ffff:/, ""),
      resolveNames: (a) => (this.needsNames() ? this.names.resolve(a) : Promise.resolve()),
    }))
      mountD.register(p);
    this.dispatchers.push({ role: "nfs", d: nfsD }, { role: "mount", d: mountD });
    await this.bind("nfs", nfsD, this.opts.nfsPort, maxRecord);
    await this.bind("mount", mountD, this.opts.mountPort, maxRecord);

    const programs = [...nfsD.programs(), ...mountD.programs()];
    if (this.opts.portmapPort !== 0) {
      const pmapD = new Dispatcher({ log: log.child({ component: "portmap" }) });
      const pm = portmapPrograms(this.registry);
      for (const p of pm) pmapD.register(p);
      this.dispatchers.push({ role: "portmap", d: pmapD });
      await this.bind("portmap", pmapD, this.opts.portmapPort, 64 << 10);
      for (const e of this.registrations([...pm, ...programs])) this.registry.set(e);
      this.portmapMode = "own";
      const pmPort = this.endpoints.find((e) => e.role === "portmap")!.port;
      log.info(`port mapper (portmap v2, rpcbind v3/v4) listening on port ${pmPort}`);
    } else {
      const where = this.opts.systemRpcbind ?? { host: "127.0.0.1", port: 111 };
      this.system = new SystemRpcbind(log, where.host, where.port);
      if (await this.system.register(this.registrations(programs))) {
        this.portmapMode = "system";
        log.info(`registered NFS and MOUNT with the system rpcbind on ${where.host}:${where.port}`);
      } else {
        this.portmapMode = "none";
        log.warn(
          `no portmapper on ${where.host}:${where.port}: NFS and MOUNT are not registered; clients must be given the ports (libnfs: ?nfsport=N&mountport=M)`,
        );
      }
    }
    this.opts.beforeReady?.(this);
    log.info("ready", {
      endpoints: this.endpoints,
      portmap: this.portmapMode,
      exports: this.exports.list().map((e) => e.path),
    });
  }

  private needsNames(): boolean {
    return this.exports
      .list()
      .some((e) => e.clients.some((c) => c.match.kind === "wildcard" || c.match.kind === "host"));
  }

  /** TCP first; UDP on the same port when possible (port 0: the port TCP got). */
  private async bind(
    role: ReadyEndpoint["role"],
    d: Dispatcher,
    port: number,
    maxRecord: number,
  ): Promise<void> {
    const log = this.opts.log.child({ component: role });
    const tcp = new RpcTcpServer({ dispatcher: d, log, maxRecord, idleTimeoutMs: 6 * 60_000 });
    this.servers.push(tcp);
    const t = await tcp.listen({ host: this.opts.host, port });
    this.endpoints.push({ proto: "tcp", host: t.host, port: t.port, role });
    const udp = new RpcUdpServer({ dispatcher: d, log });
    this.servers.push(udp);
    let u: Endpoint;
    try {
      u = await udp.listen({ host: this.opts.host, port: t.port });
    } catch (err) {
      if (port !== 0) throw err;
      u = await udp.listen({ host: this.opts.host, port: 0 });
    }
    this.endpoints.push({ proto: "udp", host: u.host, port: u.port, role });
  }

  private registrations(programs: readonly Program[]): Rpcb[] {
    const out: Rpcb[] = [];
    for (const p of programs) {
      const role: ReadyEndpoint["role"] =
        p.prog === PMAP_PROG ? "portmap" : p.prog === 100005 ? "mount" : "nfs";
      for (const e of this.endpoints.filter((x) => x.role === role)) {
        // A socket on "::" also takes IPv4: register it for tcp/udp as well as tcp6/udp6.
        const hosts = e.host === "::" ? ["0.0.0.0", "::"] : [e.host];
        for (const host of hosts)
          out.push({
            prog: p.prog,
            vers: p.vers,
            netid: netidOf(e.proto, host),
            addr: toUaddr(host, e.port),
            owner: "netsvc",
          });
      }
    }
    return out;
  }

  /** SIGHUP: read and validate the exports file, then swap; on error the old table stays. */
  async reload(): Promise<void> {
    const loaded = await loadExports(this.opts.exportsFile, {
      root: this.opts.root,
      reverse: (a) => this.names.namesOf(a),
    });
    for (const w of loaded.warnings) this.opts.log.warn(w.toString(), { code: w.code });
    this.exports.swap(loaded.table);
    this.opts.log.info("exports reloaded", { exports: loaded.table.list().map((e) => e.path) });
  }

  /** SIGTERM: stop accepting, finish the calls in flight, unregister, close the file system side. */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
    await this.system?.unregisterAll();
    await this.nfs.close?.();
  }

  /** Counters per role (for logs and tests). */
  counters(): Record<string, unknown> {
    return Object.fromEntries(
      this.dispatchers.map(({ role, d }) => [role, { ...d.counters, drc: d.drc?.stats }]),
    );
  }
}
