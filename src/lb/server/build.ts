import type { LbConfig, ProxyConfig } from "../config/model.ts";
import { newCounters } from "../engine/counters.ts";
import type { LbState } from "../engine/runtime.ts";
import type { ServerState } from "../engine/server.ts";
import { CompiledAcls } from "../proxy/acl.ts";
import type { BackendRt, FrontendRt, ServiceHandler, Ticker } from "../proxy/context.ts";
import { RequestLogger, type LogWriter } from "../proxy/log.ts";
import { ServerPool } from "../proxy/pool.ts";

/**
 * Turn a validated model and its engine state into what streams use: one BackendRt per backend
 * (engine state + a keep-alive pool per server) and one FrontendRt per frontend (compiled ACLs,
 * resolved use_backend rules, the request logger, the stats handler). Built once per (re)load.
 */

export interface Built {
  frontends: Map<string, FrontendRt>;
  backends: Map<string, BackendRt>;
}

export interface BuildOptions {
  ticker: Ticker;
  logOut?: LogWriter | undefined;
  /** Builds the stats handler for a proxy with `stats` settings. */
  statsHandler?: ((proxy: ProxyConfig) => ServiceHandler) | undefined;
}

/** Idle server connections live at most this long without `timeout http-keep-alive` / `server`. */
const DEFAULT_IDLE_MS = 10_000;

export function buildRuntime(config: LbConfig, state: LbState, opts: BuildOptions): Built {
  const backends = new Map<string, BackendRt>();
  for (const ps of state.proxies) {
    if (ps.backend === undefined) continue;
    const cfg = ps.config;
    const pools = new Map<ServerState, ServerPool>();
    const idle = Math.min(
      cfg.timeouts.server ?? DEFAULT_IDLE_MS,
      cfg.timeouts.httpKeepAlive ?? DEFAULT_IDLE_MS,
    );
    for (const s of ps.backend.servers)
      pools.set(
        s,
        new ServerPool({ host: s.config.host, port: s.config.port, idleTimeoutMs: idle, maxIdle: 1024 }),
      );
    backends.set(cfg.name, { cfg, state: ps.backend, pools });
  }
  const frontends = new Map<string, FrontendRt>();
  for (const ps of state.proxies) {
    const cfg = ps.config;
    if (!cfg.isFrontend) continue;
    const style = cfg.logFormat ?? "default";
    const log =
      cfg.logs.length > 0 ? new RequestLogger(cfg.logs, style, opts.logOut ?? process.stdout) : undefined;
    const fe: FrontendRt = {
      cfg,
      acls: new CompiledAcls(cfg.acls),
      counters: ps.frontend?.counters ?? newCounters(),
      useBackends: cfg.useBackends.map((u) => ({ cond: u.cond, backend: backends.get(u.backend)! })),
      defaultBackend:
        cfg.defaultBackend !== undefined
          ? backends.get(cfg.defaultBackend)
          : cfg.isBackend && cfg.servers.length > 0
            ? backends.get(cfg.name)
            : undefined,
      stats:
        cfg.stats !== undefined && opts.statsHandler !== undefined
          ? { uri: cfg.stats.uri, handler: opts.statsHandler(cfg) }
          : undefined,
      log,
      ticker: opts.ticker,
      streams: new Set(),
      onStreamEnd: undefined,
    };
    frontends.set(cfg.name, fe);
  }
  return { frontends, backends };
}

/** Close every idle pooled connection of a runtime being replaced. */
export function closePools(b: Built): void {
  for (const be of b.backends.values()) for (const p of be.pools.values()) p.close();
}
