import type { Command } from "commander";

/**
 * `netsvc ports [--json]`: the listening TCP and UDP sockets, like `netstat -plunt`, with the
 * /etc/services name of each port and netsvc's own servers marked (docs/ports.md).
 */
export function registerPorts(program: Command): void {
  program
    .command("ports")
    .description("list listening TCP/UDP sockets with their process and service (like netstat -plunt)")
    .option("--json", "print a JSON array of objects instead of the table")
    .action(async (o: { json?: boolean }) => {
      const { formatJson, formatTable, INCOMPLETE_NOTE } = await import("../../ports/format.ts");
      const { scanListeners } = await import("../../ports/scan.ts");
      const { listeners, incomplete } = scanListeners();
      // netstat's note, on stderr so that the table and the JSON stay clean.
      if (incomplete) process.stderr.write(INCOMPLETE_NOTE);
      process.stdout.write(o.json === true ? formatJson(listeners) : formatTable(listeners));
    });
}
