import { fork, type ChildProcess } from "node:child_process";
import type { Socket } from "node:dgram";
import type { Server } from "node:net";
import { installSignalHandlers } from "../../lib/lifecycle.ts";
import type { Logger } from "../../lib/log.ts";
import { buildNamedConf } from "../config/build.ts";
import { startStatsChannels, type StatsChannels } from "../stats/channel.ts";
import { STATS, sumSnapshots, type StatsSnapshot } from "../stats/counters.ts";
import type { ReplEvent } from "./replication.ts";
import { DnsServer, type DnsServerOptions } from "./service.ts";
import type { ServerView } from "../view.ts";

/**
 * Process model. Node 20's dgram has no SO_REUSEPORT, so several processes answer on one port by
 * sharing the same sockets: this process loads the zones, binds every endpoint and serves; with
 * `--workers N` it also forks N-1 worker processes that load the zones themselves and receive the
 * bound sockets over IPC (child_process handle passing). The kernel hands each datagram and each
 * TCP connection to whichever process reads first. No idle supervisor: every process answers.
 *
 * The first process forwards SIGHUP to the workers as a reload message (each validates and swaps on
 * its own; a bad named.conf is reported by each and changes nothing), restarts a worker that dies,
 * and on SIGTERM stops them and itself, then exits 0. A worker whose parent is gone stops.
 *
 * IPC: worker -> parent {cmd:"loaded"} then {cmd:"ready"}, and every second {cmd:"stats",
 * snapshot} (the parent serves statistics-channels with the sum); parent -> worker {cmd:"adopt",
 * kind} with a socket handle (once per socket, in order), {cmd:"go"}, {cmd:"reload"}.
 *
 * Replication (replication.ts): NOTIFY goes out from the parent only; secondary zones are
 * transferred, written and expired by the parent, and the workers reload their file when told
 * ({cmd:"secondary"}) and pass the NOTIFYs they receive up ({cmd:"notify"}). A secondary zone
 * without a `file` cannot be shared that way: then no workers are started.
 */
export interface RunOptions extends DnsServerOptions {
  workers: number;
  /**
   * Called in the first process once it serves: the counters of every process (the sum the
   * statistics channel shows) and the view in force. The lab's dashboard hook reads them.
   */
  onServing?: (s: { snapshot: () => StatsSnapshot; view: () => ServerView | undefined }) => void;
}

const CHILD_ENV = "NETSVC_DNS_WORKER";

interface Msg {
  cmd?: string;
  kind?: "udp" | "tcp";
  snapshot?: StatsSnapshot;
}

function asMsg(m: unknown): Msg {
  return typeof m === "object" && m !== null ? m : {};
}

/** Fork one worker, wait until it has loaded the zones, hand it the sockets, wait until it serves. */
function startWorker(
  handles: { kind: "udp" | "tcp"; handle: Socket | Server }[],
  log: Logger,
): Promise<ChildProcess> {
  const child = fork(process.argv[1] as string, process.argv.slice(2), {
    env: { ...process.env, [CHILD_ENV]: "1" },
    stdio: "inherit",
  });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`worker exited with code ${code} while starting`));
    child.once("exit", onExit);
    child.on("message", (raw: unknown) => {
      const m = asMsg(raw);
      if (m.cmd === "loaded") {
        for (const h of handles) child.send({ cmd: "adopt", kind: h.kind }, h.handle);
        child.send({ cmd: "go" });
      } else if (m.cmd === "ready") {
        child.off("exit", onExit);
        log.debug("worker ready", { pid: child.pid });
        resolve(child);
      }
    });
  });
}

/** A worker: load, adopt the parent's sockets, serve until told to stop or orphaned. */
async function runWorker(opts: RunOptions): Promise<void> {
  const log = opts.log.child({ worker: process.pid });
  const svc = new DnsServer({
    ...opts,
    log,
    notifier: false,
    follower: true,
    onReplication: (e) => process.send?.(e),
  });
  await svc.load();
  setInterval(
    () => process.send?.({ cmd: "stats", snapshot: localSnapshot(svc) }),
    STATS_INTERVAL_MS,
  ).unref();
  installSignalHandlers(svc, log);
  process.on("message", (raw: unknown, handle: unknown) => {
    const m = asMsg(raw);
    if (m.cmd === "adopt" && m.kind !== undefined && handle !== undefined)
      svc.adopt(m.kind, handle as Socket | Server);
    else if (m.cmd === "go") process.send?.({ cmd: "ready" });
    else if (m.cmd === "reload") process.emit("SIGHUP", "SIGHUP");
    else if (m.cmd === "secondary") void svc.replicationEvent(raw as ReplEvent);
  });
  process.once("disconnect", () => process.emit("SIGTERM", "SIGTERM"));
  process.send?.({ cmd: "loaded" });
}

async function runParent(opts: RunOptions): Promise<void> {
  const { log } = opts;
  const workers = new Set<ChildProcess>();
  // a transfer landed or a zone expired: the workers reload it from its file
  const svc = new DnsServer({ ...opts, onReplication: (e) => workers.forEach((w) => w.send(e)) });
  const endpoints = await svc.start();
  const handles = svc.handles();
  let stopping = false;
  // the workers' latest counters, by pid (kept after a worker exits, so totals never drop)
  const workerStats = new Map<number, StatsSnapshot>();
  const watch = (c: ChildProcess): void => {
    workers.add(c);
    c.on("message", (raw: unknown) => {
      const m = asMsg(raw);
      if (m.cmd === "stats" && m.snapshot !== undefined && c.pid !== undefined)
        workerStats.set(c.pid, m.snapshot);
      // a NOTIFY a worker received: the transfers are this process's business
      else if (m.cmd === "notify") void svc.replicationEvent(raw as ReplEvent);
    });
    c.once("exit", (code, signal) => {
      workers.delete(c);
      if (stopping) return;
      log.error("worker died, starting another", { pid: c.pid, code, signal });
      startWorker(handles, log).then(watch, (err: unknown) =>
        log.error("could not restart a worker", { error: String(err) }),
      );
    });
  };
  try {
    for (let i = 1; i < opts.workers; i++) watch(await startWorker(handles, log));
  } catch (err) {
    stopping = true;
    for (const w of workers) w.kill("SIGTERM");
    await svc.stop();
    throw err;
  }
  const total = (): StatsSnapshot => sumSnapshots([localSnapshot(svc), ...workerStats.values()]);
  const stats = await startStats(opts, total);
  opts.onServing?.({ snapshot: total, view: () => svc.currentView });
  installSignalHandlers(
    {
      reload: async () => {
        await svc.reload();
        for (const w of workers) w.send({ cmd: "reload" });
      },
      stop: async () => {
        stopping = true;
        await stats?.close();
        const exits = [...workers].map((w) => new Promise<void>((res) => w.once("exit", () => res())));
        for (const w of workers) w.kill("SIGTERM");
        await Promise.all([svc.stop(), ...exits]);
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
  if (process.env[CHILD_ENV] === "1" && process.send !== undefined) {
    try {
      await runWorker(opts);
    } catch (err) {
      // Let the process end once the error is printed (the IPC channel would keep it alive).
      process.disconnect();
      throw err;
    }
    return;
  }
  const noFile = (z: { type: string; file: string }): boolean => z.type === "secondary" && z.file === "";
  if (opts.workers > 1 && buildNamedConf(opts.configFile).conf?.zones.some(noFile)) {
    opts.log.info("a secondary zone has no 'file' to share: serving from one process (--workers ignored)");
    await runParent({ ...opts, workers: 1 });
    return;
  }
  await runParent(opts);
}
