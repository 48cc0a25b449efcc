import cluster, { type Worker } from "node:cluster";
import type { Logger } from "../../lib/log.ts";
import { installSignalHandlers } from "../../lib/lifecycle.ts";
import { loadConfig } from "../config/index.ts";
import { Hub } from "./hub.ts";
import type { PrimaryMessage, WorkerMessage } from "./messages.ts";

export type { PrimaryMessage, WorkerMessage } from "./messages.ts";

/**
 * `--workers N` (N > 1): N processes share every listening socket (node:cluster, the primary
 * handing connections out round-robin), like HAProxy's nbthread. The primary validates the file,
 * forks, prints one ready line when every worker listens, relays SIGHUP as a "reload" message after
 * validating the new file (a bad file is reported and nobody changes), re-forks a worker that dies,
 * and on SIGTERM asks each worker to drain and waits for them.
 *
 * The N workers act as one balancer through the primary (hub.ts, shared.ts): one worker runs the
 * health checks and the others apply its results, admin changes reach every worker, and the stats
 * served by any worker add up the counters of all of them.
 */

export function runPrimary(file: string, workers: number, log: Logger): Promise<void> {
  loadConfig(file); // throws ConfigErrors: exit 1 before forking anything
  // Round-robin hand-out by the primary keeps the workers' connection counts even (the kernel's
  // accept wake-ups do not: one worker could take most of a benchmark's 64 keep-alive connections
  // and double the tail latency). It costs one IPC message per new connection, not per request.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  // A larger young generation: fewer scavenges for the proxy's short-lived per-request objects
  // (measured: about 20% less CPU per proxied request).
  cluster.setupPrimary({ execArgv: [...process.execArgv, "--max-semi-space-size=16"] });
  let stopping = false;
  let readyCount = 0;
  let announced = false;
  const hub = new Hub({
    send: (id, m) => {
      const w = cluster.workers?.[id];
      // A worker exiting: the message is for nobody (its exit is handled by hub.exit).
      if (w !== undefined && w.isConnected()) w.send(m, () => undefined);
    },
    now: Date.now,
    setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  });
  return new Promise((resolve, reject) => {
    // Each worker has a slot 0..N-1 (its place in the shared rotation, engine BalanceEnv.share); a
    // replacement takes the slot of the worker it replaces.
    const slots = new Map<number, number>();
    const fork = (slot: number): Worker => {
      const w = cluster.fork({
        NETSVC_LB_WORKER: "1",
        NETSVC_LB_SLOT: String(slot),
        NETSVC_LB_WORKERS: String(workers),
      });
      slots.set(w.id, slot);
      w.on("message", (m: WorkerMessage) => {
        hub.onMessage(w.id, m);
        if (m.type === "ready" && !announced && ++readyCount === workers) {
          announced = true;
          log.info("ready", { endpoints: m.endpoints, workers });
          resolve();
        } else if (m.type === "fatal" && !announced) {
          stopping = true;
          for (const x of Object.values(cluster.workers ?? {})) x?.kill();
          reject(new Error(m.error));
        } else if (m.type === "reloaded" && !m.ok) log.error("worker reload failed", { error: m.error });
      });
      return w;
    };
    for (let i = 0; i < workers; i++) fork(i);
    cluster.on("exit", (w, code, signal) => {
      hub.exit(w.id);
      const slot = slots.get(w.id) ?? 0;
      slots.delete(w.id);
      if (stopping) return;
      log.warn("worker exited, starting another", { pid: w.process.pid, code, signal });
      fork(slot);
    });
    installSignalHandlers(
      {
        reload: () => {
          loadConfig(file);
          for (const w of Object.values(cluster.workers ?? {}))
            w?.send({ type: "reload" } satisfies PrimaryMessage);
          return Promise.resolve();
        },
        stop: async () => {
          stopping = true;
          const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
          await Promise.all(
            alive.map(
              (w) =>
                new Promise<void>((r) => {
                  if (w.isDead()) return r();
                  w.once("exit", () => r());
                  w.send({ type: "stop" } satisfies PrimaryMessage);
                }),
            ),
          );
        },
      },
      log,
    );
  });
}
