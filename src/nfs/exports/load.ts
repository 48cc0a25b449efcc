import { lookup } from "node:dns/promises";
import { readFile } from "node:fs/promises";
import { ConfigError, ConfigErrors } from "../../lib/errors.ts";
import type { NameResolver } from "./client.ts";
import { parseExports } from "./parse.ts";
import { ExportTable } from "./table.ts";
import type { ExportEntry } from "./types.ts";

/**
 * Read, parse and validate an exports file, resolve its host names, and build the table. Throws
 * ConfigErrors (every error, file:line:col) and changes nothing when the file is invalid, so a
 * reload can validate first and swap after. Warnings are returned for the caller to log.
 */
export interface LoadedExports {
  table: ExportTable;
  warnings: ConfigError[];
}

export interface LoadOptions {
  root?: string;
  /** Reverse lookups of client addresses (the server's cache); none by default. */
  reverse?: (address: string) => readonly string[];
}

export async function loadExports(file: string, opts: LoadOptions = {}): Promise<LoadedExports> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigErrors([
      new ConfigError("EXPORTS_READ", `cannot read exports file: ${e.code ?? e.message}`, { file, line: 0 }),
    ]);
  }
  return buildExports(text, file, opts);
}

export async function buildExports(
  text: string,
  file: string,
  opts: LoadOptions = {},
): Promise<LoadedExports> {
  const parsed = parseExports(text, file, opts.root ?? "/");
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new ConfigErrors(errors);
  const warnings = parsed.diagnostics.filter((d) => d.severity === "warning");
  const hosts = await resolveHosts(parsed.exports, warnings);
  const names: NameResolver = {
    addressesOf: (name) => hosts.get(name) ?? [],
    namesOf: opts.reverse ?? (() => []),
  };
  return { table: new ExportTable(parsed.exports, names), warnings };
}

/** Forward-resolve every host name in the file (getaddrinfo: /etc/hosts, then DNS). */
async function resolveHosts(
  exports: readonly ExportEntry[],
  warnings: ConfigError[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const e of exports) {
    for (const c of e.clients) {
      if (c.match.kind !== "host" || out.has(c.match.name)) continue;
      try {
        const addrs = await lookup(c.match.name, { all: true });
        out.set(
          c.match.name,
          addrs.map((a) => a.address),
        );
      } catch {
        out.set(c.match.name, []);
        warnings.push(
          new ConfigError(
            "EXPORTS_UNRESOLVED",
            `cannot resolve host '${c.match.name}': it matches no client`,
            c.pos,
            "warning",
          ),
        );
      }
    }
  }
  return out;
}
