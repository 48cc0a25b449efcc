import { readFileSync } from "node:fs";
import { ConfigError, ConfigErrors } from "../../lib/errors.ts";
import type { CacheOptions } from "../resolver/cache.ts";
import { BUILTIN_HINTS, parseHints } from "../resolver/hints.ts";
import { DEFAULT_RESOLVER_CONFIG, type ResolverConfig } from "../resolver/resolver.ts";
import { keyFromText } from "../wire/name.ts";
import type { NamedConf } from "./model.ts";

/**
 * named.conf -> the resolver's configuration: the root hints (`zone "." { type hint; }`, else the
 * built-in loopback root: never the internet's), `forwarders`/`forward` (BIND's default is `forward
 * first` when forwarders are set), `port`, `resolver-query-timeout`, and the cache limits.
 */
export function resolverConfigOf(conf: NamedConf): ResolverConfig {
  const o = conf.options;
  const rc = o.recursionConf;
  const hint = conf.zones.find((z) => z.type === "hint");
  let hints;
  if (hint === undefined) hints = parseHints(BUILTIN_HINTS, "<built-in root hints>");
  else {
    let text: string;
    try {
      text = readFileSync(hint.file, "latin1");
    } catch {
      throw new ConfigErrors([
        new ConfigError(
          "EZONE_LOAD",
          `zone ./IN: could not configure root hints from '${hint.fileAsWritten}': file not found`,
          hint.at,
        ),
      ]);
    }
    hints = parseHints(text, hint.file);
  }
  return {
    ...DEFAULT_RESOLVER_CONFIG,
    hints,
    forwarders: o.forwarders.map((f) => ({ host: f.host, port: f.port ?? o.forwardersPort ?? 53 })),
    forward: o.forward ?? "first",
    forwardZones: new Map(
      conf.zones.flatMap((z) =>
        z.type === "forward" && z.forward !== undefined
          ? [
              [
                keyFromText(z.name),
                {
                  forwarders: z.forward.forwarders.map((f) => ({
                    host: f.host,
                    port: f.port ?? z.forward!.forwardersPort ?? 53,
                  })),
                  forward: z.forward.mode ?? ("first" as const),
                },
              ] as const,
            ]
          : [],
      ),
    ),
    serverPort: rc.port ?? 53,
    queryTimeoutMs: rc.resolverQueryTimeoutMs ?? DEFAULT_RESOLVER_CONFIG.queryTimeoutMs,
  };
}

export function cacheOptionsOf(conf: NamedConf): Partial<CacheOptions> {
  const rc = conf.options.recursionConf;
  const out: Partial<CacheOptions> = {};
  if (rc.maxCacheSize !== undefined) out.maxBytes = rc.maxCacheSize;
  if (rc.maxCacheTtl !== undefined) out.maxTtl = rc.maxCacheTtl;
  if (rc.maxNcacheTtl !== undefined) out.maxNegTtl = rc.maxNcacheTtl;
  return out;
}
