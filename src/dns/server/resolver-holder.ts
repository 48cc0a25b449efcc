import { cacheOptionsOf, resolverConfigOf } from "../config/resolver-conf.ts";
import { compileAml, hostNets } from "../config/aml.ts";
import type { Loaded } from "../config/load.ts";
import type { NamedConf } from "../config/model.ts";
import { Kind, RateLimiter } from "../rrl/limiter.ts";
import { RRCache } from "../resolver/cache.ts";
import { Resolver } from "../resolver/resolver.ts";
import type { Transport } from "../resolver/types.ts";
import { makeView, type ServerView } from "../view.ts";
import { CRYPTO_RANDOM, SocketTransport, SYSTEM_CLOCK } from "./transport.ts";

/**
 * Gives each loaded view its resolver when `recursion yes`, and its response rate limiter. The resolver is rebuilt on reload (its
 * forwarders or hints may have changed) but the RRset cache carries over, as BIND keeps its cache
 * across `rndc reload`; a changed max-cache-size starts a new cache.
 */
export class ResolverHolder {
  private resolver: Resolver | undefined;
  private cacheKey = "";
  private readonly transport: Transport;

  constructor(transport: Transport = new SocketTransport()) {
    this.transport = transport;
  }

  get current(): Resolver | undefined {
    return this.resolver;
  }

  /** The view to serve: the loaded one, with the resolver (recursion on) and the rate limiter. */
  attach(loaded: Loaded): ServerView {
    const v = loaded.view;
    const rrl = rateLimiterOf(loaded.conf);
    if (!v.recursion) {
      this.resolver = undefined;
      return rrl === undefined ? v : makeView({ ...v, rrl });
    }
    const cfg = resolverConfigOf(loaded.conf);
    const copts = cacheOptionsOf(loaded.conf);
    const key = JSON.stringify(copts);
    const cache =
      this.resolver !== undefined && key === this.cacheKey ? this.resolver.cache : new RRCache(copts);
    this.cacheKey = key;
    this.resolver = new Resolver(cfg, {
      transport: this.transport,
      clock: SYSTEM_CLOCK,
      random: CRYPTO_RANDOM,
      cache,
    });
    return makeView({
      ...v,
      resolver: this.resolver,
      rrl,
      authNxdomain: loaded.conf.options.authNxdomain ?? false,
    });
  }
}

/** `rate-limit { }` -> the limiter (BIND's defaults: referrals/nodata/nxdomains/errors follow
 *  responses-per-second). A new one per configuration load, as BIND starts afresh on reload. */
export function rateLimiterOf(conf: NamedConf): RateLimiter | undefined {
  const r = conf.options.recursionConf.rateLimit;
  if (r === undefined) return undefined;
  const base = r.responsesPerSecond;
  const rates: number[] = [];
  rates[Kind.ANSWER] = base;
  rates[Kind.REFERRAL] = r.referralsPerSecond ?? base;
  rates[Kind.NODATA] = r.nodataPerSecond ?? base;
  rates[Kind.NXDOMAIN] = r.nxdomainsPerSecond ?? base;
  rates[Kind.ERROR] = r.errorsPerSecond ?? base;
  return new RateLimiter({
    rates,
    allPerSecond: r.allPerSecond,
    window: r.window,
    slip: r.slip,
    ipv4PrefixLength: r.ipv4PrefixLength,
    ipv6PrefixLength: r.ipv6PrefixLength,
    logOnly: r.logOnly,
    maxTableSize: r.maxTableSize,
    exempt: r.exemptClients ? compileAml(r.exemptClients, conf.acls, hostNets()) : undefined,
  });
}
