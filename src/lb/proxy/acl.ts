import { parseCidr, type Cidr } from "../../lib/acl.ts";
import type { Acl, Condition } from "../config/model.ts";
import type { RequestHead } from "./head.ts";

/**
 * ACL evaluation for `use_backend`, `http-request ... if|unless` (HAProxy's acl semantics): several
 * patterns of one ACL OR together, several `acl NAME` lines with the same name OR together, a
 * condition is an OR of AND-ed terms, `!` negates a term, `unless` negates the condition.
 * Compiled once per configuration; evaluation is pure.
 */

export interface AclSample {
  req: RequestHead | undefined;
  /** Client address as the socket reports it. */
  src: string;
  /** Path of the request (cached by pathOf). */
  path?: string | undefined;
}

type Matcher = (s: AclSample) => boolean;

/** The path of a request target: origin-form up to `?`, or the path of an absolute-form URI. */
export function pathOf(target: string): string {
  let p = target;
  if (!p.startsWith("/")) {
    const scheme = p.indexOf("://");
    if (scheme > 0) {
      const slash = p.indexOf("/", scheme + 3);
      p = slash < 0 ? "/" : p.slice(slash);
    }
  }
  const q = p.indexOf("?");
  return q < 0 ? p : p.slice(0, q);
}

function samplePath(s: AclSample): string | undefined {
  if (s.req === undefined) return undefined;
  s.path ??= pathOf(s.req.target);
  return s.path;
}

/** Every value of the header, comma-separated lists split (HAProxy's hdr() occurrences). */
function headerValues(s: AclSample, name: string): string[] {
  const out: string[] = [];
  const r = s.req;
  if (r === undefined) return out;
  for (let i = 0; i < r.lower.length; i++) {
    if (r.lower[i] !== name) continue;
    const v = r.values[i]!;
    if (name === "host" || name === "user-agent" || name === "date" || !v.includes(",")) out.push(v);
    else for (const part of v.split(",")) out.push(part.trim());
  }
  return out;
}

type StrTest = (value: string, pattern: string) => boolean;
const TESTS: Record<string, StrTest> = {
  exact: (v, p) => v === p,
  beg: (v, p) => v.startsWith(p),
  end: (v, p) => v.endsWith(p),
  sub: (v, p) => v.includes(p),
};

function compileOne(acl: Acl): Matcher {
  if (acl.fetch === "src") {
    const cidrs: Cidr[] = [];
    for (const p of acl.patterns) {
      const c = parseCidr(p);
      if (typeof c !== "string") cidrs.push(c);
    }
    return (s) => cidrs.some((c) => c.contains(s.src));
  }
  const ic = acl.ignoreCase;
  const patterns = ic ? acl.patterns.map((p) => p.toLowerCase()) : acl.patterns;
  const kind = acl.fetch.includes("_") ? acl.fetch.slice(acl.fetch.indexOf("_") + 1) : "exact";
  const test = TESTS[kind] ?? TESTS.exact!;
  const matchValue = (v: string): boolean => {
    const x = ic ? v.toLowerCase() : v;
    for (const p of patterns) if (test(x, p)) return true;
    return false;
  };
  if (acl.fetch.startsWith("path")) {
    return (s) => {
      const p = samplePath(s);
      return p !== undefined && matchValue(p);
    };
  }
  const header = acl.header ?? "host";
  return (s) => headerValues(s, header).some(matchValue);
}

export class CompiledAcls {
  private readonly byName = new Map<string, Matcher[]>();

  constructor(acls: readonly Acl[]) {
    for (const a of acls) {
      const list = this.byName.get(a.name) ?? [];
      list.push(compileOne(a));
      this.byName.set(a.name, list);
    }
  }

  /** Evaluate one named ACL (unknown names never match; the config layer rejects them). */
  test(name: string, s: AclSample): boolean {
    const list = this.byName.get(name);
    if (list === undefined) return false;
    for (const m of list) if (m(s)) return true;
    return false;
  }

  /** Evaluate a condition; an absent condition is true. */
  holds(cond: Condition | undefined, s: AclSample): boolean {
    if (cond === undefined) return true;
    let result = false;
    for (const and of cond.anyOf) {
      let all = true;
      for (const term of and) {
        if (this.test(term.acl, s) === term.negate) {
          all = false;
          break;
        }
      }
      if (all) {
        result = true;
        break;
      }
    }
    return cond.unless ? !result : result;
  }
}
