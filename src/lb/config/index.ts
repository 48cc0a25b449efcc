/**
 * The haproxy.cfg front door: loadConfig(file) -> {config, warnings}, throwing ConfigErrors with
 * every error found (each a ConfigError with file, line and a stable code; formatHaproxy() renders
 * HAProxy's `parsing [file:line] : message`). parseConfigText for tests.
 */
export { loadConfig, parseConfigText, formatHaproxy, type LoadResult, type ParseResult } from "./load.ts";
export type * from "./model.ts";
