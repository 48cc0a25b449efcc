import { Cidr, parseAddress, parseCidr } from "../../lib/acl.ts";
import type { ClientMatch } from "./types.ts";

/**
 * Client specifications (man 5 exports, "Machine Name Formats") and how they match.
 *
 * Forms: `*` (everyone), a single IP address, a network `addr/len` or `addr/netmask`, a host name,
 * a host-name wildcard with `*`, `?` and `[...]` classes (`*.example.com`). Netgroups (`@group`)
 * and `gss/...` pseudo-clients are refused with an error that names them.
 *
 * Specificity, used to pick the spec that applies when several match (mountd tries its client
 * classes in this order): 0 a single host (name or address), 1 a network (longer prefixes first),
 * 2 a wildcard, 3 `*`. Within one class the spec written first wins.
 */
export function parseClient(text: string): ClientMatch | string {
  if (text === "*" || text === "") return { kind: "world" };
  if (text.startsWith("@")) return `netgroups are not supported: '${text}' (list the hosts or networks)`;
  if (text.startsWith("gss/")) return `'${text}': Kerberos (gss/...) clients are not supported`;
  if (text.includes("/")) {
    const slash = text.indexOf("/");
    const host = text.slice(0, slash);
    let len = text.slice(slash + 1);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(len)) {
      const bits = netmaskBits(len);
      if (bits === undefined) return `invalid netmask '${len}' in '${text}'`;
      len = String(bits);
    }
    const c = parseCidr(`${host}/${len}`);
    if (typeof c === "string") return `invalid network '${text}': ${c}`;
    return { kind: "cidr", text, bits: c.bits };
  }
  if (parseAddress(text) !== undefined && (text.includes(":") || /^\d+\.\d+\.\d+\.\d+$/.test(text))) {
    const c = parseCidr(text);
    if (typeof c === "string") return `invalid address '${text}': ${c}`;
    return { kind: "cidr", text, bits: c.bits };
  }
  if (/[*?[]/.test(text)) {
    if (!/^[A-Za-z0-9.\-_*?[\]!^]+$/.test(text)) return `invalid host wildcard '${text}'`;
    if ((text.match(/\[/g) ?? []).length !== (text.match(/]/g) ?? []).length)
      return `unbalanced [ ] in wildcard '${text}'`;
    return { kind: "wildcard", pattern: text };
  }
  if (!/^[A-Za-z0-9_]([A-Za-z0-9.\-_]*[A-Za-z0-9_])?\.?$/.test(text)) return `invalid host name '${text}'`;
  return { kind: "host", name: text.toLowerCase().replace(/\.$/, "") };
}

/** 255.255.255.0 -> 24; undefined for a non-contiguous mask. */
export function netmaskBits(mask: string): number | undefined {
  const a = parseAddress(mask);
  if (a?.family !== 4) return undefined;
  const inv = ~a.v4 >>> 0;
  if ((inv & (inv + 1)) !== 0) return undefined;
  return 32 - Math.log2(inv + 1);
}

export function specificity(m: ClientMatch): number {
  switch (m.kind) {
    case "host":
      return 0;
    case "cidr":
      return m.bits === (m.text.includes(":") ? 128 : 32) ? 0 : 1;
    case "wildcard":
      return 2;
    case "world":
      return 3;
  }
}

/** Shell-style host pattern -> anchored, case-insensitive RegExp. */
export function wildcardRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith("!")) cls = "^" + cls.slice(1);
      re += `[${cls.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else re += ch.replace(/[.\-^$+(){}|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "i");
}

/** Host names (forward) and client addresses (reverse) as resolved outside the pure layer. */
export interface NameResolver {
  /** Addresses of a host name from the exports file (resolved when the file was loaded). */
  addressesOf(name: string): readonly string[];
  /** Names of a client address (reverse lookup, cached by the server); [] when unknown. */
  namesOf(address: string): readonly string[];
}

export const NO_NAMES: NameResolver = { addressesOf: () => [], namesOf: () => [] };

/** A ClientMatch compiled for fast matching. */
export class ClientMatcher {
  readonly match: ClientMatch;
  private readonly cidr: Cidr | undefined;
  private readonly re: RegExp | undefined;

  constructor(match: ClientMatch) {
    this.match = match;
    if (match.kind === "cidr") {
      const slash = match.text.indexOf("/");
      const host = slash < 0 ? match.text : match.text.slice(0, slash);
      this.cidr = parseCidr(`${host}/${match.bits}`) as Cidr;
    }
    if (match.kind === "wildcard") this.re = wildcardRegExp(match.pattern);
  }

  matches(address: string, names: NameResolver): boolean {
    switch (this.match.kind) {
      case "world":
        return true;
      case "cidr":
        return this.cidr!.contains(address);
      case "host": {
        const a = parseAddress(address);
        if (a === undefined) return false;
        for (const h of names.addressesOf(this.match.name)) {
          const b = parseAddress(h);
          if (b === undefined || b.family !== a.family) continue;
          if (a.family === 4 ? a.v4 === b.v4 : a.v6!.every((x, i) => x === b.v6![i])) return true;
        }
        return names.namesOf(address).some((n) => n.toLowerCase() === (this.match as { name: string }).name);
      }
      case "wildcard":
        return names.namesOf(address).some((n) => this.re!.test(n));
    }
  }
}

/** The spec's text as exportfs / showmount -e print it. */
export function clientText(m: ClientMatch): string {
  switch (m.kind) {
    case "world":
      return "*";
    case "cidr":
      return m.text;
    case "wildcard":
      return m.pattern;
    case "host":
      return m.name;
  }
}
