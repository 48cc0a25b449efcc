/**
 * A worker's side of the shared state of `--workers N` (protocol in messages.ts, primary in hub.ts):
 * the hooks an LbRuntime gets so that N processes act as one balancer.
 *
 * - prepareState: a worker's first state gets the servers' current health, admin state and weight
 *   from the primary's welcome before its listeners open (so it never serves on stale health);
 *   later states come from the worker's own reloads (carryOver), kept in line by the relays.
 * - startChecks: only the designated worker probes; after every completed check it publishes the
 *   server's check state. Transitions are logged by the checker only (the runner does it); the
 *   others apply relayed states silently (applySync), calling the engine's serversChanged.
 * - publishAdmin: an admin change applied here (stats form) goes to every other worker.
 * - counters: every SHARE_PERIOD_MS (unref'd timer) a snapshot of this worker's counters goes to
 *   the primary when it changed; peers() gives the stats renderer the others' latest ones.
 * The proxy's per-request path is untouched: only timers and state changes send messages.
 */
import type { Logger } from "../../lib/log.ts";
import { startChecks, type CheckHandle } from "../check/index.ts";
import type { LbState } from "../engine/runtime.ts";
import type { ServerState } from "../engine/server.ts";
import { peerLookup, snapshotOf, type PeerLookup, type Snapshot } from "../stats/peers.ts";
import { SHARE_PERIOD_MS, type PrimaryMessage, type WorkerMessage } from "./messages.ts";
import type { Checks } from "./runtime.ts";
import { applySync, checkSyncOf, dumpOf, type ServerSync } from "./sync.ts";

const key = (s: ServerSync): string => `${s.backend}\0${s.server}`;

export class WorkerShare {
  private readonly send: (m: WorkerMessage) => void;
  private checker = false;
  /** Latest known state of every server (welcome + relays): applied to this worker's first state. */
  private readonly table = new Map<string, ServerSync>();
  /** The live state and one being prepared by a reload (relays go to both). */
  private live: LbState | undefined;
  private pending: LbState | undefined;
  /** The state whose checks this worker runs (when it is the checker) and their handles. */
  private checked: { state: LbState; log: Logger } | undefined;
  private handles: CheckHandle[] = [];
  private peers: Snapshot[] = [];
  private lastSent = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(send: (m: WorkerMessage) => void) {
    this.send = send;
  }

  get isChecker(): boolean {
    return this.checker;
  }

  /** The primary's messages (reload/stop are the caller's). */
  onMessage(m: PrimaryMessage): void {
    switch (m.type) {
      case "welcome":
        for (const s of m.servers) this.remember(s);
        this.peers = m.peers;
        if (m.checker) this.becomeChecker();
        break;
      case "role":
        if (m.checker) this.becomeChecker();
        break;
      case "sync":
        for (const s of m.servers) {
          this.remember(s);
          for (const st of this.states()) applySync(st, s);
        }
        break;
      case "peers":
        this.peers = m.snaps;
        break;
      default:
        break;
    }
  }

  private remember(s: ServerSync): void {
    const prev = this.table.get(key(s));
    this.table.set(key(s), prev === undefined ? { ...s } : { ...prev, ...s });
  }

  private states(): LbState[] {
    const out: LbState[] = [];
    if (this.live !== undefined) out.push(this.live);
    if (this.pending !== undefined && this.pending !== this.live) out.push(this.pending);
    return out;
  }

  /** RuntimeOptions.prepareState: a new state, before it serves. */
  prepareState(state: LbState, prev: LbState | undefined): void {
    this.pending = state;
    if (prev === undefined) for (const s of this.table.values()) applySync(state, s);
  }

  /** RuntimeOptions.startChecks: `state` is now live; probe it if this worker is the checker. */
  startChecks(state: LbState, log: Logger): Checks {
    this.live = state;
    this.pending = undefined;
    this.checked = { state, log };
    this.restartChecks();
    return {
      stop: () => {
        if (this.checked?.state === state) this.checked = undefined;
        this.stopChecks();
      },
    };
  }

  private becomeChecker(): void {
    if (this.checker) return;
    this.checker = true;
    this.restartChecks();
  }

  private stopChecks(): void {
    for (const h of this.handles) h.stop();
    this.handles = [];
  }

  private restartChecks(): void {
    this.stopChecks();
    const c = this.checked;
    if (!this.checker || c === undefined) return;
    // The primary's table becomes this worker's picture (after a reload it may differ: carryOver).
    this.send({ type: "sync", servers: dumpOf(c.state), full: true });
    const onCheck = (s: ServerState): void =>
      this.send({ type: "sync", servers: [{ backend: s.backend, server: s.name, check: checkSyncOf(s) }] });
    this.handles = c.state.proxies.flatMap((p) =>
      p.backend ? [startChecks(p.backend, { log: c.log, onCheck })] : [],
    );
  }

  /** An admin change applied by this worker (stats form): every other worker applies it too. */
  publishAdmin(s: ServerState): void {
    this.send({
      type: "sync",
      servers: [{ backend: s.backend, server: s.name, admin: s.admin, weight: s.weight }],
    });
  }

  /** The other workers' counters for the stats renderer. */
  peerView(now: number): PeerLookup | undefined {
    return this.peers.length === 0 ? undefined : peerLookup(this.peers, now);
  }

  /** Publish this worker's counters every SHARE_PERIOD_MS when they changed. */
  startCounters(state: () => LbState | undefined): void {
    this.timer = setInterval(() => {
      const st = state();
      if (st === undefined) return;
      const snap = snapshotOf(st);
      const text = JSON.stringify(snap);
      if (text === this.lastSent) return;
      this.lastSent = text;
      this.send({ type: "counters", snap });
    }, SHARE_PERIOD_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.stopChecks();
  }
}
