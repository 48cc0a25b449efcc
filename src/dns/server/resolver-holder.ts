import { cacheOptionsOf, resolverConfigOf } from "../config/resolver-conf.ts";
import type { Loaded } from "../config/load.ts";
import { RRCache } from "../resolver/cache.ts";
import { Resolver } from "../resolver/resolver.ts";
import type { Transport } from "../resolver/types.ts";
import { makeView, type ServerView } from "../view.ts";
import { CRYPTO_RANDOM, SocketTransport, SYSTEM_CLOCK } from "./transport.ts";

/**
 * Gives each loaded view its resolver when `recursion yes`. The resolver is rebuilt on reload (its
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

  /** The view to serve: the loaded one, with the resolver attached when recursion is on. */
  attach(loaded: Loaded): ServerView {
    const v = loaded.view;
    if (!v.recursion) {
      this.resolver = undefined;
      return v;
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
    return makeView({ ...v, resolver: this.resolver });
  }
}
