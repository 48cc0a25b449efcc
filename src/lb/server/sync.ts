/**
 * Server state shared by the workers of a `--workers N` balancer (pure: no IPC, no timers; the
 * messages are carried by shared.ts and hub.ts).
 *
 * One worker runs the health checks; after every completed check it publishes the server's check
 * state (checkSyncOf). An admin change (stats page form) is published by the worker that applied
 * it. Every other worker applies what it receives with applySync(), which goes through the
 * engine (setAdmin/setWeight/serversChanged) so that balancing and queues follow at once. Servers
 * are named by backend and server name, as a reload's carryOver does, so messages stay valid
 * across reloads; a check state taken with other rise/fall values is mapped like carryOver maps
 * it (same direction, progress kept where possible).
 */
import { serversChanged, setAdmin, setWeight } from "../engine/backend.ts";
import type { LbState } from "../engine/runtime.ts";
import { isUp, type AdminState, type CheckState, type ServerState } from "../engine/server.ts";

/** A server's check state (without `enabled`) plus the times the stats page reads. */
export type CheckSync = Omit<CheckState, "enabled"> &
  Pick<ServerState, "lastChange" | "downtime" | "downSince">;

/** What one worker tells the others about one server (absent parts: unchanged). */
export interface ServerSync {
  backend: string;
  server: string;
  admin?: AdminState;
  weight?: number;
  check?: CheckSync;
}

export function checkSyncOf(s: ServerState): CheckSync {
  const c = s.check;
  return {
    health: c.health,
    rise: c.rise,
    fall: c.fall,
    status: c.status,
    ...(c.code === undefined ? {} : { code: c.code }),
    ...(c.info === undefined ? {} : { info: c.info }),
    durationMs: c.durationMs,
    lastAt: c.lastAt,
    failed: c.failed,
    downs: c.downs,
    lastChange: s.lastChange,
    downtime: s.downtime,
    downSince: s.downSince,
  };
}

/** Everything shared about one server: admin state, weight and, when checked, its check state. */
export function serverSyncOf(s: ServerState): ServerSync {
  return {
    backend: s.backend,
    server: s.name,
    admin: s.admin,
    weight: s.weight,
    ...(s.check.enabled ? { check: checkSyncOf(s) } : {}),
  };
}

/** Every server of a state (the checker's full picture, sent after a reload). */
export function dumpOf(state: LbState): ServerSync[] {
  return state.proxies.flatMap((p) => (p.backend === undefined ? [] : p.backend.servers.map(serverSyncOf)));
}

/** Health on this server's rise/fall scale for a state taken with (maybe) other values. */
function mappedHealth(c: CheckState, m: CheckSync): number {
  if (m.rise === c.rise && m.fall === c.fall) return Math.max(0, Math.min(c.rise + c.fall - 1, m.health));
  return m.health >= m.rise
    ? Math.min(c.rise + c.fall - 1, c.rise + (m.health - m.rise))
    : Math.max(0, Math.min(c.rise - 1, m.health));
}

/**
 * Apply what another worker published to the matching server of `state`. Returns false when the
 * state has no such server (removed by a reload: ignored). A change between UP and DOWN calls
 * serversChanged() (the eligible set is rebuilt and requests queued on a DOWN server move).
 */
export function applySync(state: LbState, m: ServerSync): boolean {
  const be = state.byName.get(m.backend)?.backend;
  const s = be?.byName.get(m.server);
  if (be === undefined || s === undefined) return false;
  const k = m.check;
  if (k !== undefined && s.check.enabled) {
    const c = s.check;
    const wasUp = isUp(s);
    c.health = mappedHealth(c, k);
    c.status = k.status;
    if (k.code === undefined) delete c.code;
    else c.code = k.code;
    if (k.info === undefined) delete c.info;
    else c.info = k.info;
    c.durationMs = k.durationMs;
    c.lastAt = k.lastAt;
    c.failed = k.failed;
    c.downs = k.downs;
    if (isUp(s) !== wasUp) serversChanged(be);
    s.lastChange = k.lastChange;
    s.downtime = k.downtime;
    if (isUp(s)) s.downSince = -1;
    else if (k.downSince >= 0) s.downSince = k.downSince;
  }
  if (m.admin !== undefined && m.admin !== s.admin) setAdmin(be, s, m.admin);
  if (m.weight !== undefined && m.weight !== s.weight) setWeight(be, s, m.weight);
  return true;
}
