import { readFile } from "node:fs/promises";
import type { CheckResult } from "../../cli/commands/check.ts";
import { parseExports } from "./parse.ts";

/**
 * `netsvc check exports`: every error and warning as `file:line:col: message` (warnings prefixed
 * `warning:`), a one-line summary when valid; ok is false on any error.
 */
export async function checkExports(file: string): Promise<CheckResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    return {
      ok: false,
      lines: [`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`],
    };
  }
  return checkExportsText(text, file);
}

export function checkExportsText(text: string, file: string): CheckResult {
  const { exports, diagnostics } = parseExports(text, file);
  const lines = diagnostics.map((d) => d.toString());
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) return { ok: false, lines };
  const specs = exports.reduce((n, e) => n + e.clients.length, 0);
  lines.push(
    `${file}: ${exports.length} export${exports.length === 1 ? "" : "s"}, ${specs} client spec${specs === 1 ? "" : "s"}: OK`,
  );
  return { ok: true, lines };
}
