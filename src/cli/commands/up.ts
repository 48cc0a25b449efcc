import type { Command } from "commander";
import { NetsvcError } from "../../lib/errors.ts";

/**
 * `netsvc up [--dir DIR] [--init DIR] [--port-offset N] [--users a,b] [--state DIR]`: the whole lab
 * (DNS, NFS, the balancer and its stats with the lab dashboard, six workers); see docs/up.md.
 */
export function registerUp(program: Command): void {
  program
    .command("up")
    .description("run the whole lab: DNS, NFS, load balancer + stats/dashboard, workers (docs/up.md)")
    .option("--dir <dir>", "run the lab files of DIR (made by --init) instead of the embedded ones")
    .option("--init <dir>", "write the lab files to DIR for editing, then exit")
    .option(
      "--port-offset <n>",
      "add N to every port (53 -> 53+N, ...): 10000 runs without root (default: $NETSVC_PORT_OFFSET or 0)",
      process.env.NETSVC_PORT_OFFSET ?? "0",
    )
    .option("--users <names>", "comma-separated users, each with a private NFS export", "student")
    .option("--state <dir>", "where data, generated configs and logs go (default ~/.local/state/netsvc/lab)")
    .action(async (o: { dir?: string; init?: string; portOffset: string; users: string; state?: string }) => {
      if (o.init !== undefined) {
        if (o.dir !== undefined) throw new NetsvcError("EUSAGE", "--init and --dir do not go together");
        const { initLabDir } = await import("../../lab/files.ts");
        const files = initLabDir(o.init);
        process.stdout.write(
          `wrote ${files.join(", ")} to ${o.init}\nedit them, then run: netsvc up --dir ${o.init}\n`,
        );
        return;
      }
      if (!/^\d+$/.test(o.portOffset) || Number(o.portOffset) > 65000)
        throw new NetsvcError(
          "EUSAGE",
          `--port-offset must be an integer from 0 to 65000, not '${o.portOffset}'`,
        );
      const { parseUsers } = await import("../../lab/files.ts");
      const { runLab } = await import("../../lab/run.ts");
      await runLab({
        offset: Number(o.portOffset),
        users: parseUsers(o.users),
        ...(o.dir !== undefined ? { dir: o.dir } : {}),
        ...(o.state !== undefined ? { state: o.state } : {}),
      });
    });
}
