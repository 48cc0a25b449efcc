/** The stats service: column table, renderers and the request handler (see context.ts). */
export { handleStats, handleStatsRequest } from "./handler.ts";
export type { StatsContext, StatsRequest, StatsResponse } from "./context.ts";
export { FIELDS, rowsOf, type Field, type Row } from "./fields.ts";
export * from "./peers.ts";
