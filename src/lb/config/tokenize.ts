/**
 * haproxy.cfg line tokenizer, with HAProxy's quoting rules (src/cfgparse.c parse_line):
 * - words are separated by spaces or tabs; `#` outside quotes starts a comment;
 * - a backslash escapes the next character (`\ `, `\#`, `\\`, `\'`, `\"`), `\r \n \t` and `\xHH`
 *   produce those bytes (outside single quotes);
 * - "double quotes" group a word, keep escapes, and expand `${VAR}` from the environment;
 * - 'single quotes' group a word literally;
 * - quoted and unquoted parts of one word concatenate (`a"b c"d` is one word `ab cd`).
 * Pure: returns the words with their 1-based column, or an error message with its column.
 */
export interface Token {
  text: string;
  col: number;
}

export type LineResult = { ok: true; tokens: Token[] } | { ok: false; error: string; col: number };

export function tokenizeLine(
  line: string,
  env: Readonly<Record<string, string | undefined>> = {},
): LineResult {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line[i] === " " || line[i] === "\t" || line[i] === "\r")) i++;
    if (i >= n || line[i] === "#") break;
    const col = i + 1;
    let text = "";
    let quote: '"' | "'" | undefined;
    let quoteCol = 0;
    while (i < n) {
      const c = line[i]!;
      if (quote === undefined && (c === " " || c === "\t" || c === "\r" || c === "#")) break;
      if (quote !== "'" && c === "\\") {
        const d = line[i + 1];
        if (d === undefined) return { ok: false, error: "truncated escape at end of line", col: i + 1 };
        if (d === "x") {
          const hex = line.slice(i + 2, i + 4);
          if (!/^[0-9a-fA-F]{2}$/.test(hex))
            return {
              ok: false,
              error: `invalid or incomplete '\\x' sequence '${line.slice(i, i + 4)}'`,
              col: i + 1,
            };
          text += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          continue;
        }
        text += d === "r" ? "\r" : d === "n" ? "\n" : d === "t" ? "\t" : d;
        i += 2;
        continue;
      }
      if (quote === undefined && (c === '"' || c === "'")) {
        quote = c;
        quoteCol = i + 1;
        i++;
        continue;
      }
      if (quote !== undefined && c === quote) {
        quote = undefined;
        i++;
        continue;
      }
      if (quote === '"' && c === "$" && line[i + 1] === "{") {
        const end = line.indexOf("}", i + 2);
        if (end < 0) return { ok: false, error: "unterminated '${' in a quoted string", col: i + 1 };
        const name = line.slice(i + 2, end);
        text += env[name] ?? "";
        i = end + 1;
        continue;
      }
      text += c;
      i++;
    }
    if (quote !== undefined)
      return { ok: false, error: `unmatched quote at position ${quoteCol}`, col: quoteCol };
    tokens.push({ text, col });
  }
  return { ok: true, tokens };
}

/**
 * HAProxy time values: a decimal number with an optional unit (us, ms, s, m, h, d; default ms).
 * Returns milliseconds, or an error message in HAProxy's words.
 */
export function parseTime(text: string, what: string): number | string {
  const m = /^(\d+)(.*)$/.exec(text);
  if (m === null) return `'${what}' expects an integer value (with an optional time unit), got '${text}'`;
  const v = Number(m[1]);
  const rest = m[2]!;
  // HAProxy reads the unit from the first letters and stops there (src/tools.c parse_time_err).
  let k: number;
  if (rest === "") k = 1;
  else if (rest.startsWith("us")) k = 0.001;
  else if (rest.startsWith("ms")) k = 1;
  else if (rest.startsWith("s")) k = 1000;
  else if (rest.startsWith("m")) k = 60_000;
  else if (rest.startsWith("h")) k = 3_600_000;
  else if (rest.startsWith("d")) k = 86_400_000;
  else return `unexpected character '${rest[0]!}' in '${what}'`;
  const ms = Math.ceil(v * k);
  if (ms > 2 ** 31 - 1)
    return `timer overflow in argument '${text}' to '${what}' (maximum value is 2147483647 ms or ~24.8 days)`;
  return ms;
}
