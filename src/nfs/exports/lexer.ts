/**
 * The lexical layer of an exports file (man 5 exports, nfs-utils support/nfs/xio.c, exports.c):
 * - `#` starts a comment that runs to the end of the line (outside double quotes);
 * - a backslash at the end of a line joins it with the next one;
 * - a path may be double-quoted and may contain octal escapes (`\040` for a space);
 * - tokens are separated by blanks. Each token keeps the file position of its first character.
 */
export interface Token {
  text: string;
  line: number;
  col: number;
}

export interface LogicalLine {
  /** Line number where the logical line starts. */
  line: number;
  tokens: Token[];
}

export interface LexError {
  message: string;
  line: number;
  col: number;
}

export function lexExports(text: string): { lines: LogicalLine[]; errors: LexError[] } {
  const physical = text.split(/\r?\n/);
  const lines: LogicalLine[] = [];
  const errors: LexError[] = [];
  let current: LogicalLine | undefined;
  let tok: Token | undefined;
  let inQuote = false;

  const endToken = (): void => {
    if (tok !== undefined) current!.tokens.push(tok);
    tok = undefined;
  };

  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i]!;
    const lineNo = i + 1;
    current ??= { line: lineNo, tokens: [] };
    let s = raw;
    let continued = false;
    // A trailing backslash (outside a comment) continues the logical line.
    const hash = commentStart(s);
    if (hash >= 0) s = s.slice(0, hash);
    else if (/\\\s*$/.test(s) && !/\\\\\s*$/.test(s)) {
      continued = true;
      s = s.replace(/\\\s*$/, "");
    }
    for (let c = 0; c < s.length; c++) {
      const ch = s[c]!;
      if (inQuote) {
        if (ch === '"') inQuote = false;
        else tok!.text += ch;
        continue;
      }
      if (ch === " " || ch === "\t") {
        endToken();
        continue;
      }
      tok ??= { text: "", line: lineNo, col: c + 1 };
      if (ch === '"') inQuote = true;
      else tok.text += ch;
    }
    if (inQuote) {
      // The whole logical line is dropped: what follows the quote cannot be trusted.
      errors.push({ message: "unterminated double quote", line: tok!.line, col: tok!.col });
      inQuote = false;
      tok = undefined;
      current = undefined;
      continue;
    }
    if (continued) {
      // The continuation joins lines without inserting a character, as exportfs does, but a
      // backslash is almost always written after a blank; a token never spans two lines here.
      endToken();
      continue;
    }
    endToken();
    if (current.tokens.length > 0) lines.push(current);
    current = undefined;
  }
  if (current !== undefined && current.tokens.length > 0) lines.push(current);
  return { lines, errors };
}

/** Index of a `#` that starts a comment (not inside double quotes), or -1. */
function commentStart(s: string): number {
  let q = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '"') q = !q;
    else if (s[i] === "#" && !q) return i;
  }
  return -1;
}

/** Decode `\ooo` octal escapes (exportfs writes a space in a path as `\040`). */
export function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}
