/**
 * The rise/fall state machine, pure (HAProxy src/check.c set_server_check_status and srv_getinter):
 * `health` runs from 0 to rise+fall-1; a server is UP when health >= rise. A passed check moves it
 * up by one, and reaching `rise` jumps to the top (fully UP); a failed check moves it down by one,
 * and dropping below `rise` falls straight to 0 (DOWN). A server starts at health = rise: UP, but
 * going DOWN at its first failure.
 *
 * applyOutcome() records the probe in the server's check state and says whether the server changed
 * between UP and DOWN; the caller then calls the engine's serversChanged() and logs the transition.
 */
import type { ServerState } from "../engine/server.ts";
import { checkFailed, checkPassed, type ProbeOutcome } from "./status.ts";

export type Transition = "up" | "down" | undefined;

export function applyOutcome(s: ServerState, o: ProbeOutcome, now: number): Transition {
  const c = s.check;
  const wasUp = c.health >= c.rise;
  c.status = o.status;
  if (o.code === undefined) delete c.code;
  else c.code = o.code;
  if (o.info === undefined) delete c.info;
  else c.info = o.info;
  c.durationMs = o.durationMs;
  c.lastAt = now;
  const top = c.rise + c.fall - 1;
  if (checkPassed(o.status)) {
    if (c.health < top) {
      c.health++;
      if (c.health >= c.rise) c.health = top;
    }
  } else if (checkFailed(o.status)) {
    if (c.health > 0) {
      c.failed++;
      c.health--;
      if (c.health < c.rise) c.health = 0;
    }
  }
  const isUp = c.health >= c.rise;
  if (wasUp === isUp) return undefined;
  s.lastChange = now;
  if (!isUp) c.downs++;
  return isUp ? "up" : "down";
}

/** Delay before the next check: inter when fully UP, downinter when fully DOWN, fastinter between. */
export function nextInterval(s: ServerState): number {
  const c = s.check;
  const cfg = s.config;
  if (c.health === c.rise + c.fall - 1) return cfg.inter;
  if (c.health === 0) return cfg.downinter;
  return cfg.fastinter;
}
