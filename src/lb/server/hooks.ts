import { readFileSync } from "node:fs";
import type { Logger } from "../../lib/log.ts";
import { adminMessage, startChecks } from "../check/index.ts";
import { handleStats } from "../stats/index.ts";
import { CompiledAcls } from "../proxy/acl.ts";
import type { RuntimeOptions } from "./runtime.ts";
import type { WorkerShare } from "./shared.ts";

/**
 * What the runtime takes from the rest of the balancer: LB-A's health checks (src/lb/check, one
 * runner per backend) and stats service (src/lb/stats). Kept in one place so the runtime itself
 * stays testable with doubles. With `share` (a worker of `--workers N`, see shared.ts) the checks
 * run in one worker only, admin changes go to every worker and the stats add the others' counters.
 */

const version = (
  JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

export function runtimeHooks(
  log: Logger,
  share?: WorkerShare,
): Pick<RuntimeOptions, "startChecks" | "statsHandler" | "prepareState"> {
  return {
    startChecks:
      share !== undefined
        ? (state, l) => share.startChecks(state, l)
        : (state, l) => {
            const handles = state.proxies.flatMap((p) =>
              p.backend ? [startChecks(p.backend, { log: l })] : [],
            );
            return { stop: () => handles.forEach((h) => h.stop()) };
          },
    ...(share !== undefined ? { prepareState: (state, prev) => share.prepareState(state, prev) } : {}),
    statsHandler: (proxy, state) => {
      const acls = new CompiledAcls(proxy.acls);
      const adminCond = proxy.stats?.admin;
      return (req) =>
        handleStats(req, {
          state,
          proxy,
          version,
          pid: process.pid,
          // HAProxy logs admin changes (once: the worker that applied it; the others apply it silently).
          onAdmin: (be, s, from) => {
            const fields = { backend: be.name, server: s.name, admin: s.admin };
            if (s.admin === "MAINT") log.warn(adminMessage(be, s, from, s.admin), fields);
            else log.info(adminMessage(be, s, from, s.admin), fields);
            share?.publishAdmin(s);
          },
          ...(share !== undefined ? { peers: () => share.peerView(Date.now()) } : {}),
          ...(adminCond === undefined
            ? {}
            : { admin: (r) => acls.holds(adminCond, { req: undefined, src: r.src, path: undefined }) }),
        });
    },
  };
}
