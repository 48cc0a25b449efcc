/** `log` targets: `log global` (proxies) and `log stdout|stderr [format F] [len N] FACILITY [LEVEL]`. */
import type { LogConfig } from "../model.ts";
import type { KwContext } from "../registry.ts";

/** Syslog facilities in their numeric order (the index is the facility code). */
export const LOG_FACILITIES: readonly string[] = [
  "kern",
  "user",
  "mail",
  "daemon",
  "auth",
  "syslog",
  "lpr",
  "news",
  "uucp",
  "cron",
  "auth2",
  "ftp",
  "ntp",
  "audit",
  "alert",
  "cron2",
  "local0",
  "local1",
  "local2",
  "local3",
  "local4",
  "local5",
  "local6",
  "local7",
];
const FACILITIES = new Set(LOG_FACILITIES);
const FORMATS = new Set(["raw", "rfc3164", "rfc5424", "short", "iso", "timed", "priority", "local"]);

export function parseLog(ctx: KwContext, allowGlobal: boolean): LogConfig | "global" | undefined {
  const a = ctx.args.map((t) => t.text);
  if (a.length === 0) {
    ctx.error("ECFG_ARGS", `'log' expects either <address[:port]> and <facility> or 'global' as arguments.`);
    return undefined;
  }
  if (a[0] === "global") {
    if (!allowGlobal) {
      ctx.error("ECFG_ARGS", `'log global' is only allowed in proxy sections.`);
      return undefined;
    }
    return "global";
  }
  if (a[0] !== "stdout") {
    ctx.error(
      "EUNSUPPORTED",
      `log target '${a[0]}' is not supported by netsvc (only 'log stdout' and 'log global').`,
    );
    return undefined;
  }
  let i = 1;
  let format = "raw";
  while (i < a.length && (a[i] === "format" || a[i] === "len" || a[i] === "sample")) {
    if (a[i] === "format") {
      const f = a[i + 1];
      if (f === undefined || !FORMATS.has(f)) {
        ctx.error("ECFG_ARGS", `unknown log format '${f ?? ""}'`);
        return undefined;
      }
      format = f;
    } else if (a[i] === "sample") {
      ctx.error("EUNSUPPORTED", `'log ... sample' is not supported by netsvc.`);
      return undefined;
    }
    i += 2;
  }
  const facility = a[i];
  if (facility === undefined || !FACILITIES.has(facility)) {
    ctx.error("ECFG_ARGS", `unknown log facility '${facility ?? ""}'`);
    return undefined;
  }
  return { target: "stdout", format, facility };
}
