import type { RuntimeOptions } from "./runtime.ts";

/**
 * What the runtime takes from the rest of the balancer: LB-A's health checks (src/lb/check) and stats
 * service (src/lb/stats). Kept in one place so the runtime itself stays testable with doubles.
 */
export function runtimeHooks(): Pick<RuntimeOptions, "startChecks" | "statsHandler"> {
  return {};
}
