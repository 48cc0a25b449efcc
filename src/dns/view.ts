import type { CookieConfig } from "./engine/cookie.ts";
import type { Resolver } from "./resolver/resolver.ts";
import type { RateLimiter } from "./rrl/limiter.ts";
import type { Keyring } from "./transfer/tsig.ts";
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
 *  (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`); `key` the name of the TSIG key that signed the request
 *  (verified; lower case, no trailing dot), which a `key NAME` element matches. */
export type AddressMatchList = (address: string, key?: string) => boolean;

/** A transfer we answered: `kind` is what was sent (an IXFR answered in AXFR form is "AXFR"). */
export interface TransferOutEvent {
  zone: string;
  kind: "AXFR" | "IXFR" | "IXFR-uptodate";
  serial: number;
  address: string;
  key: string | undefined;
  messages: number;
}

/** Per-zone settings that override the options (src/dns/transfer owns them). */
export interface ZoneOptions {
  /** The zone's `allow-transfer` (else the view's). */
  readonly allowTransfer?: AddressMatchList | undefined;
  /** Secondary zones: who may NOTIFY us (the primaries always may; `allow-notify` adds). */
  readonly allowNotify?: AddressMatchList | undefined;
  readonly secondary: boolean;
}

/** BIND's `minimal-responses` option (default `no-auth-recursive`). */
export type MinimalResponses = "no" | "yes" | "no-auth" | "no-auth-recursive";

export interface ServerView {
  /** The authoritative zones (class IN). */
  readonly zones: ZoneSet;
  /** `allow-query` (BIND default: any). A client outside it gets REFUSED. */
  readonly allowQuery: AddressMatchList;
  /** `recursion` (BIND default yes). Recursion happens only when `resolver` is set too; without
   *  it respond() answers RA=0 and REFUSED outside our zones. */
  readonly recursion: boolean;
  /** The resolver (src/dns/resolver) behind `recursion yes`. It is not part of what a reload
   *  swaps: the server hands the same resolver (and so the same cache) to each new view. */
  readonly resolver?: Resolver | undefined;
  /** `auth-nxdomain` (BIND 9 default no): AA=1 on NXDOMAIN answers that come from the resolver. */
  readonly authNxdomain?: boolean | undefined;
  /** Response rate limiting (`rate-limit { }`), applied to UDP responses; absent = off. */
  readonly rrl?: RateLimiter | undefined;
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
  /** DNS COOKIE (engine/cookie.ts); absent: queries' cookies are ignored (tests' bare views). */
  readonly cookies?: CookieConfig | undefined;
  /** TSIG keys (`key` statements), by the key of their name (see transfer/tsig.ts). */
  readonly keys?: Keyring;
  /** Per-zone options, by zone key. */
  readonly zoneOptions?: ReadonlyMap<string, ZoneOptions>;
  /** Zones configured but without data (a secondary before its first transfer, or expired): their
   *  names get SERVFAIL, as BIND answers. By zone key. */
  readonly unavailable?: ReadonlySet<string>;
  /** Called (synchronously, must not throw) when an allowed NOTIFY arrives for a secondary zone. */
  readonly onNotify?: (zone: string, from: string) => void;
  /** Called (synchronously, must not throw) when a transfer out is answered (for the log). */
  readonly onTransferOut?: (t: TransferOutEvent) => void;
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
