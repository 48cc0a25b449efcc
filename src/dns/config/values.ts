import { parseAddress, parseCidr } from "../../lib/acl.ts";
import { ConfigError } from "../../lib/errors.ts";
import type { Token } from "./lexer.ts";
import type { Aml, AmlElement, Where } from "./model.ts";
import { describe, type Item, type Stmt } from "./parse.ts";

/**
 * Typed readers for named.conf values, in BIND's words where named-checkconf has them
 * ("boolean expected near 'maybe'", "port value '70000' is out of range"). Each reader reports into
 * `errs` and returns undefined on a bad value, so one pass finds every error.
 */
export class Errs {
  readonly list: ConfigError[] = [];
  readonly warnings: ConfigError[] = [];
  err(at: Where, msg: string, code = "ECONF"): void {
    this.list.push(new ConfigError(code, msg, at));
  }
  warn(at: Where, msg: string, code = "WCONF"): void {
    this.warnings.push(new ConfigError(code, msg, at, "warning"));
  }
}

export function where(x: { file: string; line: number; col: number }): Where {
  return { file: x.file, line: x.line, col: x.col };
}

export function isText(i: Item | undefined): i is Token {
  return i !== undefined && (i.kind === "word" || i.kind === "string");
}

/** The statement's keyword (lower-cased), or undefined when it does not start with a word. */
export function keyword(s: Stmt): string | undefined {
  const h = s.items[0];
  return h?.kind === "word" ? h.text.toLowerCase() : undefined;
}

/** Report items after position `n` (a statement with too many values). */
export function noMore(s: Stmt, n: number, errs: Errs): boolean {
  const extra = s.items[n];
  if (extra === undefined) return true;
  errs.err(where(extra), `unexpected ${describe(extra)}`);
  return false;
}

export function readBool(s: Stmt, errs: Errs): boolean | undefined {
  const v = s.items[1];
  if (!isText(v) || v.kind !== "word") {
    errs.err(where(v ?? s), `boolean expected near ${v ? describe(v) : "';'"}`);
    return undefined;
  }
  const t = v.text.toLowerCase();
  if (!noMore(s, 2, errs)) return undefined;
  if (t === "yes" || t === "true" || t === "1") return true;
  if (t === "no" || t === "false" || t === "0") return false;
  errs.err(where(v), `boolean expected near '${v.text}'`);
  return undefined;
}

export function readString(s: Stmt, errs: Errs): string | undefined {
  const v = s.items[1];
  if (!isText(v) || (v.kind === "word" && /^\d+$/.test(v.text))) {
    errs.err(where(v ?? s), `expected quoted string near ${v ? describe(v) : "';'"}`);
    return undefined;
  }
  return noMore(s, 2, errs) ? v.text : undefined;
}

export function readUint(
  v: Item | undefined,
  at: Where,
  errs: Errs,
  min: number,
  max: number,
): number | undefined {
  if (!isText(v) || !/^\d+$/.test(v.text)) {
    errs.err(v ? where(v) : at, `expected integer near ${v ? describe(v) : "';'"}`);
    return undefined;
  }
  const n = Number(v.text);
  if (n < min || n > max) {
    errs.err(where(v), `value '${v.text}' is out of range (${min}-${max})`);
    return undefined;
  }
  return n;
}

export function readPort(v: Item | undefined, at: Where, errs: Errs): number | undefined {
  if (!isText(v) || !/^\d+$/.test(v.text)) {
    errs.err(v ? where(v) : at, `expected port near ${v ? describe(v) : "';'"}`);
    return undefined;
  }
  const n = Number(v.text);
  if (n > 65535) {
    errs.err(where(v), `port value '${v.text}' is out of range`);
    return undefined;
  }
  return n;
}

const BUILTIN = new Set(["any", "none", "localhost", "localnets"]);

export function isBuiltinAcl(name: string): boolean {
  return BUILTIN.has(name.toLowerCase());
}

/** Host bits set beyond the prefix (`10.1.1.1/8`), which BIND rejects. */
function hostBitsSet(host: string, bits: number): boolean {
  const a = parseAddress(host);
  if (a === undefined) return false;
  if (a.family === 4) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (a.v4 & ~mask) >>> 0 !== 0;
  }
  const b = a.v6!;
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    if ((b[i]! & ~((0xff << (8 - keep)) & 0xff) & 0xff) !== 0) return true;
  }
  return false;
}

function looksLikeAddress(t: string): boolean {
  return /^[0-9.]+(\/.*)?$/.test(t) || t.includes(":");
}

/** One address or prefix, BIND's short IPv4 forms allowed (`128.32/16`). */
export function readPrefix(t: Token, errs: Errs): AmlElement | undefined {
  const c = parseCidr(t.text, { shortForms: true });
  if (typeof c === "string") {
    errs.err(where(t), c);
    return undefined;
  }
  const slash = t.text.indexOf("/");
  if (slash >= 0) {
    let host = t.text.slice(0, slash);
    if (!host.includes(":")) {
      const parts = host.split(".");
      while (parts.length < 4) parts.push("0");
      host = parts.join(".");
    }
    if (hostBitsSet(host, c.bits)) {
      errs.err(where(t), `'${t.text}': address/prefix length mismatch '${c.bits}'`);
      return undefined;
    }
  }
  return { kind: "cidr", negated: false, cidr: c, at: where(t) };
}

/** An address match list block (undefined only when there is no block): `{ 10/8; !192.168.1/24; "trusted"; localhost; { ... }; };` */
export function readAml(block: Item | undefined, at: Where, errs: Errs): Aml | undefined {
  if (block?.kind !== "block") {
    errs.err(block ? where(block) : at, `expected '{' near ${block ? describe(block) : "';'"}`);
    return undefined;
  }
  const out: Aml = [];
  for (const s of block.stmts) {
    let i = 0;
    let negated = false;
    while (s.items[i]?.kind === "!") {
      negated = !negated;
      i++;
    }
    const v = s.items[i];
    let el: AmlElement | undefined;
    if (v === undefined) {
      errs.err(where(s), "expected an address match list element");
    } else if (v.kind === "block") {
      const inner = readAml(v, where(v), errs);
      if (inner) el = { kind: "nested", negated, list: inner, at: where(v) };
      i++;
    } else if (v.kind === "word" && v.text.toLowerCase() === "key") {
      errs.err(where(v), "TSIG keys in address match lists are not supported", "ECONF_UNSUPPORTED");
      i = s.items.length;
    } else if (isText(v)) {
      const low = v.text.toLowerCase();
      if (v.kind === "word" && BUILTIN.has(low)) {
        el = { kind: low as "any", negated, at: where(v) };
      } else if (v.kind === "word" && looksLikeAddress(v.text)) {
        el = readPrefix(v, errs);
        if (el) el.negated = negated;
      } else {
        el = { kind: "acl", negated, name: v.text, at: where(v) };
      }
      i++;
    } else {
      errs.err(where(v), `unexpected ${describe(v)}`);
    }
    if (!noMore(s, i, errs)) el = undefined;
    // A bad element is reported and left out; the rest is still checked (undefined acl names...).
    if (el) out.push(el);
  }
  return out;
}
