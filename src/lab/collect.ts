import { connect } from "node:net";
import type { DnsLabStats } from "../dns/server/lab-stats.ts";
import type { NfsLabStats } from "../nfs/server/lab-stats.ts";
import type { LabPlan } from "./plan.ts";
import type { Supervisor } from "./supervisor.ts";

/**
 * What the dashboard shows, gathered on request (`/lab.json`): DNS and NFS answer over their IPC
 * channel (src/dns/server/lab-stats.ts, src/nfs/server/lab-stats.ts), the balancer through its own
 * stats (`<uri>;csv` on its private stats port), the workers by a TCP connect to each.
 */
export const LAB_STATS = "netsvc-lab:stats";

export interface LbRow {
  proxy: string;
  server: string;
  status: string;
  /** Current sessions, total sessions, bytes in/out. */
  scur: number;
  stot: number;
  bin: number;
  bout: number;
  weight: number;
  checkStatus: string;
  lastChange: number;
  /** Responses by class, for frontends and backends. */
  hrsp: Record<string, number>;
}

export interface LabSnapshot {
  time: string;
  offset: number;
  services: { name: string; status: string; pid: number | undefined; exit?: unknown }[];
  dns: {
    up: boolean;
    port: number;
    queries: number;
    qtypes: Record<string, number>;
    rcodes: Record<string, number>;
    zones: { name: string; serial?: number | undefined; records?: number }[];
  };
  nfs: {
    up: boolean;
    port: number;
    mountPort: number;
    exports: NfsLabStats["exports"];
    mounts: NfsLabStats["mounts"];
    ops: Record<string, number>;
  };
  lb: { rows: LbRow[]; statsUri: string | undefined; down?: true };
  workers: { id: number; port: number; up: boolean }[];
}

/** Parse the balancer's `;csv` (HAProxy's columns, `# pxname,svname,...` header). */
export function parseStatsCsv(text: string): LbRow[] {
  const all = text.split("\n").filter((l) => l !== "");
  const header = all[0]?.replace(/^# /, "").split(",") ?? [];
  const col = (name: string): number => header.indexOf(name);
  const num = (f: string[], name: string): number => Number(f[col(name)] ?? "") || 0;
  return all.slice(1).map((line) => {
    const f = line.split(",");
    const hrsp: Record<string, number> = {};
    for (const c of ["1xx", "2xx", "3xx", "4xx", "5xx"]) hrsp[c] = num(f, `hrsp_${c}`);
    return {
      proxy: f[col("pxname")] ?? "",
      server: f[col("svname")] ?? "",
      status: f[col("status")] ?? "",
      scur: num(f, "scur"),
      stot: num(f, "stot"),
      bin: num(f, "bin"),
      bout: num(f, "bout"),
      weight: num(f, "weight"),
      checkStatus: f[col("check_status")] ?? "",
      lastChange: num(f, "lastchg"),
      hrsp,
    };
  });
}

export function tcpUp(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

/** The balancer's private stats endpoint (the lab rewrote the stats proxy's bind to port 0). */
export function lbStatsBase(plan: LabPlan, sup: Supervisor): string | undefined {
  const lb = sup.services.get("lb");
  if (plan.stats === undefined || lb?.status !== "running") return undefined;
  const e = lb.endpoints.find((x) => x.role === plan.stats!.proxy);
  return e === undefined ? undefined : `http://127.0.0.1:${e.port}`;
}

export async function collect(plan: LabPlan, sup: Supervisor): Promise<LabSnapshot> {
  const [dns, nfs, csv, workers] = await Promise.all([
    sup.ask<DnsLabStats>("dns", LAB_STATS),
    sup.ask<NfsLabStats>("nfs", LAB_STATS),
    (async () => {
      const base = lbStatsBase(plan, sup);
      if (base === undefined || plan.stats === undefined) return undefined;
      try {
        const r = await fetch(`${base}${plan.stats.uri};csv`, { signal: AbortSignal.timeout(1000) });
        return r.ok ? await r.text() : undefined;
      } catch {
        return undefined;
      }
    })(),
    Promise.all(
      plan.workers.ports.map(async (port, id) => ({ id, port, up: await tcpUp(plan.workers.host, port) })),
    ),
  ]);
  return {
    time: new Date().toISOString(),
    offset: plan.offset,
    services: [...sup.services.values()].map((s) => ({
      name: s.spec.name,
      status: s.status,
      pid: s.child.pid,
      ...(s.exit !== undefined ? { exit: s.exit } : {}),
    })),
    dns: {
      up: dns !== undefined,
      port: plan.dns.port,
      queries: dns?.queries ?? 0,
      qtypes: dns?.qtypes ?? {},
      rcodes: dns?.rcodes ?? {},
      zones: dns?.zones ?? plan.dns.zones,
    },
    nfs: {
      up: nfs !== undefined,
      port: plan.nfs.port,
      mountPort: plan.nfs.mountPort,
      exports: nfs?.exports ?? plan.nfs.exports.map((path) => ({ path, clients: [] })),
      mounts: nfs?.mounts ?? [],
      ops: nfs?.ops ?? {},
    },
    lb: {
      rows: csv === undefined ? [] : parseStatsCsv(csv),
      statsUri: plan.stats?.uri,
      ...(csv === undefined ? { down: true as const } : {}),
    },
    workers,
  };
}
