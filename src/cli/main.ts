#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ConfigErrors, ConfigError, NetsvcError } from "../lib/errors.ts";
import { registerCheck } from "./commands/check.ts";
import { registerPorts } from "./commands/ports.ts";
import { registerDns } from "./commands/dns.ts";
import { registerWorkers } from "./commands/workers.ts";
import { registerLb } from "./commands/lb.ts";
import { registerNfs } from "./commands/nfs.ts";
import { registerUp } from "./commands/up.ts";

/**
 * The CLI contract (DESIGN.md): exit 0 ok, 1 invalid config or runtime failure, 2 usage error.
 * Each command lives in ./commands/<name>.ts and registers itself on the program; a command
 * imports its service only when it runs (`await import(...)` in its action), so that
 * `netsvc dns` does not load and keep the balancer, NFS and lab code: 14 MB of RSS.
 */
const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command("netsvc")
    .description("The classic networked services of a Linux server: DNS, load balancer, NFS, demo workers")
    .version(pkg.version, "-V, --version")
    .showHelpAfterError()
    .exitOverride();
  registerCheck(program);
  registerPorts(program);
  registerDns(program);
  registerWorkers(program);
  registerLb(program);
  registerNfs(program);
  registerUp(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (err.exitCode === 0 || err.code === "commander.helpDisplayed" || err.code === "commander.version")
        return 0;
      return 2;
    }
    if (err instanceof ConfigErrors) {
      for (const e of err.errors) process.stderr.write(`${e.toString()}\n`);
      return 1;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.toString()}\n`);
      return 1;
    }
    if (err instanceof NetsvcError) {
      process.stderr.write(`netsvc: ${err.message}\n`);
      return err.code === "EUSAGE" ? 2 : 1;
    }
    process.stderr.write(`netsvc: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

main(process.argv).then(
  (code) => {
    // Long-running commands keep the event loop alive; the others end here.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`netsvc: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
