import { posix } from "node:path";
import { ConfigError } from "../../lib/errors.ts";
import { clientText, parseClient } from "./client.ts";
import { lexExports, unescapeOctal, type Token } from "./lexer.ts";
import { DEFAULT_OPTIONS, formatOptions, parseOptions } from "./options.ts";
import type { ClientSpec, ExportEntry } from "./types.ts";

/**
 * exports(5) text -> export entries, reporting every problem with file:line:col and a stable code:
 *
 *   EXPORTS_SYNTAX        unbalanced parentheses, quotes, stray characters
 *   EXPORTS_PATH          a path that is not absolute or contains `.`/`..`
 *   EXPORTS_CLIENT        a client spec we cannot parse, a netgroup, gss/...
 *   EXPORTS_OPTION        an unknown or unsupported option, a bad value
 *   EXPORTS_NO_HOST       (warning) options without a host: `/path (rw)` exports to the world
 *   EXPORTS_DUPLICATE     (warning) the same client listed twice for a path
 *
 * Lines with the same path are merged (exportfs does the same). Warnings do not fail a check.
 */
export interface ParseResult {
  exports: ExportEntry[];
  /** Errors and warnings in file order. */
  diagnostics: ConfigError[];
}

export function parseExports(text: string, file: string, root = "/"): ParseResult {
  const diagnostics: ConfigError[] = [];
  const byPath = new Map<
    string,
    { path: string; localPath: string; clients: ClientSpec[]; pos: ExportEntry["pos"] }
  >();
  const err = (
    code: string,
    message: string,
    line: number,
    col: number,
    severity: "error" | "warning" = "error",
  ): void => {
    diagnostics.push(new ConfigError(code, message, { file, line, col }, severity));
  };

  const lexed = lexExports(text);
  for (const e of lexed.errors) err("EXPORTS_SYNTAX", e.message, e.line, e.col);

  for (const logical of lexed.lines) {
    const [pathTok, ...rest] = logical.tokens;
    if (pathTok === undefined) continue;
    const path = normalisePath(unescapeOctal(pathTok.text));
    if (typeof path !== "object") {
      err("EXPORTS_PATH", path, pathTok.line, pathTok.col);
      continue;
    }
    let entry = byPath.get(path.path);
    if (entry === undefined) {
      entry = {
        path: path.path,
        localPath: posix.join(root, path.path),
        clients: [],
        pos: { file, line: pathTok.line, col: pathTok.col },
      };
      byPath.set(path.path, entry);
    }
    const specs: ClientSpec[] = [];
    for (const t of rest) {
      const spec = parseSpec(t, path.path, err, file);
      if (spec !== undefined) specs.push(spec);
    }
    if (rest.length === 0) {
      err(
        "EXPORTS_NO_HOST",
        `No host name given with ${path.path} (${formatOptions(DEFAULT_OPTIONS)}), suggest *(${formatOptions(DEFAULT_OPTIONS)}) to avoid warning`,
        pathTok.line,
        pathTok.col,
        "warning",
      );
      specs.push({
        match: { kind: "world" },
        options: DEFAULT_OPTIONS,
        pos: { file, line: pathTok.line, col: pathTok.col },
      });
    }
    for (const s of specs) {
      const dup = entry.clients.find((c) => clientText(c.match) === clientText(s.match));
      if (dup !== undefined) {
        err(
          "EXPORTS_DUPLICATE",
          `duplicated export entries: ${path.path} ${clientText(s.match)} (first at line ${dup.pos.line}); the first applies`,
          s.pos.line,
          s.pos.col ?? 1,
          "warning",
        );
        continue;
      }
      entry.clients.push(s);
    }
  }
  diagnostics.sort((a, b) => a.line - b.line || (a.col ?? 0) - (b.col ?? 0));
  return { exports: [...byPath.values()], diagnostics };
}

type Report = (
  code: string,
  message: string,
  line: number,
  col: number,
  severity?: "error" | "warning",
) => void;

function parseSpec(t: Token, path: string, err: Report, file: string): ClientSpec | undefined {
  const open = t.text.indexOf("(");
  let host = t.text;
  let optText: string | undefined;
  if (open >= 0) {
    if (
      !t.text.endsWith(")") ||
      t.text.indexOf(")") !== t.text.length - 1 ||
      t.text.lastIndexOf("(") !== open
    ) {
      err(
        "EXPORTS_SYNTAX",
        `malformed client spec '${t.text}' (options must be written host(opt,opt) without blanks)`,
        t.line,
        t.col,
      );
      return undefined;
    }
    host = t.text.slice(0, open);
    optText = t.text.slice(open + 1, -1);
  } else if (t.text.includes(")")) {
    err("EXPORTS_SYNTAX", `stray ')' in '${t.text}'`, t.line, t.col);
    return undefined;
  }
  const match = parseClient(host);
  let ok = true;
  if (typeof match === "string") {
    err("EXPORTS_CLIENT", match, t.line, t.col);
    ok = false;
  }
  let options = DEFAULT_OPTIONS;
  if (optText !== undefined) {
    const parsed = parseOptions(optText);
    for (const e of parsed.errors) err("EXPORTS_OPTION", e.message, t.line, t.col + open + 1 + e.offset);
    if (parsed.errors.length > 0) ok = false;
    options = parsed.options;
    if (host === "" && ok) {
      err(
        "EXPORTS_NO_HOST",
        `No host name given with ${path} (${optText}), suggest *(${optText}) to avoid warning`,
        t.line,
        t.col,
        "warning",
      );
    }
  }
  if (!ok || typeof match === "string") return undefined;
  return { match, options, pos: { file, line: t.line, col: t.col } };
}

function normalisePath(p: string): { path: string } | string {
  if (!p.startsWith("/")) return `export path '${p}' is not absolute`;
  const parts = p.split("/").filter((x) => x !== "");
  if (parts.some((x) => x === "." || x === "..")) return `export path '${p}' contains '.' or '..'`;
  return { path: "/" + parts.join("/") };
}
