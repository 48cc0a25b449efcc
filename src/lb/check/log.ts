/**
 * Server state change messages, worded as HAProxy logs them (src/server.c srv_update_status):
 *   Server workers/w1 is DOWN, reason: Layer4 connection problem, info: "Connection refused",
 *   check duration: 0ms. 5 active and 0 backup servers left. 0 sessions active, 0 requeued,
 *   0 remaining in queue.
 *   Server workers/w1 is UP, reason: Layer7 check passed, code: 200, check duration: 1ms. 6 active
 *   and 0 backup servers online. 0 sessions requeued, 0 total in queue.
 *   backend 'workers' has no server available!
 */
import { countUsable, type BackendState } from "../engine/backend.ts";
import type { AdminState, ServerState } from "../engine/server.ts";
import { CHECK_STATUSES } from "./status.ts";

function reason(s: ServerState): string {
  const c = s.check;
  let r = `reason: ${CHECK_STATUSES[c.status].desc}`;
  if (c.code !== undefined) r += `, code: ${c.code}`;
  if (c.info !== undefined && c.info !== "") r += `, info: "${c.info}"`;
  return `${r}, check duration: ${c.durationMs}ms`;
}

function servers(be: BackendState, verb: string): string {
  const n = countUsable(be);
  const onBackup = n.active === 0 && n.backup > 0 ? " Running on backup." : "";
  return `${n.active} active and ${n.backup} backup servers ${verb}.${onBackup}`;
}

function who(be: BackendState, s: ServerState): string {
  return `${s.config.backup ? "Backup Server" : "Server"} ${be.name}/${s.name}`;
}

export function downMessage(be: BackendState, s: ServerState, requeued: number): string {
  return (
    `${who(be, s)} is DOWN, ${reason(s)}. ${servers(be, "left")} ` +
    `${s.cur} sessions active, ${requeued} requeued, ${s.queue.length} remaining in queue.`
  );
}

export function upMessage(be: BackendState, s: ServerState, requeued: number): string {
  return (
    `${who(be, s)} is UP, ${reason(s)}. ${servers(be, "online")} ` +
    `${requeued} sessions requeued, ${be.queue.length} total in queue.`
  );
}

export function noServerMessage(be: BackendState): string {
  return `backend '${be.name}' has no server available!`;
}

/** Messages for admin changes from the stats page (HAProxy's wording for MAINT/DRAIN/READY). */
export function adminMessage(be: BackendState, s: ServerState, from: AdminState, to: AdminState): string {
  const w = who(be, s);
  if (to === "MAINT")
    return `${w} is going DOWN for maintenance. ${servers(be, "left")} ${s.cur} sessions active, 0 requeued, ${s.queue.length} remaining in queue.`;
  if (to === "DRAIN") return `${w} enters drain state. ${servers(be, "left")}`;
  return from === "MAINT"
    ? `${w} is UP (leaving forced maintenance). ${servers(be, "online")}`
    : `${w} leaves drain state. ${servers(be, "online")}`;
}
