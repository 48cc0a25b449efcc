import type { Token } from "../wire/rdata.ts";

/**
 * Master-file lexer (RFC 1035 5.1, BIND's dialect): splits a file into logical lines. Parentheses
 * join physical lines; `;` starts a comment outside quotes; `"..."` is one token (escapes kept,
 * no newline inside); a backslash escapes the next character (kept raw: the field parsers decode
 * `\X` and `\DDD`). A logical line that starts with white space has a blank owner.
 */
export interface LogicalLine {
  tokens: Token[];
  /** The owner field is blank (the line started with a space or tab). */
  blankOwner: boolean;
  /** 1-based line where the logical line starts. */
  line: number;
}

export interface LexError {
  line: number;
  message: string;
}

/** Calls `onLine` for each logical line as it is read (no array of the whole file is kept). */
export function lex(input: string | Buffer, onLine: (l: LogicalLine) => void): LexError[] {
  // the file's bytes as read (latin1): no 1-byte-per-char copy of a big zone on the V8 heap
  const text = typeof input === "string" ? Buffer.from(input, "latin1") : input;
  const errors: LexError[] = [];
  let lineNo = 1;
  let i = 0;
  const n = text.length;
  let cur: LogicalLine | undefined;
  let depth = 0;
  let parenLine = 0;
  let atLineStart = true;
  const flush = (): void => {
    if (cur !== undefined && cur.tokens.length > 0) onLine(cur);
    cur = undefined;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === 0x0a) {
      // newline
      lineNo++;
      i++;
      if (depth === 0) {
        flush();
        atLineStart = true;
      }
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d) {
      if (atLineStart && depth === 0 && cur === undefined) {
        cur = { tokens: [], blankOwner: true, line: lineNo };
      }
      atLineStart = false;
      i++;
      continue;
    }
    atLineStart = false;
    if (c === 0x3b) {
      // ; comment
      while (i < n && text[i]! !== 0x0a) i++;
      continue;
    }
    cur ??= { tokens: [], blankOwner: false, line: lineNo };
    if (c === 0x28) {
      if (depth === 0) parenLine = lineNo;
      depth++;
      i++;
      continue;
    }
    if (c === 0x29) {
      if (depth === 0) errors.push({ line: lineNo, message: "unbalanced parentheses" });
      else depth--;
      i++;
      continue;
    }
    if (c === 0x22) {
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const d = text[j]!;
        if (d === 0x5c && j + 1 < n) {
          if (text[j + 1]! === 0x0a) lineNo++;
          j += 2;
          continue;
        }
        if (d === 0x22) {
          closed = true;
          break;
        }
        if (d === 0x0a) break;
        j++;
      }
      if (!closed) {
        errors.push({ line: lineNo, message: "unbalanced quotes" });
        i = j;
        // drop the broken logical line
        cur = { tokens: [], blankOwner: false, line: lineNo };
        depth = 0;
        continue;
      }
      const s = text.toString("latin1", i + 1, j);
      j++;
      cur.tokens.push({ text: s, quoted: true });
      i = j;
      continue;
    }
    let j = i;
    while (j < n) {
      const d = text[j]!;
      if (d === 0x5c && j + 1 < n) {
        j += 2;
        continue;
      }
      if (
        d === 0x20 ||
        d === 0x09 ||
        d === 0x0a ||
        d === 0x0d ||
        d === 0x3b ||
        d === 0x28 ||
        d === 0x29 ||
        d === 0x22
      )
        break;
      j++;
    }
    const s = text.toString("latin1", i, j);
    cur.tokens.push({ text: s, quoted: false });
    i = j;
  }
  if (depth > 0) errors.push({ line: parenLine, message: "unbalanced parentheses" });
  flush();
  return errors;
}
