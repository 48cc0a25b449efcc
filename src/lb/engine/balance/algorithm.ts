/**
 * The load-balancing algorithm interface (HAProxy's lb_* modules): one file per algorithm under
 * this folder, each registering a factory by its `balance` name.
 *
 * Contract:
 * - `rebuild(servers)` is called by the backend with the servers eligible for load-balanced traffic
 *   (usable actives, or the first usable backup when no active is usable), in declaration order,
 *   each with its current weight, whenever that set or a weight changes. It is never called with
 *   servers of weight 0.
 * - `pick(req, ok)` returns one of those servers, or undefined. `ok(s)` says whether a server can take
 *   a connection now (not full, not the server a retry must avoid). Algorithms that choose among
 *   servers (roundrobin, leastconn, first, random) skip the ones failing `ok` and return undefined
 *   when none passes (the backend then queues the request). Hash algorithms (source, uri, hdr)
 *   return their server even when full (the request then waits in that server's queue); they
 *   consult `ok` only to move away from a server a redispatch must avoid.
 * - `pick` updates the algorithm's own position (round-robin cursor); it never touches counters.
 * - No sockets, no timers; randomness comes from `env.random`.
 */
import type { Balance } from "../../config/model.ts";
import type { ServerState } from "../server.ts";

export interface RequestInfo {
  /** Client address (IPv4 dotted or IPv6 text; v4-mapped v6 is fine). */
  src: string;
  /** HTTP method; "" in tcp mode. */
  method: string;
  /** Request target as received (path + query); "" in tcp mode. */
  uri: string;
  /** Request headers, names lower-case (node:http's `req.headers`); empty in tcp mode. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface BalanceEnv {
  /** Uniform in [0, 1). */
  random(): number;
  /**
   * This process's place among `count` processes serving one backend (`netsvc lb --workers N`),
   * which the primary hands connections to in turn. Rotations (roundrobin, static-rr) are then
   * strided: every process runs the same rotation and takes every count-th server of it, starting
   * at `index`, so that together they follow one rotation as HAProxy's threads do.
   */
  share?: { index: number; count: number };
}

export interface LbAlgorithm {
  rebuild(servers: readonly ServerState[]): void;
  pick(req: RequestInfo, ok: (s: ServerState) => boolean): ServerState | undefined;
  /** True for hash-based algorithms (a full server means "queue on it", not "try another"). */
  readonly deterministic: boolean;
}

export type AlgorithmFactory = (balance: Balance, env: BalanceEnv) => LbAlgorithm;

const registry = new Map<string, AlgorithmFactory>();

export function registerAlgorithm(name: Balance["algorithm"], factory: AlgorithmFactory): void {
  registry.set(name, factory);
}

export function createAlgorithm(balance: Balance, env: BalanceEnv): LbAlgorithm {
  const f = registry.get(balance.algorithm);
  if (f === undefined) throw new Error(`no balance algorithm registered for '${balance.algorithm}'`);
  const algo = f(balance, env);
  const share = env.share;
  if (share === undefined || share.count <= 1 || !ROTATIONS.has(balance.algorithm)) return algo;
  return strided(algo, share.index % share.count, share.count);
}

const ROTATIONS = new Set<string>(["roundrobin", "static-rr"]);
const ANY = (): boolean => true;

/**
 * Take every count-th pick of `inner`, the index-th of each group (see BalanceEnv.share). The picks
 * another process takes are made with no slot check, so that every process's rotation advances
 * alike; a full server on this process's own pick moves it on as usual.
 */
export function strided(inner: LbAlgorithm, index: number, count: number): LbAlgorithm {
  return {
    deterministic: inner.deterministic,
    rebuild: (servers) => inner.rebuild(servers),
    pick(req, ok) {
      let mine: ServerState | undefined;
      for (let k = 0; k < count; k++) {
        const s = inner.pick(req, k === index ? ok : ANY);
        if (k === index) mine = s;
      }
      return mine;
    },
  };
}

export function registeredAlgorithms(): string[] {
  return [...registry.keys()];
}
