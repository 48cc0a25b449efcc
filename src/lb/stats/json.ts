/**
 * `<stats uri>;json`: HAProxy's typed JSON output: one array per row, one object per non-empty
 * column with its position, name, tags (origin, nature, scope) and typed value.
 */
import { FIELDS, valueOf, type Field, type Row } from "./fields.ts";

const OBJ = { frontend: "Frontend", backend: "Backend", server: "Server" } as const;

function origin(f: Field): string {
  if (f.nature === "Name") return "Key";
  if (f.nature === "Limit") return "Config";
  if (f.nature === "Output") return "Status";
  return "Metric";
}

export function renderJson(rows: readonly Row[]): string {
  const out = rows.map((r) =>
    FIELDS.flatMap((f, pos) => {
      const v = valueOf(f, r);
      if (v === undefined) return [];
      const type = typeof v === "string" ? "str" : v < 0 ? "s32" : f.nature === "Counter" ? "u64" : "u32";
      return [
        {
          objType: OBJ[r.type],
          proxyId: r.px.config.id,
          id: r.sv?.config.id ?? 0,
          field: { pos, name: f.name },
          processNum: 1,
          tags: { origin: origin(f), nature: f.nature, scope: f.nature === "Name" ? "Service" : "Process" },
          value: { type, value: v },
        },
      ];
    }),
  );
  return JSON.stringify(out);
}
