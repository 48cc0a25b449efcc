/** `<stats uri>;csv`: HAProxy's CSV, header `# pxname,svname,...` and a trailing comma per line. */
import { FIELDS, valueOf, type Row, type Value } from "./fields.ts";

function cell(v: Value): string {
  if (v === undefined) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(rows: readonly Row[]): string {
  let out = `# ${FIELDS.map((f) => f.name).join(",")},\n`;
  for (const r of rows) out += `${FIELDS.map((f) => cell(valueOf(f, r))).join(",")},\n`;
  return out;
}
