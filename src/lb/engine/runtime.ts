/**
 * The state of a whole load balancer: one entry per proxy with its frontend counters and its
 * backend state. This is what the runtime keeps, what the check runner updates and what the stats
 * renderers read.
 *
 * Contract: createLbState(config, {clock, prev}) builds a new state for a (re)loaded config; with
 * `prev` every proxy of the same name keeps its counters and every server of the same backend and
 * name its admin state, health and counters (see server.ts carryOver). The runtime swaps the whole
 * object on reload; requests in flight keep releasing on the state they were dispatched on.
 */
import type { LbConfig, ProxyConfig } from "../config/model.ts";
import { createBackendState, type BackendState } from "./backend.ts";
import type { BalanceEnv } from "./balance/algorithm.ts";
import { newCounters, type Clock, type Counters } from "./counters.ts";

export interface ProxyState {
  readonly config: ProxyConfig;
  readonly name: string;
  /** Frontend side (frontend and listen sections): counters the runtime increments. */
  readonly frontend: { counters: Counters } | undefined;
  /** Backend side (backend and listen sections). */
  readonly backend: BackendState | undefined;
}

export interface LbState {
  readonly config: LbConfig;
  readonly proxies: ProxyState[];
  readonly byName: Map<string, ProxyState>;
  readonly clock: Clock;
  /** Process start (ms), kept across reloads, for the stats page's uptime. */
  readonly startedAt: number;
}

export interface LbStateOptions {
  clock: Clock;
  env?: BalanceEnv;
  prev?: LbState | undefined;
}

export function createLbState(config: LbConfig, opts: LbStateOptions): LbState {
  const proxies = config.proxies.map((p): ProxyState => {
    const prev = opts.prev?.byName.get(p.name);
    const frontend = p.isFrontend ? { counters: prev?.frontend?.counters ?? newCounters() } : undefined;
    const backend = p.isBackend
      ? createBackendState(p, {
          clock: opts.clock,
          prev: prev?.backend,
          ...(opts.env === undefined ? {} : { env: opts.env }),
        })
      : undefined;
    return { config: p, name: p.name, frontend, backend };
  });
  return {
    config,
    proxies,
    byName: new Map(proxies.map((p) => [p.name, p])),
    clock: opts.clock,
    startedAt: opts.prev?.startedAt ?? opts.clock.now(),
  };
}
