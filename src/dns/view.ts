import type { ZoneSet } from "./zone/zone.ts";

/**
 * The immutable serving view: everything respond() needs to answer a query, built by the config
 * layer (DNS-B: src/dns/config) and swapped atomically by the server on SIGHUP.
 *
 * Contract:
 * - Never mutate a view after handing it to respond(): build a new one and swap the reference.
 *   respond() caches pre-encoded answers per view object (a WeakMap keyed on the view), so a swap
 *   is also what invalidates that cache; a zone reload that kept the old view would serve stale data.
 * - Zones come from loadZoneFile() (src/dns/zone/load.ts) wrapped in a ZoneSet.
 * - The ACLs are BIND address match lists already resolved to a predicate (build them from
 *   named.conf `acl` / `allow-*` with src/lib/acl.ts, BIND first-match semantics: the first element
 *   that matches decides, `!elem` negates, nested lists and acl names expand in place, no match =
 *   deny). They run on EVERY query before the answer cache, so keep them cheap (the `any` list
 *   should be `() => true`; memoise per address string if the list is long).
 */

/** A resolved BIND address match list: true = allowed. `address` is what the socket reports
 *  (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`). */
export type AddressMatchList = (address: string) => boolean;

/** BIND's `minimal-responses` option (default `no-auth-recursive`). */
export type MinimalResponses = "no" | "yes" | "no-auth" | "no-auth-recursive";

export interface ServerView {
  /** The authoritative zones (class IN). */
  readonly zones: ZoneSet;
  /** `allow-query` (BIND default: any). A client outside it gets REFUSED. */
  readonly allowQuery: AddressMatchList;
  /** `recursion` (BIND default yes, but netsvc has no resolver yet: the config must set false
   *  until the resolver issue lands; respond() then answers RA=0 and REFUSED outside our zones). */
  readonly recursion: boolean;
  /** `allow-recursion` (BIND default: localnets; localhost). Only consulted when recursion is on. */
  readonly allowRecursion: AddressMatchList;
  /** `allow-query-cache` (BIND default: the allow-recursion list). */
  readonly allowQueryCache: AddressMatchList;
  /** `allow-transfer` (BIND 9.18 default: any). AXFR/IXFR from outside it get REFUSED. */
  readonly allowTransfer: AddressMatchList;
  /** `minimal-responses` (default `no-auth-recursive`). */
  readonly minimalResponses: MinimalResponses;
  /** `max-udp-size` (BIND default 1232): the cap on a UDP response whatever the client advertises. */
  readonly maxUdpSize: number;
  /** `edns-udp-size` (BIND default 1232): the payload size we advertise in our OPT record. */
  readonly ednsUdpSize: number;
}

/** Fill BIND's defaults around the parts a config really sets (zones at least). */
export function makeView(parts: Partial<ServerView> & { zones: ZoneSet }): ServerView {
  const any: AddressMatchList = () => true;
  return Object.freeze({
    allowQuery: any,
    recursion: false,
    allowRecursion: any,
    allowQueryCache: parts.allowRecursion ?? any,
    allowTransfer: any,
    minimalResponses: "no-auth-recursive" as const,
    maxUdpSize: 1232,
    ednsUdpSize: 1232,
    ...parts,
  });
}
