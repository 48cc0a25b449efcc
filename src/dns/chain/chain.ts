import { lookup } from "../engine/authoritative.ts";
import { Rcode } from "../wire/message.ts";
import { keyOf } from "../wire/name.ts";
import type { Answer } from "../engine/types.ts";
import { RRType } from "../wire/rrtypes.ts";
import type { Handler, QueryContext } from "./handler.ts";
import { recursionAvailable, recursionHandler } from "./recursion.ts";

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
  // A referral, or a CNAME chain that leaves our zones, is where a recursive server goes on
  // resolving (BIND): for a client offered recursion the recursion handler takes over from here.
  // Either way the answer now depends on the client, so it is not kept pre-encoded.
  // With RD=0 only the CNAME case goes on (its target may be in the cache); a referral stays ours.
  if (ctx.view.recursion && ctx.view.resolver !== undefined && continuesElsewhere(ctx, a)) {
    const view = ctx.view;
    const address = ctx.client.address;
    if (ctx.query.rd) {
      ctx.cacheable = false;
      if (recursionAvailable(view, address)) {
        ctx.local = a;
        next();
        return;
      }
    } else if (a.kind !== "delegation") {
      ctx.cacheable = false;
      if (view.allowQueryCache(address)) {
        ctx.local = a;
        next();
        return;
      }
    }
  }
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

function continuesElsewhere(ctx: QueryContext, a: Answer): boolean {
  if (a.kind === "delegation") return true;
  const last = a.answer[a.answer.length - 1];
  const qtype = ctx.query.question[0]!.type;
  return (
    a.kind === "success" &&
    last !== undefined &&
    last.type === RRType.CNAME &&
    qtype !== RRType.CNAME &&
    qtype !== RRType.ANY &&
    ctx.view.zones.find(keyOf(last.rdata)) === undefined
  );
}

/** Nothing answered: REFUSED, RA=0, as BIND with `recursion no`. */
export const refusedHandler: Handler = (ctx) => {
  ctx.response.rcode = Rcode.REFUSED;
};

export const CHAIN: readonly Handler[] = [aclHandler, authoritativeHandler, recursionHandler, refusedHandler];
