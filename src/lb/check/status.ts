/**
 * ONE table of health check statuses, transcribed from HAProxy's check_statuses[] (src/check.c):
 * the short name shown in the stats `check_status` column, the description used in logs
 * ("reason: Layer4 connection problem") and the result class that drives the rise/fall machine.
 * We produce INI, SOCKERR, L4OK, L4TOUT, L4CON, L7OK, L7TOUT, L7RSP and L7STS; the others are here
 * so that names and descriptions stay HAProxy's when a feature starts to use them.
 */
export type CheckResult = "unknown" | "neutral" | "failed" | "passed" | "condpass";

export const CHECK_STATUSES = {
  UNK: { result: "unknown", desc: "Unknown" },
  INI: { result: "unknown", desc: "Initializing" },
  CHECKED: { result: "neutral", desc: "No status change" },
  HANA: { result: "failed", desc: "Health analyze" },
  SOCKERR: { result: "failed", desc: "Socket error" },
  L4OK: { result: "passed", desc: "Layer4 check passed" },
  L4TOUT: { result: "failed", desc: "Layer4 timeout" },
  L4CON: { result: "failed", desc: "Layer4 connection problem" },
  L6OK: { result: "passed", desc: "Layer6 check passed" },
  L6TOUT: { result: "failed", desc: "Layer6 timeout" },
  L6RSP: { result: "failed", desc: "Layer6 invalid response" },
  L7TOUT: { result: "failed", desc: "Layer7 timeout" },
  L7RSP: { result: "failed", desc: "Layer7 invalid response" },
  L7OK: { result: "passed", desc: "Layer7 check passed" },
  L7OKC: { result: "condpass", desc: "Layer7 check conditionally passed" },
  L7STS: { result: "failed", desc: "Layer7 wrong status" },
  PROCERR: { result: "failed", desc: "External check error" },
  PROCTOUT: { result: "failed", desc: "External check timeout" },
  PROCOK: { result: "passed", desc: "External check passed" },
} as const satisfies Record<string, { result: CheckResult; desc: string }>;

export type CheckStatus = keyof typeof CHECK_STATUSES;

/** What one probe found: the status, the L7 code if any, free text (`info: "..."`), and its duration. */
export interface ProbeOutcome {
  status: CheckStatus;
  /** HTTP status code for L7 checks. */
  code?: number;
  /** Details, e.g. "Connection refused" or the HTTP reason phrase. */
  info?: string;
  durationMs: number;
}

export function checkPassed(status: CheckStatus): boolean {
  const r = CHECK_STATUSES[status].result as string;
  return r === "passed" || r === "condpass";
}

export function checkFailed(status: CheckStatus): boolean {
  return (CHECK_STATUSES[status].result as string) === "failed";
}
