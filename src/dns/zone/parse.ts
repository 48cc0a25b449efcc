import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { ConfigError, ConfigErrors, type Position } from "../../lib/errors.ts";
import { nameFromText, nameToText, NameError } from "../wire/name.ts";
import { rdataFromText, RdataError, type Token, ttlFromText } from "../wire/rdata.ts";
import { classFromText, CLASS, RRType, typeFromText } from "../wire/rrtypes.ts";
import { ZoneBuilder } from "./build.ts";
import { parseRange, substitute } from "./generate.ts";
import { lex, type LogicalLine } from "./lexer.ts";
import type { Zone } from "./zone.ts";

/**
 * The master-file reader (RFC 1035 5, BIND's dialect): $ORIGIN, $TTL, $INCLUDE file [origin],
 * $GENERATE, `@`, blank owners, relative names, TTL units, TTL and class in either order, class
 * optional, RFC 3597 rdata. Records go to a ZoneBuilder, which makes named-checkzone's checks.
 * Every problem is reported with file:line; parsing goes on after an error to report the rest.
 */

export interface LoadOptions {
  /** Resolve relative $INCLUDE paths here (named's `directory`); default: the zone file's folder. */
  directory?: string;
  /** File reader (tests pass an in-memory one). Returns the content or throws an ENOENT error. */
  readFile?: (path: string) => string | Buffer;
}

const MAX_INCLUDE_DEPTH = 20;

/** A zone that failed to load: the errors, plus the warnings found on the way (for checkers). */
export class ZoneErrors extends ConfigErrors {
  readonly warnings: readonly ConfigError[];
  constructor(errors: readonly ConfigError[], warnings: readonly ConfigError[]) {
    super(errors);
    this.warnings = warnings;
  }
}

interface State {
  origin: Buffer;
  defaultTtl: number | undefined;
  lastTtl: number | undefined;
  lastOwner: Buffer | undefined;
}

class Loader {
  readonly b: ZoneBuilder;
  private readonly dir: string;
  private readonly read: (path: string) => string | Buffer;
  private warnedNoTtl = false;

  constructor(b: ZoneBuilder, dir: string, read: (path: string) => string | Buffer) {
    this.b = b;
    this.dir = dir;
    this.read = read;
  }

  loadFile(file: string, st: State, depth: number, from: Position | undefined): void {
    let text: string | Buffer;
    try {
      text = this.read(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const what = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : String(e);
      this.b.error(
        "EZONE_FILE",
        `${from === undefined ? file : file.replace(this.dir + "/", "")}: ${what}`,
        from ?? { file, line: 0 },
      );
      return;
    }
    const errors = lex(text, (l) => this.line(file, l, st, depth));
    for (const e of errors) this.b.error("EZONE_SYNTAX", e.message, { file, line: e.line });
  }

  private line(file: string, l: LogicalLine, st: State, depth: number): void {
    const pos: Position = { file, line: l.line };
    const t0 = l.tokens[0]!;
    if (!l.blankOwner && !t0.quoted && t0.text.startsWith("$")) {
      this.directive(file, l, st, depth, pos);
      return;
    }
    try {
      let owner: Buffer;
      let i = 0;
      if (l.blankOwner) {
        if (st.lastOwner === undefined) throw new RdataError("no current owner name");
        owner = st.lastOwner;
      } else {
        owner = this.name(t0.text, st.origin);
        i = 1;
      }
      st.lastOwner = owner;
      this.record(owner, l.tokens, i, st, pos, false);
    } catch (e) {
      this.report(e, pos);
    }
  }

  private report(e: unknown, pos: Position): void {
    if (e instanceof RdataError || e instanceof NameError)
      this.b.error(e.code === "EBADNAME" ? "EZONE_NAME" : "EZONE_RDATA", e.message, pos);
    else if (e instanceof ConfigError) this.b.errors.push(e);
    else throw e;
  }

  private name(text: string, origin: Buffer): Buffer {
    return text === "@" ? origin : nameFromText(text, origin);
  }

  /** [ttl] [class] type rdata..., TTL and class in either order. */
  private record(
    owner: Buffer,
    tokens: Token[],
    start: number,
    st: State,
    pos: Position,
    generated: boolean,
  ): void {
    let i = start;
    let ttl: number | undefined;
    let cls: number | undefined;
    for (let k = 0; k < 2 && i < tokens.length; k++) {
      const t = tokens[i]!;
      if (t.quoted) break;
      if (ttl === undefined && /^\d/.test(t.text)) {
        const v = ttlFromText(t.text);
        if (v === undefined) throw new RdataError(`unknown RR type '${t.text}'`);
        ttl = v;
        i++;
      } else if (
        cls === undefined &&
        classFromText(t.text) !== undefined &&
        typeFromText(t.text) === undefined
      ) {
        cls = classFromText(t.text);
        i++;
      } else break;
    }
    const tt = tokens[i];
    if (tt === undefined) throw new RdataError("unexpected end of input");
    const type = tt.quoted ? undefined : typeFromText(tt.text);
    if (type === undefined) throw new RdataError(`unknown RR type '${tt.text}'`);
    if (
      type === RRType.OPT ||
      type === RRType.ANY ||
      type === RRType.AXFR ||
      type === RRType.IXFR ||
      type === RRType.MAILA ||
      type === RRType.MAILB
    )
      throw new RdataError(`meta type '${tt.text}' in a zone file`);
    if (cls !== undefined && cls !== CLASS.IN)
      throw new RdataError(
        `class '${tokens.find((t) => classFromText(t.text) === cls)?.text ?? cls}' != zone class 'IN'`,
      );
    const rdata = rdataFromText(type, tokens.slice(i + 1), st.origin);
    if (ttl === undefined) {
      if (st.defaultTtl !== undefined) ttl = st.defaultTtl;
      else if (st.lastTtl !== undefined) ttl = st.lastTtl;
      else if (type === RRType.SOA) {
        ttl = rdata.readUInt32BE(rdata.length - 4);
        if (!this.warnedNoTtl) this.b.warn("EZONE_NOTTL", "no TTL specified; using SOA MINTTL instead", pos);
        this.warnedNoTtl = true;
      } else throw new RdataError("no TTL specified");
    }
    if (!generated) st.lastTtl = ttl;
    this.b.add(owner, type, ttl, rdata, pos);
  }

  private directive(file: string, l: LogicalLine, st: State, depth: number, pos: Position): void {
    const [d, ...args] = l.tokens;
    const name = d!.text.toUpperCase();
    try {
      switch (name) {
        case "$ORIGIN": {
          if (args.length !== 1) throw new RdataError("$ORIGIN takes one name");
          st.origin = this.name(args[0]!.text, st.origin);
          return;
        }
        case "$TTL": {
          const v = args.length === 1 ? ttlFromText(args[0]!.text) : undefined;
          if (v === undefined) throw new RdataError(`bad $TTL '${args.map((a) => a.text).join(" ")}'`);
          if (v > 0x7fffffff) throw new RdataError(`$TTL ${v} > MAXTTL, setting $TTL to 0`);
          st.defaultTtl = v;
          st.lastTtl = v;
          return;
        }
        case "$INCLUDE": {
          if (args.length < 1 || args.length > 2)
            throw new RdataError("$INCLUDE takes a file name and an optional origin");
          if (depth >= MAX_INCLUDE_DEPTH) throw new RdataError("$INCLUDE nested too deeply");
          const path = isAbsolute(args[0]!.text) ? args[0]!.text : resolve(this.dir, args[0]!.text);
          const child: State = {
            origin: args.length === 2 ? this.name(args[1]!.text, st.origin) : st.origin,
            defaultTtl: st.defaultTtl,
            lastTtl: st.lastTtl,
            lastOwner: args.length === 2 ? undefined : st.lastOwner,
          };
          this.loadFile(path, child, depth + 1, pos);
          // RFC 1035 5.1: origin and owner revert after the include; BIND keeps the $TTL default
          st.defaultTtl = child.defaultTtl;
          st.lastTtl = child.lastTtl;
          return;
        }
        case "$GENERATE":
          this.generate(args, st, pos);
          return;
        default:
          throw new RdataError(`unknown $ directive '${d!.text}'`);
      }
    } catch (e) {
      this.report(e, pos);
    }
  }

  private generate(args: Token[], st: State, pos: Position): void {
    if (args.length < 4) throw new RdataError("$GENERATE: expected range lhs [ttl] [class] type rhs");
    const range = parseRange(args[0]!.text);
    if (range === undefined) throw new RdataError(`$GENERATE: invalid range '${args[0]!.text}'`);
    const lhs = args[1]!.text;
    // BIND substitutes into the text of the rest of the line and reads the result again, quotes
    // included (so `"n=$ x"` gives two strings, as named-compilezone shows)
    const rest = args.slice(2);
    for (let i = range.start; i <= range.stop; i += range.step) {
      const ownerText = substitute(lhs, i);
      if (ownerText === undefined) throw new RdataError(`$GENERATE: bad modifier in '${lhs}'`);
      const sub: Token[] = [];
      rest.forEach((t, k) => {
        const keep = k < rest.length - 1 && !t.quoted && typeFromText(t.text) !== undefined;
        const s = keep ? t.text : substitute(t.text, i);
        if (s === undefined) throw new RdataError(`$GENERATE: bad modifier in '${t.text}'`);
        if (!t.quoted) sub.push({ text: s, quoted: false });
        else lex(` ${s}\n`, (l) => sub.push(...l.tokens));
      });
      this.record(this.name(ownerText, st.origin), sub, 0, st, pos, true);
    }
  }
}

/** Parse a zone file; throws ConfigErrors when it has errors. See load.ts for the contract. */
export function loadZoneSync(
  file: string,
  origin: string,
  opts: LoadOptions = {},
): { zone: Zone; warnings: ConfigError[] } {
  let originWire: Buffer;
  try {
    originWire = nameFromText(origin.endsWith(".") ? origin : origin + ".");
  } catch (e) {
    throw new ConfigErrors([
      new ConfigError("EZONE_NAME", `bad zone name '${origin}': ${(e as Error).message}`, { file, line: 0 }),
    ]);
  }
  const b = new ZoneBuilder(originWire, file);
  const loader = new Loader(b, opts.directory ?? dirname(file), opts.readFile ?? ((p) => readFileSync(p)));
  loader.loadFile(
    file,
    { origin: originWire, defaultTtl: undefined, lastTtl: undefined, lastOwner: undefined },
    0,
    undefined,
  );
  const zone = b.finish();
  if (b.errors.length > 0) throw new ZoneErrors(b.errors, b.warnings);
  return { zone, warnings: b.warnings };
}

export function loadZone(
  file: string,
  origin: string,
  opts: LoadOptions = {},
): Promise<{ zone: Zone; warnings: ConfigError[] }> {
  try {
    return Promise.resolve(loadZoneSync(file, origin, opts));
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

export { nameToText };
