/** The LB engine's public surface (see each module's contract). */
export * from "./counters.ts";
export * from "./server.ts";
export * from "./backend.ts";
export * from "./runtime.ts";
export type { RequestInfo, BalanceEnv, LbAlgorithm } from "./balance/algorithm.ts";
