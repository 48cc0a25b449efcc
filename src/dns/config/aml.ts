import { networkInterfaces } from "node:os";
import { parseAddress, parseCidr, type Cidr, type ParsedAddress } from "../../lib/acl.ts";
import type { AddressMatchList } from "../view.ts";
import type { Aml, NamedConf } from "./model.ts";

/**
 * Compile a BIND address match list into the predicate the ServerView wants.
 *
 * BIND's semantics (lib/dns/acl.c): elements are tried in order and the first that matches decides;
 * a matching `!element` denies. A nested list or acl name matches when the address gets a positive
 * answer from it; a negative answer from a nested list counts as "no match" (so a double negation
 * never turns into a surprise allow). No element matching means deny. `localhost` is every address
 * of this host's interfaces, `localnets` every network they are on.
 */
type Node =
  | { kind: "cidr"; negated: boolean; cidr: Cidr }
  | { kind: "const"; negated: boolean; value: boolean }
  | { kind: "nested"; negated: boolean; list: Node[] };

export interface HostNets {
  localhost: Cidr[];
  localnets: Cidr[];
}

/** The host's interface addresses and networks (read when a configuration is loaded). */
export function hostNets(): HostNets {
  const localhost: Cidr[] = [];
  const localnets: Cidr[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      const host = parseCidr(a.address);
      if (typeof host !== "string") localhost.push(host);
      const net = parseCidr(a.cidr ?? `${a.address}/${a.family === "IPv4" ? 32 : 128}`);
      if (typeof net !== "string") localnets.push(net);
    }
  }
  return { localhost, localnets };
}

function compileList(list: Aml, acls: NamedConf["acls"], nets: HostNets, depth: number): Node[] {
  if (depth > 64) return []; // loops are rejected by the checks; this is only a guard
  const out: Node[] = [];
  for (const e of list) {
    switch (e.kind) {
      case "cidr":
        out.push({ kind: "cidr", negated: e.negated, cidr: e.cidr });
        break;
      case "any":
      case "none":
        out.push({ kind: "const", negated: e.negated, value: e.kind === "any" });
        break;
      case "localhost":
      case "localnets": {
        const cidrs = e.kind === "localhost" ? nets.localhost : nets.localnets;
        const inner: Node[] = cidrs.map((cidr) => ({ kind: "cidr", negated: false, cidr }));
        out.push({ kind: "nested", negated: e.negated, list: inner });
        break;
      }
      case "acl": {
        const def = acls.get(e.name);
        out.push({
          kind: "nested",
          negated: e.negated,
          list: def ? compileList(def.list, acls, nets, depth + 1) : [],
        });
        break;
      }
      case "nested":
        out.push({ kind: "nested", negated: e.negated, list: compileList(e.list, acls, nets, depth + 1) });
        break;
    }
  }
  return out;
}

/** 1 = allowed, -1 = denied, 0 = no element matched. */
function evaluate(list: Node[], a: ParsedAddress): number {
  for (const n of list) {
    let hit: boolean;
    if (n.kind === "cidr") hit = n.cidr.containsParsed(a);
    else if (n.kind === "const") hit = n.value;
    else hit = evaluate(n.list, a) > 0;
    if (hit) return n.negated ? -1 : 1;
  }
  return 0;
}

const MEMO_LIMIT = 4096;

/**
 * The predicate: `any` alone is `() => true`, `none` alone `() => false`; otherwise results are
 * memoised per address string (bounded), since the list runs on every query.
 */
export function compileAml(list: Aml, acls: NamedConf["acls"], nets: HostNets): AddressMatchList {
  const nodes = compileList(list, acls, nets, 0);
  if (nodes.length >= 1 && nodes[0]!.kind === "const" && !nodes[0]!.negated && nodes[0]!.value)
    return () => true;
  if (nodes.length === 0 || (nodes[0]!.kind === "const" && !nodes[0]!.negated && !nodes[0]!.value))
    return () => false;
  const memo = new Map<string, boolean>();
  return (address: string): boolean => {
    const m = memo.get(address);
    if (m !== undefined) return m;
    const a = parseAddress(address);
    const r = a !== undefined && evaluate(nodes, a) > 0;
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(address, r);
    return r;
  };
}

/** Does an address (a bind address) match the list? Used to pick listen-on addresses. */
export function amlMatches(list: Aml, acls: NamedConf["acls"], nets: HostNets, address: string): boolean {
  const a = parseAddress(address);
  return a !== undefined && evaluate(compileList(list, acls, nets, 0), a) > 0;
}
