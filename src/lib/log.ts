/**
 * JSON-lines logging on stdout: one object per line with time, level, service and message, plus
 * any fields given. Hot paths do not log per request; they count (see each service's metrics).
 */
export type Level = "debug" | "info" | "warn" | "error";

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LogSink {
  write(line: string): unknown;
}

export function createLogger(
  base: Record<string, unknown> = {},
  opts: { level?: Level; sink?: LogSink } = {},
): Logger {
  const min = ORDER[opts.level ?? (process.env.NETSVC_LOG_LEVEL as Level | undefined) ?? "info"] ?? 20;
  const sink = opts.sink ?? process.stdout;
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    sink.write(JSON.stringify({ time: new Date().toISOString(), level, ...base, msg, ...fields }) + "\n");
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...base, ...fields }, opts),
  };
}

/** A logger that keeps lines in memory, for tests. */
export function memoryLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    {},
    { level: "debug", sink: { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) } },
  );
  return Object.assign(logger, { lines });
}
