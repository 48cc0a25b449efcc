/**
 * Messages between the primary and the workers of `netsvc lb --workers N` (node:cluster IPC,
 * JSON-serialized). Who sends what and when:
 *
 * worker -> primary
 *   hello      once its message listener is installed, before it loads the configuration;
 *   ready      when its listeners are bound (the primary logs one ready line when all are);
 *   fatal      it could not start;  reloaded  after each reload (ok or the error);
 *   sync       a server's new state: after every completed health check (the checker), after an
 *              admin change (the worker that applied it); `full` = every server of the checker's
 *              state, sent when it (re)starts its checks, which replaces the primary's table;
 *   counters   a snapshot of its counters (stats/peers.ts), at most every SHARE_PERIOD_MS and
 *              only when something changed.
 * primary -> worker
 *   welcome    the answer to hello: whether it runs the health checks, the current state of every
 *              server known so far and the other workers' counters;
 *   role       it becomes the checker (the previous one died);
 *   sync       another worker's sync, relayed;
 *   peers      the latest counters of the other workers, of the workers that died (`retired`)
 *              and the combined maxima (`peaks`), RELAY_DELAY_MS after a worker sent its own, to
 *              the workers for which one of these changed;
 *   reload, stop.
 */
import type { Snapshot } from "../stats/peers.ts";
import type { ReadyEndpoint } from "./runtime.ts";
import type { ServerSync } from "./sync.ts";

/** How often a worker publishes its counters (the stats staleness is about this plus RELAY_DELAY_MS). */
export const SHARE_PERIOD_MS = 250;
/** The primary gathers counters arriving within this delay into one relay to each worker. */
export const RELAY_DELAY_MS = 50;

export type WorkerMessage =
  | { type: "hello" }
  | { type: "ready"; endpoints: ReadyEndpoint[] }
  | { type: "reloaded"; ok: boolean; error?: string }
  | { type: "fatal"; error: string }
  | { type: "sync"; servers: ServerSync[]; full?: boolean }
  | { type: "counters"; snap: Snapshot };

export type PrimaryMessage =
  | { type: "reload" }
  | { type: "stop" }
  | { type: "welcome"; checker: boolean; servers: ServerSync[]; peers: Snapshot[] }
  | { type: "role"; checker: boolean }
  | { type: "sync"; servers: ServerSync[] }
  | { type: "peers"; snaps: Snapshot[] };
