/**
 * Runtime state of one server: admin state (set by the operator: READY, DRAIN, MAINT), operational
 * state (set by health checks: the HAProxy `health` counter), weight, live connections, its queue
 * and counters. Pure data plus small pure functions; the backend (backend.ts) recomputes balancing
 * whenever one of these changes through setAdmin()/setWeight() or the check machine.
 *
 * HAProxy's health counter (src/check.c): 0..rise-1 means DOWN (going up when > 0), rise..rise+fall-1
 * means UP (going down when < rise+fall-1). A server without `check` is always UP ("no check").
 */
import type { ServerConfig } from "../config/model.ts";
import type { CheckStatus } from "../check/status.ts";
import { newCounters, type Counters } from "./counters.ts";

export type AdminState = "READY" | "DRAIN" | "MAINT";

export interface CheckState {
  enabled: boolean;
  rise: number;
  fall: number;
  /** 0 .. rise+fall-1 (see above). */
  health: number;
  /** Last check's status; INI before the first one. */
  status: CheckStatus;
  code?: number;
  info?: string;
  durationMs: number;
  /** When the last check completed (ms), -1 never. */
  lastAt: number;
  /** Failed checks (`chkfail`) and UP->DOWN transitions (`chkdown`). */
  failed: number;
  downs: number;
}

export interface QueueEntry<T = unknown> {
  /** Resolves with the server when a slot is given to this request (its slot is already taken). */
  readonly promise: Promise<ServerState>;
  /** The server it waits for (hash algorithms pin a server), or undefined for any. */
  readonly server: ServerState | undefined;
  readonly since: number;
  /** Opaque payload for the runtime. */
  data: T | undefined;
  /** @internal */ resolve: (s: ServerState) => void;
  /** @internal */ done: boolean;
}

export interface ServerState {
  readonly config: ServerConfig;
  readonly name: string;
  /** Owning backend's name. */
  readonly backend: string;
  admin: AdminState;
  /** Current user weight (starts at the configured one; `set weight` may change it). */
  weight: number;
  check: CheckState;
  /** Live connections (HAProxy's `served`). */
  cur: number;
  /** Requests waiting for this very server. */
  queue: QueueEntry[];
  counters: Counters;
  /** Last UP<->DOWN or admin change (ms). */
  lastChange: number;
  /** Accumulated DOWN time (ms) not counting the current DOWN period. */
  downtime: number;
  /** When the current DOWN period began, -1 when UP. */
  downSince: number;
}

export function newServerState(backend: string, config: ServerConfig, now: number): ServerState {
  return {
    config,
    name: config.name,
    backend,
    admin: config.disabled ? "MAINT" : "READY",
    weight: config.weight,
    check: {
      enabled: config.check,
      rise: config.rise,
      fall: config.fall,
      // HAProxy starts servers UP but "will fall down at first failure".
      health: config.rise,
      status: "INI",
      durationMs: 0,
      lastAt: -1,
      failed: 0,
      downs: 0,
    },
    cur: 0,
    queue: [],
    counters: newCounters(),
    lastChange: now,
    downtime: 0,
    downSince: -1,
  };
}

/** Operationally up (checks say so, or no checks). */
export function isUp(s: ServerState): boolean {
  return !s.check.enabled || s.check.health >= s.check.rise;
}

/** May receive new load-balanced traffic: READY, up, weight > 0. */
export function isUsable(s: ServerState): boolean {
  return s.admin === "READY" && isUp(s) && s.weight > 0;
}

/** Has a free connection slot (maxconn 0 = unlimited). */
export function hasSlot(s: ServerState): boolean {
  return s.config.maxconn === 0 || s.cur < s.config.maxconn;
}

/** Total DOWN time up to `now`. */
export function downtimeAt(s: ServerState, now: number): number {
  return s.downtime + (s.downSince >= 0 ? now - s.downSince : 0);
}

/**
 * The status text of the stats page and CSV, as HAProxy prints it: "UP", "UP 1/3" (going down),
 * "DOWN", "DOWN 1/2" (going up), "no check", "MAINT", "DRAIN".
 */
export function statusText(s: ServerState): string {
  if (s.admin === "MAINT") return "MAINT";
  const c = s.check;
  if (s.admin === "DRAIN" && isUp(s)) return "DRAIN";
  if (!c.enabled) return "no check";
  if (c.health >= c.rise) {
    return c.health === c.rise + c.fall - 1 ? "UP" : `UP ${c.health - c.rise + 1}/${c.fall}`;
  }
  return c.health === 0 ? "DOWN" : `DOWN ${c.health}/${c.rise}`;
}

/** Carry runtime state over a reload (same backend and server name): admin, health, counters. */
export function carryOver(next: ServerState, prev: ServerState): void {
  next.admin = next.config.disabled && !prev.config.disabled ? "MAINT" : prev.admin;
  if (prev.weight !== prev.config.weight) next.weight = prev.weight;
  const c = next.check;
  const p = prev.check;
  if (c.enabled && p.enabled) {
    const wasUp = p.health >= p.rise;
    // Keep the direction and, when possible, the progress towards the next transition.
    c.health = wasUp
      ? Math.min(c.rise + c.fall - 1, c.rise + (p.health - p.rise))
      : Math.min(c.rise - 1, p.health);
    c.status = p.status;
    if (p.code !== undefined) c.code = p.code;
    if (p.info !== undefined) c.info = p.info;
    c.durationMs = p.durationMs;
    c.lastAt = p.lastAt;
    c.failed = p.failed;
    c.downs = p.downs;
  }
  next.counters = prev.counters;
  next.lastChange = prev.lastChange;
  next.downtime = prev.downtime;
  next.downSince = isUp(next) ? -1 : prev.downSince;
}
