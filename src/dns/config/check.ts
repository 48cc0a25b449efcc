import type { CheckOptions, CheckResult } from "../../cli/commands/check.ts";
import { ConfigError } from "../../lib/errors.ts";
import { loadZoneFile } from "../zone/load.ts";
import { buildNamedConf } from "./build.ts";
import { accessSync, constants } from "node:fs";

/**
 * `netsvc check named.conf`: what `named-checkconf -z` prints, in spirit. Every error in the file
 * (and the files it includes) as `file:line:col: message`, warnings as `file:line:col: warning: ...`,
 * then each primary zone loaded like `zone example.com/IN: loaded serial 1`. Not ok when anything
 * is an error.
 */
export async function checkNamedConf(file: string, _opts: CheckOptions): Promise<CheckResult> {
  const built = buildNamedConf(file);
  const lines: string[] = [];
  for (const e of built.errors) lines.push(e.toString());
  for (const w of built.warnings) lines.push(w.toString());
  if (built.conf === undefined) return { ok: false, lines };
  let ok = true;
  for (const z of built.conf.zones) {
    if (z.type === "hint") {
      try {
        accessSync(z.file, constants.R_OK);
      } catch {
        ok = false;
        lines.push(
          new ConfigError(
            "EZONE_LOAD",
            `zone ./IN: hints file '${z.fileAsWritten}' not found`,
            z.at,
          ).toString(),
        );
      }
      continue;
    }
    try {
      const { zone, warnings } = await loadZoneFile(z.file, z.name, {
        directory: built.conf.options.directory,
      });
      for (const w of warnings) lines.push(w.toString());
      lines.push(`zone ${z.name}/IN: loaded serial ${zone.serial}`);
    } catch (e) {
      ok = false;
      const errs = (e as { errors?: ConfigError[] }).errors;
      if (Array.isArray(errs)) for (const x of errs) lines.push(x.toString());
      else {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "file not found" : e instanceof Error ? e.message : String(e);
        lines.push(`zone ${z.name}/IN: loading from master file ${z.fileAsWritten} failed: ${why}`);
      }
      lines.push(`zone ${z.name}/IN: not loaded due to errors.`);
    }
  }
  return { ok, lines };
}
