import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { NetsvcError } from "../../lib/errors.ts";

/**
 * `netsvc check FILE... [--zone ORIGIN]` validates named.conf, zone files, haproxy.cfg and exports
 * files, printing what the original tool's checker prints in spirit, and exits 1 on any error.
 *
 * Each service provides a checker module; this command only decides which one a file needs.
 */
export interface CheckOptions {
  /** The zone's origin, when the file is a zone file (`--zone`). */
  zone?: string;
}

export interface CheckResult {
  ok: boolean;
  /** Lines to print: errors as `file:line: message`, warnings, and the success summary. */
  lines: string[];
}

export type Checker = (file: string, opts: CheckOptions) => Promise<CheckResult>;

export type FileKind = "named.conf" | "zone" | "haproxy.cfg" | "exports";

const checkers = new Map<FileKind, () => Promise<Checker>>();

/** Services register the checker for their kind of file (see registerCheckers below). */
export function registerChecker(kind: FileKind, load: () => Promise<Checker>): void {
  checkers.set(kind, load);
}

/** Decide the kind of a config file from its name, then from its content. */
export function detectKind(file: string, text: string, opts: CheckOptions): FileKind {
  if (opts.zone !== undefined) return "zone";
  const base = file.split("/").pop() ?? file;
  if (/^named\.conf/.test(base)) return "named.conf";
  if (/haproxy.*\.cfg$/.test(base)) return "haproxy.cfg";
  if (/^exports$|\.exports$/.test(base)) return "exports";
  if (/^db\.|\.zone$/.test(base)) return "zone";
  const code = text.replace(/#.*$|\/\/.*$/gm, "");
  if (/^\s*(global|defaults|frontend|backend|listen)\b/m.test(code)) return "haproxy.cfg";
  if (/^\s*(options|zone|acl|include|key|logging|controls|view)\b[^\n]*[{";]/m.test(code))
    return "named.conf";
  if (/^\s*\$(ORIGIN|TTL)|\bIN\s+SOA\b/m.test(code)) return "zone";
  return "exports";
}

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("validate named.conf, zone files (--zone ORIGIN), haproxy.cfg or exports files")
    .argument("<file...>", "files to check")
    .option("--zone <origin>", "check FILE as a zone file with this origin (like named-checkzone)")
    .action(async (files: string[], o: { zone?: string }) => {
      const opts: CheckOptions = o.zone === undefined ? {} : { zone: o.zone };
      let ok = true;
      for (const file of files) {
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch (err) {
          process.stderr.write(
            `${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(err)}\n`,
          );
          ok = false;
          continue;
        }
        const kind = detectKind(file, text, opts);
        const load = checkers.get(kind);
        if (load === undefined)
          throw new NetsvcError("EUNSUPPORTED", `${file}: no checker for ${kind} files yet`);
        const result = await (await load())(file, opts);
        for (const line of result.lines) process.stdout.write(`${line}\n`);
        ok &&= result.ok;
      }
      process.exitCode = ok ? 0 : 1;
    });
}
registerChecker("named.conf", async () => (await import("../../dns/config/check.ts")).checkNamedConf);
registerChecker("zone", async () => (await import("../../dns/zone/check.ts")).checkZoneFile);
registerChecker("haproxy.cfg", async () => (await import("../../lb/config/checker.ts")).checkHaproxyFile);
registerChecker("exports", async () => (await import("../../nfs/exports/check.ts")).checkExports);
