/**
 * The health-check runner: timers and probes for the servers of one backend (the runtime part of
 * the checks; the decisions are in fsm.ts).
 *
 * Contract with the LB runtime (src/lb/server):
 * - startChecks(be, {log}) when a backend state goes live; handle.stop() when it is replaced
 *   (reload) or the process stops. Across a reload, createBackendState(proxy, {prev}) has already
 *   carried health and counters over for servers of the same name, so: stop the old runner, start
 *   one on the new state; checks continue from the carried-over health.
 * - Each server with `check` is probed every inter / fastinter / downinter (fsm.nextInterval),
 *   first checks spread over the first interval. On UP/DOWN transitions the runner calls the
 *   engine's serversChanged(be) (which also moves queued requests away from a DOWN server) and
 *   logs HAProxy's message: DOWN and "no server available" at warn/error level, UP at info.
 * - Servers in MAINT are not probed (HAProxy suspends their checks); DRAIN servers are.
 */
import type { Logger } from "../../lib/log.ts";
import { serversChanged, type BackendState } from "../engine/backend.ts";
import type { ServerState } from "../engine/server.ts";
import { applyOutcome, nextInterval } from "./fsm.ts";
import { downMessage, noServerMessage, upMessage } from "./log.ts";
import { httpProbe } from "./probes/http.ts";
import { tcpProbe } from "./probes/tcp.ts";
import type { ProbeOutcome } from "./status.ts";

export type ProbeFn = (s: ServerState, be: BackendState) => Promise<ProbeOutcome>;

export interface CheckOptions {
  log: Logger;
  /** Replace the network probe (tests). */
  probe?: ProbeFn;
  /** Called after every completed check (tests, stats refresh). */
  onCheck?: (s: ServerState, o: ProbeOutcome) => void;
}

export interface CheckHandle {
  stop(): void;
}

/** The real probe for a server: TCP connect or HTTP per the backend's config. */
export function defaultProbe(s: ServerState, be: BackendState): Promise<ProbeOutcome> {
  const cfg = s.config;
  const to = be.config.timeouts;
  // HAProxy: with `timeout check`, connect within min(timeout connect, inter) and the whole check
  // within `timeout check` more; without it, everything within `inter`.
  const connectTimeout = to.check !== undefined ? Math.min(to.connect ?? cfg.inter, cfg.inter) : cfg.inter;
  const timeout = to.check !== undefined ? connectTimeout + to.check : cfg.inter;
  const target = { host: cfg.host, port: cfg.checkPort ?? cfg.port, connectTimeout, timeout };
  const hc = be.config.httpCheck;
  // As HAProxy: `option httpchk` makes HTTP checks in `mode tcp` backends too.
  return hc !== undefined ? httpProbe(target, hc) : tcpProbe(target);
}

export function startChecks(be: BackendState, opts: CheckOptions): CheckHandle {
  const probe = opts.probe ?? defaultProbe;
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const checked = be.servers.filter((s) => s.config.check);

  const schedule = (s: ServerState, delay: number): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      void run(s);
    }, delay);
    timers.add(t);
  };

  const run = async (s: ServerState): Promise<void> => {
    if (stopped) return;
    if (s.admin === "MAINT") {
      schedule(s, s.config.inter);
      return;
    }
    let o: ProbeOutcome;
    try {
      o = await probe(s, be);
    } catch (err) {
      o = { status: "SOCKERR", info: String(err), durationMs: 0 };
    }
    if (stopped) return;
    const hadServers = be.eligible.length > 0;
    const change = applyOutcome(s, o, be.clock.now());
    if (change !== undefined) {
      const requeued = serversChanged(be);
      const fields = { backend: be.name, server: s.name, status: o.status, code: o.code, check: "health" };
      if (change === "down") opts.log.warn(downMessage(be, s, requeued), fields);
      else opts.log.info(upMessage(be, s, requeued), fields);
      if (hadServers && be.eligible.length === 0) opts.log.error(noServerMessage(be), { backend: be.name });
    }
    opts.onCheck?.(s, o);
    schedule(s, nextInterval(s));
  };

  checked.forEach((s, i) =>
    schedule(s, Math.floor((Math.min(s.config.inter, 1000) * i) / Math.max(1, checked.length))),
  );
  return {
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
