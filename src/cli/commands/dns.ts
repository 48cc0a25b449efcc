import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { NetsvcError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";

/**
 * `netsvc dns -c named.conf [--listen ADDR] [--port N] [--workers N]`: the authoritative DNS server.
 * Flags override named.conf: --listen replaces listen-on/listen-on-v6 (repeatable, or a comma list;
 * ADDR may carry a port), --port replaces every port (0 = pick a free one). --workers N runs N
 * processes sharing the sockets (see src/dns/server/run.ts).
 */
function parseIntOption(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
      throw new NetsvcError("EUSAGE", `${name} must be an integer from ${min} to ${max}, not '${v}'`);
    return Number(v);
  };
}

/**
 * One process by default: measured on 2 CPUs (docs/dns.md), two processes sharing a socket cost
 * 1.4-1.8x BIND's CPU per query against 1.0-1.2x for one, and twice the memory. --workers 2 pays
 * off where a second core is otherwise idle (clients on other hosts).
 */
export const DEFAULT_WORKERS = 1;

export function registerDns(program: Command): void {
  program
    .command("dns")
    .description("authoritative DNS server configured by a BIND named.conf (UDP and TCP)")
    .requiredOption("-c, --config <file>", "named.conf to load")
    .option(
      "--listen <addr>",
      "listen on ADDR (or ADDR:PORT, [V6]:PORT) instead of listen-on/listen-on-v6; repeatable",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(",").filter((x) => x !== "")],
    )
    .option(
      "--port <n>",
      "port for every listen address (0 = any free port)",
      parseIntOption("--port", 0, 65535),
    )
    .option(
      "--workers <n>",
      `processes answering queries, sharing the sockets (default ${DEFAULT_WORKERS}; at most ${availableParallelism()} are useful here)`,
      parseIntOption("--workers", 1, 64),
    )
    .action(async (o: { config: string; listen?: string[]; port?: number; workers?: number }) => {
      const log = createLogger({ service: "dns" });
      const { runDns } = await import("../../dns/server/run.ts");
      const { withLabStats } = await import("../../dns/server/lab-stats.ts");
      await runDns(
        withLabStats({
          configFile: o.config,
          log,
          workers: o.workers ?? DEFAULT_WORKERS,
          ...(o.listen !== undefined ? { listen: o.listen } : {}),
          ...(o.port !== undefined ? { port: o.port } : {}),
        }),
      );
    });
}
