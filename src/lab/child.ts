/**
 * Entry of every service process `netsvc up` forks: the netsvc CLI with the service's command
 * (`child.js dns -c named.conf ...` runs `netsvc dns -c named.conf ...`), plus one rule: a service
 * whose lab is gone (the IPC channel closed: the lab exited or was killed) stops as on SIGTERM.
 */
import { fileURLToPath } from "node:url";

const main = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "../cli/main.ts" : "../cli/main.js", import.meta.url),
);
process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
// The channel only carries the lab's questions: it must not keep a stopped service alive.
process.channel?.unref();
process.argv = [process.argv[0]!, main, ...process.argv.slice(2)];
await import("../cli/main.ts");
