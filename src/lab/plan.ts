import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigErrors } from "../lib/errors.ts";
import type { Endpoint } from "../lib/listen.ts";
import { loadNamedConf } from "../dns/config/load.ts";
import { listenEndpoints } from "../dns/server/endpoints.ts";
import { loadConfig } from "../lb/config/index.ts";
import type { LbConfig } from "../lb/config/model.ts";
import { buildExports, loadExports } from "../nfs/exports/load.ts";
import { PRIVATE_ROOT, type LabUser } from "./files.ts";

/**
 * The lab's plan: which services to start with which arguments and generated configs, and every
 * port they will bind (checked before anything starts). The lab's ports, before `--port-offset N`:
 * DNS 53 (udp+tcp), portmapper 111, NFS 2049, MOUNT 20048 (tcp+udp), workers 8080..8085, the
 * balancer's binds (7000) and the stats listener (7001), which the lab process serves itself: the
 * dashboard at `/`, everything else proxied to the balancer's stats on a private port.
 */
export const BASE = { dns: 53, portmap: 111, nfs: 2049, mount: 20048, workers: 8080 } as const;
export const WORKERS = 6;

export interface PortNeed {
  proto: "tcp" | "udp";
  host: string;
  port: number;
  /** Who binds it: "DNS", "NFS", "MOUNT", "portmapper", "worker 2", "balancer web", "stats page". */
  what: string;
}

export interface ServiceSpec {
  name: "dns" | "nfs" | "workers" | "lb";
  /** Arguments of the netsvc CLI. */
  args: string[];
  cwd: string;
}

export interface LabPlan {
  labDir: string;
  stateDir: string;
  offset: number;
  users: LabUser[];
  services: ServiceSpec[];
  ports: PortNeed[];
  dns: { port: number; zones: { name: string; serial: number | undefined }[] };
  nfs: { port: number; mountPort: number; portmapPort: number; exports: string[] };
  workers: { host: string; ports: number[] };
  /** The balancer's traffic binds (not the stats listener). */
  frontends: { name: string; host: string; port: number }[];
  /** The stats listener the lab serves (dashboard at `/`), and the balancer's stats URI. */
  stats: { host: string; port: number; uri: string; proxy: string } | undefined;
}

function shift(port: number, offset: number): number {
  return port === 0 ? 0 : port + offset;
}

/** A proxy the lab serves in place of the balancer: a `listen` section that only serves stats. */
export function statsProxyOf(cfg: LbConfig): LbConfig["proxies"][number] | undefined {
  return cfg.proxies.find(
    (p) =>
      p.stats !== undefined &&
      p.isFrontend &&
      p.servers.length === 0 &&
      p.defaultBackend === undefined &&
      p.useBackends.length === 0,
  );
}

/**
 * haproxy.cfg with every bind and server port moved by `offset`, and the binds of the stats proxy
 * replaced by `127.0.0.1:0` (the lab serves the public one). Only the lines the parser attributed to
 * a bind or a server are touched, so comments and everything else stay as written.
 */
export function rewriteHaproxy(text: string, cfg: LbConfig, offset: number): string {
  const lines = text.split("\n");
  const statsPx = statsProxyOf(cfg);
  const moveSpec = (spec: string): string =>
    spec
      .split(",")
      .map((one) => one.replace(/:(\d+)$/, (_, p: string) => `:${shift(Number(p), offset)}`))
      .join(",");
  const edit = (line: number, re: RegExp, f: (spec: string) => string): void => {
    const i = line - 1;
    const l = lines[i];
    if (l === undefined) return;
    lines[i] = l.replace(re, (_m, head: string, spec: string) => head + f(spec));
  };
  for (const p of cfg.proxies) {
    const isStats = p === statsPx;
    for (const line of new Set(p.binds.map((b) => b.pos.line)))
      edit(line, /^(\s*bind\s+)(\S+)/, (spec) => (isStats ? "127.0.0.1:0" : moveSpec(spec)));
    for (const s of p.servers) {
      edit(s.pos.line, /^(\s*server\s+\S+\s+)(\S+)/, moveSpec);
      if (s.checkPort !== undefined && offset !== 0)
        edit(s.pos.line, /^(.*\sport\s+)(\d+)/, (p0) => String(shift(Number(p0), offset)));
    }
  }
  return lines.join("\n");
}

/**
 * exports with the line of PRIVATE_ROOT replaced by one line per user (`/opt/lab7/private/alice`
 * with the same clients and options): with one export of the whole private folder, `..` from a
 * user's mount would show the other users.
 */
export function expandExports(text: string, users: readonly string[]): string {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\s*)("?)(\/[^\s"]*?)\/?\2(\s.*)?$/.exec(line);
    if (m !== null && m[3] === PRIVATE_ROOT) {
      for (const u of users) out.push(`${m[1]!}${m[2]!}${PRIVATE_ROOT}/${u}${m[2]!}${m[4] ?? ""}`);
    } else out.push(line);
  }
  return out.join("\n");
}

export interface PlanOptions {
  labDir: string;
  stateDir: string;
  offset: number;
  users: LabUser[];
  /** The lab's CLI flags for NFS/workers addresses. */
  nfsHost?: string;
  /** Check and plan only: write nothing to `<state>/run/`. */
  dryRun?: boolean;
}

/**
 * Validate the lab's three configs (every error with its file:line, nothing started), then write
 * the generated ones to `<state>/run/`, and list the ports. Also what a reload (SIGHUP) runs.
 */
export async function makePlan(o: PlanOptions): Promise<LabPlan> {
  const run = join(o.stateDir, "run");
  const data = join(o.stateDir, "data");
  const namedConf = join(o.labDir, "named.conf");
  const haproxyCfg = join(o.labDir, "haproxy.cfg");
  const exportsFile = join(o.labDir, "exports");
  const errors: ConfigErrors[] = [];
  const attempt = async <T>(f: () => Promise<T> | T): Promise<T | undefined> => {
    try {
      return await f();
    } catch (err) {
      if (err instanceof ConfigErrors) {
        errors.push(err);
        return undefined;
      }
      throw err;
    }
  };
  // `netsvc dns` serves the other zones when one fails to load (SERVFAIL for it, as named does);
  // the lab starts nothing until every zone loads, and lists the errors.
  const dns = await attempt(async () => {
    const loaded = await loadNamedConf(namedConf);
    const bad = loaded.zones.flatMap((z) => z.errors ?? []);
    if (bad.length > 0) throw new ConfigErrors(bad);
    return loaded;
  });
  const lb = await attempt(() => loadConfig(haproxyCfg));
  const names = o.users.map((u) => u.name);
  const exportsText = expandExports(readFileSync(exportsFile, "utf8"), names);
  const exportsOut = join(run, "exports");
  // Check the file as written (positions point at it), then the generated text; the generated
  // files are written only once everything is valid (a refused reload leaves them as they were).
  const ex = await attempt(async () => {
    await loadExports(exportsFile, { root: data });
    return buildExports(exportsText, exportsOut, { root: data });
  });
  if (dns === undefined || lb === undefined || ex === undefined)
    throw new ConfigErrors(errors.flatMap((e) => e.errors));

  const off = o.offset;
  const ports: PortNeed[] = [];
  const dnsPort = shift(BASE.dns, off);
  for (const e of listenEndpoints(dns.conf, { port: dnsPort }))
    for (const proto of ["udp", "tcp"] as const)
      ports.push({ proto, host: e.host, port: e.port, what: "DNS" });

  const nfsHost = o.nfsHost ?? "0.0.0.0";
  const nfs = {
    port: shift(BASE.nfs, off),
    mountPort: shift(BASE.mount, off),
    portmapPort: shift(BASE.portmap, off),
    exports: ex.table.list().map((e) => e.path),
  };
  for (const [port, what] of [
    [nfs.portmapPort, "portmapper"],
    [nfs.port, "NFS"],
    [nfs.mountPort, "MOUNT"],
  ] as const)
    for (const proto of ["tcp", "udp"] as const) ports.push({ proto, host: nfsHost, port, what });

  const workers = {
    host: "127.0.0.1",
    ports: Array.from({ length: WORKERS }, (_, i) => shift(BASE.workers, off) + i),
  };
  workers.ports.forEach((port, i) =>
    ports.push({ proto: "tcp", host: workers.host, port, what: `worker ${i}` }),
  );

  const statsPx = statsProxyOf(lb.config);
  const frontends: LabPlan["frontends"] = [];
  let stats: LabPlan["stats"];
  for (const p of lb.config.proxies)
    for (const b of p.binds) {
      const e: Endpoint = { host: b.host, port: shift(b.port, off) };
      if (p === statsPx) {
        stats ??= { ...e, uri: p.stats!.uri, proxy: p.name };
        ports.push({ proto: "tcp", ...e, what: "stats page" });
      } else {
        frontends.push({ name: p.name, ...e });
        ports.push({ proto: "tcp", ...e, what: `balancer ${p.name}` });
      }
    }
  const haproxyOut = join(run, "haproxy.cfg");
  if (o.dryRun !== true) {
    writeFileSync(exportsOut, exportsText);
    writeFileSync(haproxyOut, rewriteHaproxy(readFileSync(haproxyCfg, "utf8"), lb.config, off));
  }

  const services: ServiceSpec[] = [
    {
      name: "dns",
      args: ["dns", "-c", namedConf, "--port", String(dnsPort), "--workers", "1"],
      cwd: o.labDir,
    },
    {
      name: "nfs",
      args: [
        "nfs",
        ...["-e", exportsOut, "--root", data, "--listen", nfsHost],
        ...["--port", String(nfs.port), "--mount-port", String(nfs.mountPort)],
        ...["--portmap-port", String(nfs.portmapPort)],
      ],
      cwd: o.stateDir,
    },
    {
      name: "workers",
      args: [
        "workers",
        "-n",
        String(WORKERS),
        "--base-port",
        String(workers.ports[0]),
        "--listen",
        workers.host,
      ],
      cwd: o.stateDir,
    },
    { name: "lb", args: ["lb", "-f", haproxyOut], cwd: o.labDir },
  ];
  return {
    labDir: o.labDir,
    stateDir: o.stateDir,
    offset: off,
    users: o.users,
    services,
    ports,
    dns: { port: dnsPort, zones: dns.zones.map((z) => ({ name: z.zone, serial: z.serial })) },
    nfs,
    workers,
    frontends,
    stats,
  };
}
