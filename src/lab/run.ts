import type { Server } from "node:http";
import { ConfigErrors, NetsvcError } from "../lib/errors.ts";
import { banner } from "./banner.ts";
import { collect, lbStatsBase } from "./collect.ts";
import { startDashboard } from "./dashboard/server.ts";
import { checkLabDir, defaultStateDir, EMBEDDED_LAB, labUsers, prepareState } from "./files.ts";
import { makePlan, type LabPlan, type PortNeed } from "./plan.ts";
import { formatProblems, probePorts } from "./probe.ts";
import { Supervisor, type ServiceState } from "./supervisor.ts";

/**
 * `netsvc up`: prepare the state folder, check the configs and every port, start DNS, NFS and the
 * workers, then the balancer, then the stats listener with the dashboard; print the endpoints; on
 * SIGINT/SIGTERM stop everything; on SIGHUP check the configs and have the services reload them.
 * A failure while starting stops what started and exits 1.
 */
export interface UpOptions {
  dir?: string;
  state?: string;
  offset: number;
  users: string[];
  out?: (text: string) => void;
  err?: (text: string) => void;
}

export interface RunningLab {
  /** The plan in force (a reload replaces it). */
  plan: LabPlan;
  supervisor: Supervisor;
  dashboard: Server | undefined;
  stop(): Promise<void>;
  /**
   * SIGHUP: check every lab config again; when valid and the ports are the same, rewrite the
   * generated files and have DNS, NFS and the balancer reload theirs (each validates, then swaps,
   * and logs what changed). Resolves with what was done; rejects with the reason nothing changed
   * (ConfigErrors with file:line, or ports that need a restart).
   */
  reload(): Promise<string>;
}

/** The services that read a config file (the workers have none). */
const RELOADABLE = ["dns", "nfs", "lb"];

function portsKey(plan: LabPlan): string {
  return JSON.stringify(plan.ports.map((p) => `${p.proto} ${p.host} ${p.port} ${p.what}`).sort());
}

const MAX_PORT = 65535;

function shifted(ports: readonly PortNeed[], by: number): PortNeed[] {
  return ports.map((p) => ({ ...p, port: p.port === 0 ? 0 : p.port + by }));
}

/** A --port-offset (multiple of 10000) under which every port is free now, if any. */
async function suggestOffset(plan: LabPlan): Promise<number | undefined> {
  const highest = Math.max(...plan.ports.map((p) => p.port)) - plan.offset;
  for (let n = 10000; highest + n <= MAX_PORT; n += 10000) {
    if (n === plan.offset) continue;
    if ((await probePorts(shifted(plan.ports, n - plan.offset))).length === 0) return n;
  }
  return undefined;
}

export async function startLab(o: UpOptions): Promise<RunningLab> {
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  const labDir = o.dir !== undefined ? checkLabDir(o.dir) : EMBEDDED_LAB;
  const stateDir = o.state ?? defaultStateDir();
  const users = labUsers(o.users);
  prepareState(stateDir, labDir, users);
  const plan = await makePlan({ labDir, stateDir, offset: o.offset, users });
  const highest = Math.max(...plan.ports.map((p) => p.port));
  if (highest > MAX_PORT)
    throw new NetsvcError("EUSAGE", `--port-offset ${o.offset} moves port ${highest - o.offset} past 65535`);

  const problems = await probePorts(plan.ports);
  if (problems.length > 0)
    throw new NetsvcError("EPORTS", formatProblems(problems, o.offset, await suggestOffset(plan)).trimEnd());

  const sup = new Supervisor({
    logDir: `${stateDir}/logs`,
    out: (line) => out(`${line}\n`),
    onCrash: (s: ServiceState) =>
      out(
        `[lab] ${s.spec.name} stopped unexpectedly (${s.exit?.signal ?? `exit code ${s.exit?.code}`}); ` +
          `the other services keep running. Its log: ${s.logFile}\n`,
      ),
  });
  let dashboard: Server | undefined;
  let current = plan;
  const stop = async (): Promise<void> => {
    const closing = dashboard === undefined ? Promise.resolve() : closeServer(dashboard);
    await Promise.all([sup.stopAll(), closing]);
  };
  try {
    const [dns, nfs, workers, lb] = plan.services;
    await Promise.all([dns!, nfs!, workers!].map((s) => sup.start(s)));
    await sup.start(lb!);
    if (plan.stats !== undefined) {
      const d = await startDashboard({
        endpoint: { host: plan.stats.host, port: plan.stats.port },
        snapshot: () => collect(current, sup),
        upstream: () => lbStatsBase(current, sup),
      });
      dashboard = d.server;
    }
  } catch (err) {
    await stop();
    throw new NetsvcError(
      "ESTART",
      `cannot start the lab, stopped what had started: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  out(banner(plan, plan.stats));
  const planOpts = { labDir, stateDir, offset: o.offset, users };
  const lab: RunningLab = {
    plan,
    supervisor: sup,
    dashboard,
    stop,
    reload: async () => {
      const next = await makePlan({ ...planOpts, dryRun: true });
      if (portsKey(next) !== portsKey(current))
        throw new NetsvcError(
          "ERELOAD",
          "the configs move ports (listen/bind addresses or ports): restart `netsvc up` for that; nothing was reloaded",
        );
      current = await makePlan(planOpts);
      lab.plan = current;
      const asked: string[] = [];
      for (const name of RELOADABLE) {
        const s = sup.services.get(name);
        if (s?.status === "running" && s.child.kill("SIGHUP")) asked.push(name);
      }
      return `configs valid; reloading ${asked.join(", ") || "nothing (no service running)"}`;
    },
  };
  return lab;
}

function closeServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}

/** The command: start, then stop cleanly on SIGINT/SIGTERM and exit 0. */
export async function runLab(o: UpOptions): Promise<void> {
  const lab = await startLab(o);
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${sig}: stopping the lab...\n`);
    lab.stop().then(
      () => {
        process.stdout.write("lab stopped\n");
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`netsvc up: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", () => {
    if (stopping) return;
    lab.reload().then(
      (what) => process.stdout.write(`[lab] SIGHUP: ${what}\n`),
      (err: unknown) => {
        const text =
          err instanceof ConfigErrors ? err.errors.map((e) => e.toString()).join("\n  ") : String(err);
        process.stdout.write(`[lab] SIGHUP: reload refused, the lab keeps running as it was:\n  ${text}\n`);
      },
    );
  });
}
