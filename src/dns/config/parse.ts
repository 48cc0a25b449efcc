import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { ConfigError } from "../../lib/errors.ts";
import { tokenize, type Token } from "./lexer.ts";

/**
 * named.conf syntax tree. The grammar is generic: a statement is a list of items (words, strings,
 * `!`, and blocks) ended by `;`, and a block is a list of statements in braces. A block is always the
 * last item of a statement, so a statement ends after its block: `options { ... } zone` reports
 * BIND's "missing ';' before 'zone'". What a statement means is decided by the model builder.
 *
 * `include "file";` is expanded here, in place, wherever a statement may appear; a relative path is
 * taken relative to the including file's directory.
 */
export interface Block {
  kind: "block";
  stmts: Stmt[];
  file: string;
  line: number;
  col: number;
}

export type Item = Token | Block;

export interface Stmt {
  items: Item[];
  file: string;
  line: number;
  col: number;
}

export interface ParseResult {
  stmts: Stmt[];
  /** Every file read, main file first (for reload checks and diagnostics). */
  files: string[];
  errors: ConfigError[];
}

export type ReadFile = (path: string) => string;

const MAX_INCLUDE_DEPTH = 32;

export function describe(t: Item): string {
  if (t.kind === "block") return "{";
  if (t.kind === "eof") return "end of file";
  return `'${t.text}'`;
}

class Parser {
  private i = 0;
  private readonly toks: Token[];
  private readonly ctx: ParseContext;
  private readonly depth: number;
  constructor(toks: Token[], ctx: ParseContext, depth: number) {
    this.toks = toks;
    this.ctx = ctx;
    this.depth = depth;
  }

  private peek(): Token {
    return this.toks[this.i]!;
  }

  private next(): Token {
    const t = this.toks[this.i]!;
    if (t.kind !== "eof") this.i++;
    return t;
  }

  /** Statements until `}` (inside a block) or end of file (top level). */
  stmts(inBlock: boolean): Stmt[] {
    const out: Stmt[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "eof") {
        if (inBlock) this.ctx.err(t, "missing '}' before end of file");
        return out;
      }
      if (t.kind === "}") {
        if (inBlock) return out;
        this.ctx.err(t, "unexpected '}'");
        this.next();
        continue;
      }
      if (t.kind === ";") {
        this.next(); // an empty statement is harmless (BIND accepts `;;`)
        continue;
      }
      const s = this.stmt();
      if (s === undefined) continue;
      const head = s.items[0];
      if (head?.kind === "word" && head.text.toLowerCase() === "include") this.include(s, out);
      else out.push(s);
    }
  }

  private stmt(): Stmt | undefined {
    const first = this.peek();
    const s: Stmt = { items: [], file: first.file, line: first.line, col: first.col };
    for (;;) {
      const t = this.peek();
      if (t.kind === ";") {
        this.next();
        return s;
      }
      if (t.kind === "eof" || t.kind === "}") {
        this.ctx.err(t, `missing ';' before ${describe(t)}`);
        return s;
      }
      if (t.kind === "{") {
        this.next();
        const body = this.stmts(true);
        const close = this.peek();
        if (close.kind === "}") this.next();
        s.items.push({ kind: "block", stmts: body, file: t.file, line: t.line, col: t.col });
        const after = this.peek();
        if (after.kind === ";") {
          this.next();
        } else {
          this.ctx.err(after, `missing ';' before ${describe(after)}`);
        }
        return s;
      }
      s.items.push(this.next());
    }
  }

  private include(s: Stmt, out: Stmt[]): void {
    const arg = s.items[1];
    if (arg?.kind !== "string" && arg?.kind !== "word") {
      this.ctx.err(s, "include: expected a file name");
      return;
    }
    if (s.items.length > 2) {
      this.ctx.err(s.items[2]!, `include: unexpected ${describe(s.items[2]!)}`);
      return;
    }
    if (this.depth >= MAX_INCLUDE_DEPTH) {
      this.ctx.err(s, `include '${arg.text}': includes nested too deeply`);
      return;
    }
    const path = isAbsolute(arg.text) ? arg.text : join(dirname(s.file), arg.text);
    out.push(...this.ctx.parseFile(path, this.depth + 1, s));
  }
}

class ParseContext {
  readonly errors: ConfigError[] = [];
  readonly files: string[] = [];
  readonly read: ReadFile;
  constructor(read: ReadFile) {
    this.read = read;
  }

  /** Files whose text ended inside a string or comment: "missing ... before end of file" there
   *  would only repeat that error. */
  private readonly truncated = new Set<string>();

  err(at: { file: string; line: number; col: number }, msg: string): void {
    if (this.truncated.has(at.file) && msg.endsWith("before end of file")) return;
    this.errors.push(new ConfigError("ECONF_SYNTAX", msg, at));
  }

  parseFile(path: string, depth: number, from?: Stmt): Stmt[] {
    let text: string;
    try {
      text = this.read(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : String(e);
      if (from) this.errors.push(new ConfigError("ECONF_INCLUDE", `include '${path}': ${why}`, from));
      else this.errors.push(new ConfigError("ECONF_OPEN", `open: ${why}`, { file: path, line: 0 }));
      return [];
    }
    this.files.push(path);
    const before = this.errors.length;
    const toks = tokenize(text, path, this.errors);
    if (this.errors.length > before) this.truncated.add(path);
    return new Parser(toks, this, depth).stmts(false);
  }
}

/** Parse `file` and everything it includes. Never throws: problems are in `errors`. */
export function parseNamedConf(file: string, read: ReadFile = (p) => readFileSync(p, "utf8")): ParseResult {
  const ctx = new ParseContext(read);
  const stmts = ctx.parseFile(file, 0);
  return { stmts, files: ctx.files, errors: ctx.errors };
}
