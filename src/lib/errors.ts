/**
 * Errors with stable codes. Tests assert `code`, never message text (undici's habit).
 *
 * - NetsvcError: any failure we report on purpose; `code` is a short stable identifier.
 * - ConfigError: a problem in a config file, with the place it was found. `toString()` renders
 *   the conventional `file:line:col: message` form that named-checkconf and friends print.
 * - WireError: malformed bytes on the wire, with the offset where decoding stopped.
 */
export class NetsvcError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NetsvcError";
    this.code = code;
  }
}

export interface Position {
  file: string;
  line: number;
  col?: number | undefined;
}

export function formatPosition(p: Position): string {
  return p.col === undefined ? `${p.file}:${p.line}` : `${p.file}:${p.line}:${p.col}`;
}

export type Severity = "error" | "warning";

export class ConfigError extends NetsvcError {
  readonly file: string;
  readonly line: number;
  readonly col: number | undefined;
  readonly severity: Severity;
  constructor(code: string, message: string, pos: Position, severity: Severity = "error") {
    super(code, message);
    this.name = "ConfigError";
    this.file = pos.file;
    this.line = pos.line;
    this.col = pos.col;
    this.severity = severity;
  }

  /** `file:line[:col]: message` — the shape every checker in the family prints. */
  override toString(): string {
    return `${formatPosition(this)}: ${this.severity === "warning" ? "warning: " : ""}${this.message}`;
  }
}

/** Several config errors found in one pass: a check reports all it can, not just the first. */
export class ConfigErrors extends NetsvcError {
  readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    super(errors[0]?.code ?? "ECONFIG", errors.map((e) => e.toString()).join("\n"));
    this.name = "ConfigErrors";
    this.errors = errors;
  }
}

export class WireError extends NetsvcError {
  readonly offset: number;
  constructor(message: string, offset: number, code = "EWIRE") {
    super(code, `${message} at offset ${offset}`);
    this.name = "WireError";
    this.offset = offset;
  }
}
