import { ConfigError } from "../../lib/errors.ts";

/**
 * named.conf tokenizer (the isc_lex subset BIND uses for its configuration):
 * words, double-quoted strings (backslash escapes the next character), the special characters
 * `{ } ; !`, and three comment styles: `// ...`, `# ...` and `/* ... *\/` (not nested).
 * Every token carries the file, line and column where it starts (1-based).
 */
export type TokenKind = "word" | "string" | "{" | "}" | ";" | "!" | "eof";

export interface Token {
  kind: TokenKind;
  text: string;
  file: string;
  line: number;
  col: number;
}

const SPECIAL = new Set(["{", "}", ";", "!"]);

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";
}

/** Tokenize `text`; lexical errors (unterminated string or comment) go to `errors`. */
export function tokenize(text: string, file: string, errors: ConfigError[]): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  const here = (): { file: string; line: number; col: number } => ({ file, line, col: i - lineStart + 1 });
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      newline(i);
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const start = here();
      i += 2;
      let closed = false;
      while (i < n) {
        if (text[i] === "*" && text[i + 1] === "/") {
          i += 2;
          closed = true;
          break;
        }
        if (text[i] === "\n") newline(i);
        i++;
      }
      if (!closed) errors.push(new ConfigError("ECONF_LEX", "unexpected end of input in a comment", start));
      continue;
    }
    if (SPECIAL.has(c)) {
      out.push({ kind: c as TokenKind, text: c, ...here() });
      i++;
      continue;
    }
    if (c === '"') {
      const start = here();
      i++;
      let s = "";
      let closed = false;
      while (i < n) {
        const d = text[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\" && i + 1 < n) {
          if (text[i + 1] === "\n") newline(i + 1);
          s += text.charAt(i + 1);
          i += 2;
          continue;
        }
        if (d === "\n") newline(i);
        s += d;
        i++;
      }
      if (!closed) {
        errors.push(new ConfigError("ECONF_LEX", "unexpected end of input in a quoted string", start));
        break;
      }
      out.push({ kind: "string", text: s, ...start });
      continue;
    }
    const start = here();
    let j = i;
    while (j < n) {
      const d = text[j]!;
      if (isSpace(d) || SPECIAL.has(d) || d === '"' || d === "#") break;
      if (d === "/" && (text[j + 1] === "/" || text[j + 1] === "*")) break;
      j++;
    }
    out.push({ kind: "word", text: text.slice(i, j), ...start });
    i = j;
  }
  out.push({ kind: "eof", text: "", ...here() });
  return out;
}
