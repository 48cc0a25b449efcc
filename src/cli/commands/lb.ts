import cluster from "node:cluster";
import type { Command } from "commander";
import { NetsvcError } from "../../lib/errors.ts";
import { installSignalHandlers } from "../../lib/lifecycle.ts";
import { createLogger } from "../../lib/log.ts";

/**
 * `netsvc lb -f haproxy.cfg [--workers N]`: the HAProxy-compatible balancer. Logs JSON lines
 * (ready line with every bound endpoint); request logs (`log stdout` + `option httplog|tcplog`) are
 * printed in HAProxy's own format. SIGHUP reloads, SIGTERM drains and exits 0.
 */
export function registerLb(program: Command): void {
  program
    .command("lb")
    .description("HTTP/TCP load balancer configured with a haproxy.cfg file")
    .requiredOption("-f, --file <haproxy.cfg>", "configuration file (HAProxy syntax)")
    .option("-w, --workers <n>", "processes sharing the listeners (like HAProxy's nbthread)", "1")
    .action(async (o: { file: string; workers: string }) => {
      const workers = Number(o.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64)
        throw new NetsvcError("EUSAGE", `--workers must be an integer from 1 to 64, not '${o.workers}'`);
      const log = createLogger({ service: "lb" });
      if (process.env.NETSVC_LB_WORKER === "1" && cluster.isWorker) {
        const { runWorker } = await import("../../lb/server/worker.ts");
        return runWorker(o.file, log);
      }
      if (workers > 1) {
        const { runPrimary } = await import("../../lb/server/cluster.ts");
        return runPrimary(o.file, workers, log);
      }
      const { LbRuntime } = await import("../../lb/server/runtime.ts");
      const { runtimeHooks } = await import("../../lb/server/hooks.ts");
      const rt = new LbRuntime(o.file, { log, ...runtimeHooks(log) });
      const endpoints = await rt.start();
      log.info("ready", { endpoints });
      installSignalHandlers(rt, log);
    });
}
