import { readFileSync } from "node:fs";
import { startChecks } from "../check/index.ts";
import { handleStats } from "../stats/index.ts";
import { CompiledAcls } from "../proxy/acl.ts";
import type { RuntimeOptions } from "./runtime.ts";

/**
 * What the runtime takes from the rest of the balancer: LB-A's health checks (src/lb/check, one
 * runner per backend) and stats service (src/lb/stats). Kept in one place so the runtime itself
 * stays testable with doubles.
 */

const version = (
  JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

export function runtimeHooks(): Pick<RuntimeOptions, "startChecks" | "statsHandler"> {
  return {
    startChecks: (state, log) => {
      const handles = state.proxies.flatMap((p) => (p.backend ? [startChecks(p.backend, { log })] : []));
      return { stop: () => handles.forEach((h) => h.stop()) };
    },
    statsHandler: (proxy, state) => {
      const acls = new CompiledAcls(proxy.acls);
      const adminCond = proxy.stats?.admin;
      return (req) =>
        handleStats(req, {
          state,
          proxy,
          version,
          pid: process.pid,
          ...(adminCond === undefined
            ? {}
            : { admin: (r) => acls.holds(adminCond, { req: undefined, src: r.src, path: undefined }) }),
        });
    },
  };
}
