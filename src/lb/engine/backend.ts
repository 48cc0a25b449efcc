/**
 * Runtime state of one backend and the engine's entry points the proxy runtime calls.
 *
 * Contract for the runtime (src/lb/proxy, src/lb/server):
 * - createBackendState(proxy, {clock, prev}) once per backend and per (re)load. With `prev` (the
 *   state of the same-named backend before a reload) servers of the same name keep their admin
 *   state, health, counters and downtime; the backend keeps its counters.
 * - dispatch(be, req, {avoid}) for each request (http) or connection (tcp):
 *     {kind: "server"}      a slot on that server is taken (cur++); call release() exactly once
 *                           when the connection to it ends (or fails);
 *     {kind: "queued"}      every candidate is at maxconn: await entry.promise (resolves with the
 *                           server, slot already taken), and call cancelQueued() on `timeout queue`
 *                           or client abort (then answer 503 for a queue timeout, as HAProxy);
 *     {kind: "unavailable"} no usable server: answer 503 (HAProxy: "no server available").
 *   `avoid` = a server a retry with `option redispatch` must not get again (it is still used when
 *   it is the only one).
 * - release(be, server) frees the slot and hands it to the oldest waiting request if any.
 * - setAdmin / setWeight from the stats admin form; the check machine changes health via
 *   check/fsm.ts and then calls serversChanged(be).
 * Pure: no sockets, no timers; time from `clock`.
 */
import type { ProxyConfig } from "../config/model.ts";
import { createAlgorithm, type BalanceEnv, type LbAlgorithm, type RequestInfo } from "./balance/algorithm.ts";
import "./balance/index.ts";
import { newCounters, rateAdd, type Clock, type Counters } from "./counters.ts";
import {
  carryOver,
  hasSlot,
  isUp,
  isUsable,
  newServerState,
  type AdminState,
  type QueueEntry,
  type ServerState,
} from "./server.ts";

export interface BackendState {
  readonly config: ProxyConfig;
  readonly name: string;
  readonly servers: ServerState[];
  readonly byName: Map<string, ServerState>;
  /** Servers currently taking load-balanced traffic (actives, or the first backup). */
  eligible: ServerState[];
  /** Requests waiting for any server. */
  queue: QueueEntry[];
  counters: Counters;
  algo: LbAlgorithm;
  clock: Clock;
  /** Last time the backend went UP or DOWN (ms). */
  lastChange: number;
  downtime: number;
  downSince: number;
}

export interface BackendOptions {
  clock: Clock;
  env?: BalanceEnv;
  prev?: BackendState | undefined;
}

export function createBackendState(proxy: ProxyConfig, opts: BackendOptions): BackendState {
  const now = opts.clock.now();
  const servers = proxy.servers.map((sc) => newServerState(proxy.name, sc, now));
  const byName = new Map(servers.map((s) => [s.name, s]));
  const prev = opts.prev;
  if (prev !== undefined) {
    for (const s of servers) {
      const p = prev.byName.get(s.name);
      if (p !== undefined) carryOver(s, p);
    }
  }
  const be: BackendState = {
    config: proxy,
    name: proxy.name,
    servers,
    byName,
    eligible: [],
    queue: [],
    counters: prev?.counters ?? newCounters(),
    algo: createAlgorithm(proxy.balance, opts.env ?? { random: Math.random }),
    clock: opts.clock,
    lastChange: prev?.lastChange ?? now,
    downtime: prev?.downtime ?? 0,
    downSince: prev?.downSince ?? -1,
  };
  serversChanged(be);
  return be;
}

export type Dispatch =
  { kind: "server"; server: ServerState } | { kind: "queued"; entry: QueueEntry } | { kind: "unavailable" };

export interface DispatchOptions {
  avoid?: ServerState | undefined;
}

/** Choose a server for a request without taking a slot (undefined: none usable or all full). */
export function pick(
  be: BackendState,
  req: RequestInfo,
  opts: DispatchOptions = {},
): ServerState | undefined {
  if (be.eligible.length === 0) return undefined;
  const avoid = opts.avoid !== undefined && be.eligible.length > 1 ? opts.avoid : undefined;
  return be.algo.pick(req, (s) => s !== avoid && (be.algo.deterministic || hasSlot(s)));
}

export function dispatch(be: BackendState, req: RequestInfo, opts: DispatchOptions = {}): Dispatch {
  if (be.eligible.length === 0) return { kind: "unavailable" };
  const s = pick(be, req, opts);
  const now = be.clock.now();
  if (s !== undefined && hasSlot(s) && s.queue.length === 0) {
    acquire(be, s, now);
    return { kind: "server", server: s };
  }
  // Full: wait on that server (hash algorithms) or on the backend (the others).
  const entry = newEntry(s, now);
  if (s !== undefined) {
    s.queue.push(entry);
    if (s.queue.length > s.counters.qmax) s.counters.qmax = s.queue.length;
  } else {
    be.queue.push(entry);
    if (be.queue.length > be.counters.qmax) be.counters.qmax = be.queue.length;
  }
  return { kind: "queued", entry };
}

/** Take a slot on `s` for a new session (counted on the server and the backend). */
export function acquire(be: BackendState, s: ServerState, now = be.clock.now()): void {
  s.cur++;
  for (const c of [s.counters, be.counters]) {
    c.scur++;
    c.stot++;
    c.lbtot++;
    if (c.scur > c.smax) c.smax = c.scur;
    c.lastSess = now;
    rateAdd(c.rate, now);
  }
}

/** The session on `s` ended: free its slot and serve the queues. */
export function release(be: BackendState, s: ServerState): void {
  if (s.cur > 0) s.cur--;
  if (s.counters.scur > 0) s.counters.scur--;
  if (be.counters.scur > 0) be.counters.scur--;
  serveQueues(be);
}

/** Remove a waiting request (queue timeout or client gone). Returns false if it already got a server. */
export function cancelQueued(be: BackendState, entry: QueueEntry): boolean {
  if (entry.done) return false;
  entry.done = true;
  const list = entry.server?.queue ?? be.queue;
  const i = list.indexOf(entry);
  if (i >= 0) list.splice(i, 1);
  return true;
}

/** Requests waiting in the backend queue (qcur). */
export function queueLength(be: BackendState): number {
  return be.queue.length;
}

export function setAdmin(be: BackendState, s: ServerState, admin: AdminState): void {
  if (s.admin === admin) return;
  const wasUsable = isUsable(s);
  s.admin = admin;
  if (wasUsable !== isUsable(s)) s.lastChange = be.clock.now();
  serversChanged(be);
}

export function setWeight(be: BackendState, s: ServerState, weight: number): void {
  s.weight = Math.max(0, Math.min(256, Math.trunc(weight)));
  serversChanged(be);
}

/** Counts for logs: usable active and backup servers. */
export function countUsable(be: BackendState): { active: number; backup: number } {
  let active = 0;
  let backup = 0;
  for (const s of be.servers) {
    if (!isUsable(s)) continue;
    if (s.config.backup) backup++;
    else active++;
  }
  return { active, backup };
}

/** Backend status "UP" / "DOWN" (DOWN when no server is usable). */
export function backendUp(be: BackendState): boolean {
  return be.servers.some((s) => isUsable(s));
}

/**
 * Recompute the eligible set after a health, admin or weight change; move requests pinned to a
 * server that can no longer take traffic to the backend queue (returns how many were requeued);
 * then serve the queues.
 */
export function serversChanged(be: BackendState): number {
  const now = be.clock.now();
  const actives = be.servers.filter((s) => !s.config.backup && isUsable(s));
  // Without `option allbackups` HAProxy uses only the first usable backup.
  const backup = be.servers.find((s) => s.config.backup && isUsable(s));
  be.eligible = actives.length > 0 ? actives : backup !== undefined ? [backup] : [];
  be.algo.rebuild(be.eligible);
  let requeued = 0;
  for (const s of be.servers) {
    if (s.queue.length > 0 && !be.eligible.includes(s)) {
      for (const e of s.queue) {
        (e as { server: ServerState | undefined }).server = undefined;
        be.queue.push(e);
        requeued++;
      }
      s.queue = [];
    }
    // Track downtime of servers.
    if (!isUp(s) && s.downSince < 0) s.downSince = now;
    if (isUp(s) && s.downSince >= 0) {
      s.downtime += now - s.downSince;
      s.downSince = -1;
    }
  }
  // A backend without any server (a stats-only listen) is not "down" (HAProxy reports it UP).
  const up = be.eligible.length > 0 || be.servers.length === 0;
  if (!up && be.downSince < 0) {
    be.downSince = now;
    be.lastChange = now;
  } else if (up && be.downSince >= 0) {
    be.downtime += now - be.downSince;
    be.downSince = -1;
    be.lastChange = now;
  }
  serveQueues(be);
  return requeued;
}

function newEntry(server: ServerState | undefined, now: number): QueueEntry {
  let resolve!: (s: ServerState) => void;
  const promise = new Promise<ServerState>((r) => (resolve = r));
  return { promise, server, since: now, data: undefined, resolve, done: false };
}

/** Give free slots to waiting requests: a server's own queue first, then the backend's (oldest first). */
function serveQueues(be: BackendState): void {
  const now = be.clock.now();
  for (const s of be.eligible) {
    while (hasSlot(s)) {
      const own = s.queue[0];
      const shared = be.queue[0];
      const entry = own !== undefined && (shared === undefined || own.since <= shared.since) ? own : shared;
      if (entry === undefined) break;
      if (entry === own) s.queue.shift();
      else be.queue.shift();
      entry.done = true;
      acquire(be, s, now);
      entry.resolve(s);
    }
  }
}
