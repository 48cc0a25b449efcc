/** Health checks: ONE status table, the pure rise/fall machine, probes and the runner. */
export * from "./status.ts";
export * from "./fsm.ts";
export * from "./log.ts";
export { startChecks, defaultProbe, type CheckHandle, type CheckOptions, type ProbeFn } from "./runner.ts";
