import { lookup } from "../engine/authoritative.ts";
import { Rcode } from "../wire/message.ts";
import { keyOf } from "../wire/name.ts";
import type { Handler } from "./handler.ts";

/**
 * The handlers and their order: allow-query ACL -> authoritative zones -> recursion (the resolver
 * issue plugs in here) -> REFUSED.
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

/** Our zones: RFC 1034 4.3.2 via engine/authoritative.ts; passes on names outside every zone. */
export const authoritativeHandler: Handler = (ctx, next) => {
  const q = ctx.query.question[0]!;
  const zone = ctx.view.zones.find(keyOf(q.name));
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

/**
 * Recursion: netsvc has no resolver yet, so with `recursion no` (the only setting the config
 * accepts for now) this passes everything on. The resolver issue replaces this handler.
 */
export const recursionHandler: Handler = (_ctx, next) => {
  next();
};

/** Nothing answered: REFUSED, RA=0, as BIND with `recursion no`. */
export const refusedHandler: Handler = (ctx) => {
  ctx.response.rcode = Rcode.REFUSED;
};

export const CHAIN: readonly Handler[] = [aclHandler, authoritativeHandler, recursionHandler, refusedHandler];
