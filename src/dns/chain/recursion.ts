import type { Resolution } from "../resolver/types.ts";
import { S, STATS } from "../stats/counters.ts";
import { Rcode } from "../wire/message.ts";
import { RRType } from "../wire/rrtypes.ts";
import type { ServerView } from "../view.ts";
import type { Handler, QueryContext } from "./handler.ts";

/**
 * The recursion handler (after the authoritative one, so our own zones are answered first, as
 * BIND does). With `recursion yes` and a resolver:
 * - RD=1 from a client inside `allow-recursion`: the resolver answers (asynchronously: the handler
 *   sets ctx.pending and returns; the pipeline waits for it, then encodes).
 * - otherwise a client inside `allow-query-cache` gets what the cache holds;
 * - anything else goes on to REFUSED (never an open resolver).
 * Every answer here depends on the client and the time, so none is kept in the authoritative
 * answer cache (the pipeline keeps resolver answers in its own TTL-aware cache).
 */

/** Whether this client is offered recursion (BIND sets RA=1 for it on every response). */
export function recursionAvailable(view: ServerView, address: string): boolean {
  return view.recursion && view.resolver !== undefined && view.allowRecursion(address);
}

function fill(ctx: QueryContext, r: Resolution): void {
  const resp = ctx.response;
  resp.rcode = r.rcode;
  resp.aa = r.rcode === Rcode.NXDOMAIN && ctx.view.authNxdomain === true;
  resp.answer = r.answer;
  resp.authority = r.authority;
  // BIND adds no additional data to ANY
  const any = ctx.query.question[0]!.type === RRType.ANY;
  const resolver = ctx.view.resolver!;
  if (any) resp.additional = [];
  else
    resp.additional = resolver.additionalFor([
      ...r.answer,
      ...r.authority.filter((rr) => rr.type === RRType.NS),
    ]);
}

export const recursionHandler: Handler = (ctx, next) => {
  const view = ctx.view;
  const resolver = view.resolver;
  if (!view.recursion || resolver === undefined) {
    next();
    return;
  }
  ctx.cacheable = false;
  const q = ctx.query.question[0]!;
  const address = ctx.client.address;
  if (ctx.query.rd && view.allowRecursion(address) && view.allowQueryCache(address)) {
    ctx.recursive = true;
    STATS.scalar[S.recursion]!++;
    const local = ctx.local;
    if (local !== undefined && local.kind !== "delegation") {
      // our zones' CNAME chain leads elsewhere: resolve its target and append (AA from our data)
      const target = local.answer[local.answer.length - 1]!.rdata;
      const finish = (r: Resolution): void => {
        fill(ctx, { ...r, answer: [...local.answer, ...r.answer] });
        ctx.response.aa = true;
      };
      const hit = resolver.fromCache(target, q.type);
      if (hit !== undefined) finish(hit);
      else ctx.pending = resolver.resolve(target, q.type).then(finish);
      return;
    }
    // a delegation in our zones: its NS and glue are where the resolver starts (BIND does the same)
    if (local !== undefined) resolver.seedDelegation(local.authority, local.additional);
    const cached = resolver.fromCache(q.name, q.type);
    if (cached !== undefined) {
      STATS.scalar[S.cacheHits]!++;
      fill(ctx, cached);
      return;
    }
    STATS.scalar[S.cacheMisses]!++;
    ctx.pending = resolver.resolve(q.name, q.type).then((r) => fill(ctx, r));
    return;
  }
  if (ctx.query.rd) STATS.scalar[S.refusedRecursion]!++;
  const local = ctx.local;
  if (local !== undefined && local.kind !== "delegation" && !ctx.query.rd) {
    // RD=0, our CNAME leads out of our zones: its target from the cache when there (BIND)
    const target = local.answer[local.answer.length - 1]!.rdata;
    const hit = resolver.fromCache(target, q.type);
    const r = hit ?? { rcode: local.rcode, answer: [], authority: local.authority };
    fill(ctx, { ...r, answer: [...local.answer, ...r.answer] });
    ctx.response.aa = true;
    return;
  }
  if (view.allowQueryCache(address)) {
    const hit = resolver.fromCache(q.name, q.type);
    if (hit !== undefined) {
      // minimal-responses no-auth-recursive: a non-recursive query also gets the zone's NS
      const withNs = !ctx.query.rd && hit.rcode === Rcode.NOERROR && hit.answer.length > 0;
      fill(ctx, withNs ? { ...hit, authority: resolver.bestReferral(q.name) } : hit);
      return;
    }
    if (!ctx.query.rd) {
      // RD=0 and not cached: a referral to the closest zone we know servers for (BIND)
      fill(ctx, { rcode: Rcode.NOERROR, answer: [], authority: resolver.bestReferral(q.name) });
      return;
    }
  }
  next();
};
