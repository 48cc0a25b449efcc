import type { Command } from "commander";
import { NetsvcError } from "../../lib/errors.ts";
import { installSignalHandlers } from "../../lib/lifecycle.ts";
import { createLogger } from "../../lib/log.ts";

/** `netsvc workers [-n 6] [--base-port 8080] [--listen 127.0.0.1]` — the lab's demo backend. */
export function registerWorkers(program: Command): void {
  program
    .command("workers")
    .description(
      "start N demo HTTP workers (separate processes) answering 'Hello, I am ID n'; GET /crash kills one",
    )
    .option("-n, --count <n>", "number of workers", "6")
    .option("--base-port <port>", "worker i listens on base-port + i (0: any free port)", "8080")
    .option("--listen <addr>", "address to listen on", "127.0.0.1")
    .action(async (o: { count: string; basePort: string; listen: string }) => {
      const count = Number(o.count);
      const basePort = Number(o.basePort);
      if (!Number.isInteger(count) || count < 1 || count > 1000)
        throw new NetsvcError("EUSAGE", `invalid worker count '${o.count}' (1-1000)`);
      if (!Number.isInteger(basePort) || basePort < 0 || basePort + count - 1 > 65535)
        throw new NetsvcError("EUSAGE", `invalid base port '${o.basePort}'`);
      const log = createLogger({ service: "workers" });
      const { startWorkers } = await import("../../workers/index.ts");
      const w = await startWorkers({ count, basePort, host: o.listen }, log);
      installSignalHandlers(
        {
          reload: () => Promise.resolve(),
          stop: () => w.stop(),
        },
        log,
      );
      // Stay alive (and keep our PID) after every worker crashed, like the lab's workers.js.
      setInterval(() => undefined, 1 << 30);
      log.info("ready", {
        endpoints: w.workers.map((x) => ({
          proto: "tcp",
          host: x.host,
          port: x.port,
          role: "worker",
          id: x.id,
          pid: x.pid,
        })),
      });
    });
}
