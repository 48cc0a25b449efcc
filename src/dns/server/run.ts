import cluster, { type Worker } from "node:cluster";
import { ConfigErrors } from "../../lib/errors.ts";
import { installSignalHandlers } from "../../lib/lifecycle.ts";
import type { Logger } from "../../lib/log.ts";
import { buildNamedConf } from "../config/build.ts";
import { startStatsChannels, type StatsChannels } from "../stats/channel.ts";
import { STATS, sumSnapshots, type StatsSnapshot } from "../stats/counters.ts";
import { DnsServer, type DnsServerOptions, type ReadyEndpoint } from "./service.ts";

/**
 * Process model. With one worker the server runs in this process. With N > 1 (node:cluster) this
 * process is a small supervisor that holds no zones: it checks named.conf, starts the workers one
 * after the other (each binds the same endpoints: the cluster shares one socket per address, so
 * port 0 resolves once), logs the ready line when all are serving, forwards SIGHUP as a reload
 * message, restarts a worker that dies, and on SIGTERM stops them all and exits 0.
 *
 * Messages: worker -> primary {cmd:"ready", endpoints}, and every second {cmd:"stats", snapshot}
 * (the primary serves statistics-channels with the sum); primary -> worker {cmd:"reload"}.
 */
export interface RunOptions extends DnsServerOptions {
  workers: number;
}

interface ReadyMsg {
  cmd: "ready";
  endpoints: ReadyEndpoint[];
}

function isReady(m: unknown): m is ReadyMsg {
  return typeof m === "object" && m !== null && (m as { cmd?: unknown }).cmd === "ready";
}

async function runSingle(opts: RunOptions): Promise<void> {
  // NOTIFY goes out from one process only: the first worker of a cluster
  const svc = new DnsServer({ ...opts, notifier: !cluster.isWorker || cluster.worker?.id === 1 });
  const endpoints = await svc.start();
  const local = (): StatsSnapshot => localSnapshot(svc);
  // statistics-channels: served by the process that logs the ready line (workers report upward)
  const stats = cluster.isWorker ? undefined : await startStats(opts, local);
  installSignalHandlers(
    {
      reload: () => svc.reload(),
      stop: async () => {
        await stats?.close();
        await svc.stop();
      },
    },
    opts.log,
  );
  if (cluster.isWorker) {
    setInterval(() => process.send?.({ cmd: "stats", snapshot: local() }), STATS_INTERVAL_MS).unref();
    process.on("message", (m: unknown) => {
      if (typeof m === "object" && m !== null && (m as { cmd?: unknown }).cmd === "reload")
        process.emit("SIGHUP", "SIGHUP");
    });
    process.send?.({ cmd: "ready", endpoints } satisfies ReadyMsg);
  } else {
    opts.log.info("ready", { endpoints: [...endpoints, ...(stats?.endpoints ?? [])], workers: 1 });
  }
}

function startWorker(log: Logger): Promise<{ worker: Worker; endpoints: ReadyEndpoint[] }> {
  const worker = cluster.fork({ NETSVC_DNS_WORKER: "1" });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`worker exited with code ${code} while starting`));
    worker.once("exit", onExit);
    worker.on("message", (m: unknown) => {
      if (!isReady(m)) return;
      worker.off("exit", onExit);
      log.debug("worker ready", { worker: worker.id, pid: worker.process.pid });
      resolve({ worker, endpoints: m.endpoints });
    });
  });
}

async function runPrimary(opts: RunOptions): Promise<void> {
  const { log } = opts;
  const check = buildNamedConf(opts.configFile);
  if (check.conf === undefined) throw new ConfigErrors(check.errors);
  const workers = new Set<Worker>();
  let stopping = false;
  let endpoints: ReadyEndpoint[] = [];
  // the workers' latest counters, by worker id (kept after a worker exits, so totals never drop)
  const workerStats = new Map<number, StatsSnapshot>();
  const watch = (w: Worker): void => {
    workers.add(w);
    w.on("message", (m: unknown) => {
      const snap = (m as { cmd?: unknown; snapshot?: StatsSnapshot } | null)?.snapshot;
      if ((m as { cmd?: unknown } | null)?.cmd === "stats" && snap !== undefined) workerStats.set(w.id, snap);
    });
    w.once("exit", (code, signal) => {
      workers.delete(w);
      if (stopping) return;
      log.error("worker died, starting another", { pid: w.process.pid, code, signal });
      startWorker(log).then(
        (r) => watch(r.worker),
        (err: unknown) => log.error("could not restart a worker", { error: String(err) }),
      );
    });
  };
  try {
    for (let i = 0; i < opts.workers; i++) {
      const r = await startWorker(log);
      watch(r.worker);
      if (i === 0) endpoints = r.endpoints;
    }
  } catch (err) {
    stopping = true;
    for (const w of workers) w.kill("SIGTERM");
    log.error("could not start the workers", { error: String(err) });
    process.exitCode = 1;
    return;
  }
  const stats = await startStats(opts, () => sumSnapshots([...workerStats.values()]));
  installSignalHandlers(
    {
      reload: () => {
        // Validate here first so an invalid named.conf is reported once and no worker sees it.
        const c = buildNamedConf(opts.configFile);
        if (c.conf === undefined) return Promise.reject(new ConfigErrors(c.errors));
        for (const w of workers) w.send({ cmd: "reload" });
        return Promise.resolve();
      },
      stop: () => {
        stopping = true;
        void stats?.close();
        const exits = [...workers].map((w) => new Promise<void>((res) => w.once("exit", () => res())));
        for (const w of workers) w.kill("SIGTERM");
        return Promise.all(exits).then(() => undefined);
      },
    },
    log,
  );
  log.info("ready", { endpoints: [...endpoints, ...(stats?.endpoints ?? [])], workers: opts.workers });
}

const STATS_INTERVAL_MS = 1000;

/** This process's counters, with the resolver cache's size as gauges. */
function localSnapshot(svc: DnsServer): StatsSnapshot {
  const snap = STATS.snapshot();
  const c = svc.resolvers.current?.cache.stats();
  if (c !== undefined)
    snap.gauges = {
      netsvc_dns_cache_entries: c.entries,
      netsvc_dns_cache_bytes: c.bytes,
      netsvc_dns_cache_evictions: c.evictions,
    };
  return snap;
}

/** Open the statistics-channels of named.conf (none: undefined). */
async function startStats(
  opts: RunOptions,
  snapshot: () => StatsSnapshot,
): Promise<StatsChannels | undefined> {
  const conf = buildNamedConf(opts.configFile).conf;
  if (conf === undefined || conf.options.recursionConf.statisticsChannels.length === 0) return undefined;
  return startStatsChannels(conf, snapshot, opts.log);
}

export async function runDns(opts: RunOptions): Promise<void> {
  if (cluster.isWorker) {
    try {
      await runSingle({ ...opts, log: opts.log.child({ worker: cluster.worker?.id }) });
    } catch (err) {
      // Let the process end once the error is printed (the IPC channel would keep it alive).
      process.disconnect();
      throw err;
    }
    return;
  }
  if (opts.workers <= 1) {
    await runSingle(opts);
    return;
  }
  // Secondary zones are transferred, written and expired by one process: no cluster for them.
  const conf = buildNamedConf(opts.configFile).conf;
  if (conf?.zones.some((z) => z.type === "secondary")) {
    opts.log.info("secondary zones configured: serving from one process (--workers ignored)");
    await runSingle(opts);
    return;
  }
  await runPrimary(opts);
}
