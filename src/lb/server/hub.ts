/**
 * The primary's side of the shared state of `--workers N` (see messages.ts for the protocol).
 * No sockets of its own: `send` delivers to a worker and `setTimer` schedules the relay, so the
 * logic is unit-tested with doubles.
 *
 * - Designates the health checker: the first worker that says hello; when it dies, the live
 *   worker with the lowest id that already said hello (or, if none, the next one to say hello).
 * - Keeps the latest state of every server (check results from the checker, admin changes from
 *   any worker), relays each change to the other workers and gives it to a worker that (re)starts
 *   in its welcome, so that it applies it before it serves.
 * - Keeps each worker's latest counters; a dead worker's last ones move to `retired` (gauges
 *   zeroed) so totals do not drop; `peaks` keeps the combined maxima. Relays, RELAY_DELAY_MS after
 *   a snapshot arrives, the others' snapshots + retired + peaks to every worker.
 */
import { mergeSnapshots, peaksOf, retire, type Snapshot } from "../stats/peers.ts";
import { RELAY_DELAY_MS, type PrimaryMessage, type WorkerMessage } from "./messages.ts";
import type { ServerSync } from "./sync.ts";

export interface HubOptions {
  send: (id: number, m: PrimaryMessage) => void;
  now: () => number;
  /** Schedules fn once after ms (unref'd in the real primary). */
  setTimer: (fn: () => void, ms: number) => void;
}

interface Member {
  snap: Snapshot | undefined;
  /** Bumped at each snapshot received from it. */
  version: number;
  /** What it was last sent in `peers` (the versions of its peers), to send only changes. */
  sent: string;
}

const key = (s: ServerSync): string => `${s.backend}\0${s.server}`;

export class Hub {
  private readonly opts: HubOptions;
  /** Workers that said hello, by cluster id. */
  private readonly members = new Map<number, Member>();
  private checker: number | undefined;
  private servers = new Map<string, ServerSync>();
  private retired: Snapshot = {};
  private peaks: Snapshot = {};
  private peaksText = "{}";
  /** Bumped when retired or peaks change. */
  private sharedVersion = 0;
  private flushScheduled = false;

  constructor(opts: HubOptions) {
    this.opts = opts;
  }

  /** The worker that runs the health checks (undefined until one said hello). */
  get checkerId(): number | undefined {
    return this.checker;
  }

  /** Handle a worker's message (the ready/reloaded/fatal ones are the caller's). */
  onMessage(id: number, m: WorkerMessage): void {
    if (m.type === "hello") this.hello(id);
    else if (m.type === "sync") this.sync(id, m.servers, m.full === true);
    else if (m.type === "counters") {
      const member = this.members.get(id);
      if (member === undefined || typeof m.snap !== "object") return;
      member.snap = m.snap;
      member.version++;
      this.scheduleFlush();
    }
  }

  private hello(id: number): void {
    this.members.set(id, { snap: undefined, version: 0, sent: "" });
    if (this.checker === undefined) this.checker = id;
    this.opts.send(id, {
      type: "welcome",
      checker: this.checker === id,
      servers: [...this.servers.values()],
      peers: this.peersFor(id),
    });
  }

  private sync(from: number, servers: ServerSync[], full: boolean): void {
    if (full) this.servers = new Map();
    for (const s of servers) {
      const prev = this.servers.get(key(s));
      this.servers.set(key(s), prev === undefined ? { ...s } : { ...prev, ...s });
    }
    // A full dump is the checker's own picture after a (re)start of its checks: the others have
    // applied the same changes already (and their own reloads carry states over).
    if (full) return;
    for (const id of this.members.keys()) if (id !== from) this.opts.send(id, { type: "sync", servers });
  }

  /** A worker process exited: keep its counters in the totals, hand the checks over if needed. */
  exit(id: number): void {
    const member = this.members.get(id);
    this.members.delete(id);
    if (member?.snap !== undefined) {
      this.retired = mergeSnapshots([this.retired, retire(member.snap)], this.opts.now());
      this.sharedVersion++;
      this.scheduleFlush();
    }
    if (this.checker === id) {
      const next = [...this.members.keys()].sort((a, b) => a - b)[0];
      this.checker = next;
      if (next !== undefined) this.opts.send(next, { type: "role", checker: true });
    }
  }

  private peersFor(id: number): Snapshot[] {
    const out: Snapshot[] = [];
    for (const [other, m] of this.members) if (other !== id && m.snap !== undefined) out.push(m.snap);
    out.push(this.retired, this.peaks);
    return out;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.opts.setTimer(() => this.flush(), RELAY_DELAY_MS);
  }

  /** Update the combined maxima and send every worker the others' counters, when they changed. */
  flush(): void {
    this.flushScheduled = false;
    const latest = [...this.members.values()].flatMap((m) => (m.snap === undefined ? [] : [m.snap]));
    this.peaks = peaksOf(mergeSnapshots([this.peaks, this.retired, ...latest], this.opts.now()));
    const text = JSON.stringify(this.peaks);
    if (text !== this.peaksText) {
      this.peaksText = text;
      this.sharedVersion++;
    }
    for (const [id, member] of this.members) {
      let sig = String(this.sharedVersion);
      for (const [other, m] of this.members) if (other !== id) sig += `,${other}:${m.version}`;
      if (sig === member.sent) continue;
      member.sent = sig;
      this.opts.send(id, { type: "peers", snaps: this.peersFor(id) });
    }
  }
}
