/**
 * `netsvc check haproxy.cfg`: prints what `haproxy -c -f FILE` prints, without its pid noise:
 * `[ALERT] config : parsing [file:line] : message` for each error, `[WARNING] ...` for warnings,
 * then `Configuration file is valid` (ok) or `Fatal errors found in configuration.` (exit 1).
 */
import type { CheckResult } from "../../cli/commands/check.ts";
import { formatHaproxy, parseConfigText } from "./load.ts";
import { readFileSync } from "node:fs";

export function checkHaproxyText(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): CheckResult {
  const r = parseConfigText(text, file, env);
  const lines: string[] = [];
  // In file order, as HAProxy reports while it reads; file-wide findings (line 0) last.
  const all = [...r.errors, ...r.warnings].sort((a, b) => (a.line || Infinity) - (b.line || Infinity));
  for (const e of all)
    lines.push(`[${e.severity === "error" ? "ALERT" : "WARNING"}] config : ${formatHaproxy(e)}`);
  if (r.errors.length > 0) {
    lines.push(`[ALERT] config : Error(s) found in configuration file : ${file}`);
    lines.push("[ALERT] config : Fatal errors found in configuration.");
    return { ok: false, lines };
  }
  if (r.warnings.length > 0) lines.push("Warnings were found.");
  lines.push("Configuration file is valid");
  return { ok: true, lines };
}

export function checkHaproxyFile(file: string): Promise<CheckResult> {
  return Promise.resolve(checkHaproxyText(readFileSync(file, "utf8"), file));
}
