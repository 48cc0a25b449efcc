import type { Command } from "commander";
import { NetsvcError } from "../../lib/errors.ts";
import { installSignalHandlers } from "../../lib/lifecycle.ts";
import { createLogger } from "../../lib/log.ts";

/**
 * `netsvc nfs -e exports [--root DIR] [--listen ADDR] [--port 2049] [--mount-port 20048]
 *  [--portmap-port 111|0]` — NFSv3, MOUNT and a port mapper (see docs/nfs.md).
 */
function port(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) > 65535)
      throw new NetsvcError("EUSAGE", `${name}: '${v}' is not a port number (0-65535)`);
    return Number(v);
  };
}

interface NfsCliOptions {
  exports: string;
  root: string;
  listen: string;
  port: number;
  mountPort: number;
  portmapPort: number;
}

export function registerNfs(program: Command): void {
  program
    .command("nfs")
    .description("serve NFSv3 and MOUNT (with a port mapper) from an exports(5) file")
    .requiredOption("-e, --exports <file>", "exports file (man 5 exports syntax)")
    .option("--root <dir>", "resolve export paths under this directory", "/")
    .option("--listen <addr>", "address to listen on", "0.0.0.0")
    .option("--port <n>", "NFS port (TCP and UDP; 0 = any)", port("--port"), 2049)
    .option("--mount-port <n>", "MOUNT port (TCP and UDP; 0 = any)", port("--mount-port"), 20048)
    .option(
      "--portmap-port <n>",
      "run a port mapper on this port; 0 = register with the system rpcbind on 111 instead (or none)",
      port("--portmap-port"),
      111,
    )
    .action(async (o: NfsCliOptions) => {
      const log = createLogger({ service: "nfs" });
      const { createNfsV3 } = await import("../../nfs/v3/index.ts");
      const { NfsServer } = await import("../../nfs/server/server.ts");
      const { withLabStats } = await import("../../nfs/server/lab-stats.ts");
      await NfsServer.start(
        withLabStats({
          exportsFile: o.exports,
          root: o.root,
          host: o.listen,
          nfsPort: o.port,
          mountPort: o.mountPort,
          portmapPort: o.portmapPort,
          log,
          createNfs: createNfsV3,
          // Before the ready line: a SIGTERM right after it must drain, not kill.
          beforeReady: (server) => installSignalHandlers(server, log),
        }),
      );
    });
}
