/**
 * The stats service's interface with the runtime.
 *
 * Contract with the runtime (src/lb/server, src/lb/proxy):
 * - For every HTTP request on a proxy whose config has `stats` set, the runtime calls
 *   handleStats(req, ctx) (src/lb/stats/handler.ts) before routing. It returns a response when the
 *   request is for stats (the stats URI, its `;csv` / `;json` forms, `;up`/`;norefresh` flags, the
 *   admin POST, and `/metrics`), or undefined: "not mine", route it as usual. For a plain node:http
 *   server, handleStatsRequest(req, res, ctx) wraps the same thing.
 * - `state()` returns the live LbState at request time, so a reload shows the new one; admin actions
 *   change it through the engine's setAdmin(), which is all the runtime needs to see.
 * - `admin(req)` evaluates the proxy's `stats admin if|unless COND` with the runtime's ACL engine
 *   (absent: no admin). The handler never evaluates ACLs itself.
 * - `onAdmin` (optional) is told of each admin change, after setAdmin(), with the previous admin
 *   state, so that the runtime can log it (and, with `--workers N`, pass it to the other workers).
 * - `peers` (optional, `--workers N`) returns the other workers' counters at request time; every
 *   view then shows the sum over the workers (see peers.ts for what is summed and what is maxed).
 */
import type { ProxyConfig } from "../config/model.ts";
import type { LbState } from "../engine/runtime.ts";
import type { BackendState } from "../engine/backend.ts";
import type { AdminState, ServerState } from "../engine/server.ts";
import type { PeerLookup } from "./peers.ts";

export interface StatsRequest {
  method: string;
  /** Request target as received (path and query). */
  target: string;
  /** Header value by lower-case name (the first occurrence), undefined when absent. */
  header(name: string): string | undefined;
  /** Client address as the socket reports it. */
  src: string;
  /** The request body (the admin form is a small urlencoded POST). */
  body: Buffer;
}

export interface StatsResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface StatsContext {
  state: () => LbState;
  /** The proxy serving stats (its `stats` settings apply). */
  proxy: ProxyConfig;
  /** Whether this request may use the admin form (`stats admin if COND`). */
  admin?: (req: StatsRequest) => boolean;
  /** Shown on the page unless `stats hide-version`. */
  version: string;
  pid: number;
  onAdmin?: (be: BackendState, server: ServerState, from: AdminState) => void;
  peers?: () => PeerLookup | undefined;
}
