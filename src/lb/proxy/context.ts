import type { ProxyConfig } from "../config/model.ts";
import type { Counters } from "../engine/counters.ts";
import type { BackendState } from "../engine/backend.ts";
import type { ServerState } from "../engine/server.ts";
import type { CompiledAcls } from "./acl.ts";
import type { StatsRequest, StatsResponse } from "../stats/context.ts";
import type { ServerPool } from "./pool.ts";
import type { RequestLogger } from "./log.ts";

/**
 * What a proxied stream needs from the runtime, built once per (re)load by src/lb/server. A stream
 * keeps the context it started with: after a reload, established connections finish with the old
 * configuration and new connections get the new one (HAProxy's old/new process split).
 */

export interface BackendRt {
  cfg: ProxyConfig;
  state: BackendState;
  /** One keep-alive pool per server. */
  pools: Map<ServerState, ServerPool>;
}

/**
 * A built-in service on a frontend (the stats page): answers synchronously, or undefined when the
 * request is not for it (then it is routed as usual).
 */
export type ServiceHandler = (req: StatsRequest) => StatsResponse | undefined;

export interface FrontendRt {
  cfg: ProxyConfig;
  acls: CompiledAcls;
  counters: Counters;
  /** Resolved `use_backend` rules, in order. */
  useBackends: { cond: ProxyConfig["useBackends"][number]["cond"]; backend: BackendRt }[];
  defaultBackend: BackendRt | undefined;
  /** `stats uri` of this proxy with its handler. */
  stats: { uri: string; handler: ServiceHandler } | undefined;
  log: RequestLogger | undefined;
  /** Coarse clock (ms), advanced by the runtime's ticker; used for timeouts. */
  ticker: Ticker;
  /** Streams alive on this frontend (for draining and the timeout sweep). */
  streams: Set<Stream>;
  /** Called when a stream of this frontend ends (a connection held at `maxconn` may start). */
  onStreamEnd: (() => void) | undefined;
}

export interface Stream {
  /** Check timeouts at `now`. */
  tick(now: number): void;
  /** Finish the current exchange, then close (SIGTERM drain). */
  drain(): void;
}

export interface Ticker {
  now: number;
}

/** The Content of the retry turn-around: HAProxy waits 1 s before retrying a refused connection. */
export const RETRY_DELAY_MS = 1000;
/** Largest request or response head (HAProxy's tune.bufsize less its reserve). */
export const MAX_HEAD = 15360;
