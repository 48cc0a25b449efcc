import { basename } from "node:path";
import type { CheckOptions, CheckResult } from "../../cli/commands/check.ts";
import { ConfigErrors, ConfigError } from "../../lib/errors.ts";
import { loadZoneFile } from "./load.ts";
import { ZoneErrors } from "./parse.ts";

/**
 * `netsvc check --zone ORIGIN FILE` — named-checkzone in spirit: warnings and errors as
 * `file:line: message`, then `zone ORIGIN/IN: loaded serial N` and `OK`, or
 * `zone ORIGIN/IN: not loaded due to errors.` (ok=false: exit 1). Without --zone the origin comes
 * from a `db.NAME` (or `NAME.zone`) file name.
 */
export function originFromFileName(file: string): string | undefined {
  const base = basename(file);
  const m = /^db\.(.+)$/.exec(base) ?? /^(.+)\.zone$/.exec(base);
  return m?.[1];
}

/** File order, as named-checkzone reports while reading; file-less findings last. */
function byPlace(a: ConfigError, b: ConfigError): number {
  return (a.line === 0 ? 1 : 0) - (b.line === 0 ? 1 : 0) || (a.file === b.file ? a.line - b.line : 0);
}

export async function checkZoneFile(file: string, opts: CheckOptions): Promise<CheckResult> {
  const origin = opts.zone ?? originFromFileName(file);
  if (origin === undefined)
    return {
      ok: false,
      lines: [`${file}: cannot tell the zone's origin from the file name: use --zone ORIGIN`],
    };
  const shown = origin.endsWith(".") && origin !== "." ? origin.slice(0, -1) : origin;
  try {
    const { zone, warnings } = await loadZoneFile(file, origin);
    return {
      ok: true,
      lines: [
        ...[...warnings].sort(byPlace).map((w) => w.toString()),
        `zone ${shown}/IN: loaded serial ${zone.serial}`,
        "OK",
      ],
    };
  } catch (e) {
    const found = e instanceof ConfigErrors ? e.errors : e instanceof ConfigError ? [e] : undefined;
    if (found === undefined) throw e;
    // errors and warnings in file order, as named-checkzone reports them while reading
    const errors = [...found, ...(e instanceof ZoneErrors ? e.warnings : [])].sort(byPlace);
    return {
      ok: false,
      lines: [
        ...errors.map((x) => (x.line === 0 ? x.message : x.toString())),
        `zone ${shown}/IN: not loaded due to errors.`,
      ],
    };
  }
}
