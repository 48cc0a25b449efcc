import { lookup } from "../engine/authoritative.ts";
import { Rcode } from "../wire/message.ts";
import { keyOf } from "../wire/name.ts";
import type { Handler } from "./handler.ts";
import { recursionHandler } from "./recursion.ts";

/**
 * The handlers and their order: allow-query ACL -> authoritative zones -> recursion (recursion.ts)
 * -> REFUSED.
 */

/** allow-query: a client outside it gets REFUSED (BIND). */
export const aclHandler: Handler = (ctx, next) => {
  if (ctx.view.allowQuery(ctx.client.address)) {
    next();
    return;
  }
  ctx.response.rcode = Rcode.REFUSED;
  ctx.cacheable = false;
};

/** Whether the deepest configured zone holding `key` is one without data (deeper than `loaded`). */
function inUnavailable(unavailable: ReadonlySet<string>, key: string, loaded: string | undefined): boolean {
  for (let k = key; k !== loaded; k = k.slice(1 + k.charCodeAt(0))) {
    if (unavailable.has(k)) return true;
    if (k.length <= 1) return false;
  }
  return false;
}

/** Our zones: RFC 1034 4.3.2 via engine/authoritative.ts; passes on names outside every zone. */
export const authoritativeHandler: Handler = (ctx, next) => {
  const q = ctx.query.question[0]!;
  const key = keyOf(q.name);
  const zone = ctx.view.zones.find(key);
  if (
    ctx.view.unavailable !== undefined &&
    ctx.view.unavailable.size > 0 &&
    inUnavailable(ctx.view.unavailable, key, zone?.key)
  ) {
    // a secondary zone before its first transfer or after expiry (BIND: SERVFAIL)
    ctx.response.rcode = Rcode.SERVFAIL;
    return;
  }
  if (zone === undefined) {
    next();
    return;
  }
  // BIND answers minimally over UDP when the client's EDNS buffer is 512 or less
  const small =
    ctx.client.transport === "udp" && ctx.query.edns !== undefined && ctx.query.edns.udpSize <= 512;
  const mr = small ? "yes" : ctx.view.minimalResponses;
  const a = lookup(ctx.view.zones, q.name, q.type, {
    rd: ctx.query.rd,
    dnssec: ctx.query.edns?.do ?? false,
    authorityOnPositive: mr === "no" || (mr === "no-auth-recursive" && !ctx.query.rd),
  });
  const r = ctx.response;
  r.rcode = a.rcode;
  r.aa = a.aa;
  r.answer = a.answer;
  r.authority = a.authority;
  r.additional = a.additional;
  if (mr === "yes" && a.kind === "success") {
    r.authority = [];
    r.additional = [];
  }
};

/** Nothing answered: REFUSED, RA=0, as BIND with `recursion no`. */
export const refusedHandler: Handler = (ctx) => {
  ctx.response.rcode = Rcode.REFUSED;
};

export const CHAIN: readonly Handler[] = [aclHandler, authoritativeHandler, recursionHandler, refusedHandler];
