import cluster, { type Worker } from "node:cluster";
import { ConfigErrors } from "../../lib/errors.ts";
import { installSignalHandlers } from "../../lib/lifecycle.ts";
import type { Logger } from "../../lib/log.ts";
import { buildNamedConf } from "../config/build.ts";
import { DnsServer, type DnsServerOptions, type ReadyEndpoint } from "./service.ts";

/**
 * Process model. With one worker the server runs in this process. With N > 1 (node:cluster) this
 * process is a small supervisor that holds no zones: it checks named.conf, starts the workers one
 * after the other (each binds the same endpoints: the cluster shares one socket per address, so
 * port 0 resolves once), logs the ready line when all are serving, forwards SIGHUP as a reload
 * message, restarts a worker that dies, and on SIGTERM stops them all and exits 0.
 *
 * Messages: worker -> primary {cmd:"ready", endpoints}; primary -> worker {cmd:"reload"}.
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
  installSignalHandlers(svc, opts.log);
  if (cluster.isWorker) {
    process.on("message", (m: unknown) => {
      if (typeof m === "object" && m !== null && (m as { cmd?: unknown }).cmd === "reload")
        process.emit("SIGHUP", "SIGHUP");
    });
    process.send?.({ cmd: "ready", endpoints } satisfies ReadyMsg);
  } else {
    opts.log.info("ready", { endpoints, workers: 1 });
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
  const watch = (w: Worker): void => {
    workers.add(w);
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
        const exits = [...workers].map((w) => new Promise<void>((res) => w.once("exit", () => res())));
        for (const w of workers) w.kill("SIGTERM");
        return Promise.all(exits).then(() => undefined);
      },
    },
    log,
  );
  log.info("ready", { endpoints, workers: opts.workers });
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
