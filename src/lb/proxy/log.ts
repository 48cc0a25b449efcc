import type { LogConfig } from "../config/model.ts";
import { LOG_FACILITIES } from "../config/keywords/log.ts";

/**
 * Request log lines as HAProxy 2.6 prints them (`option httplog` / `option tcplog`, `log stdout`):
 *
 * httplog: `%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r`
 *   127.0.0.1:40168 [25/Nov/2026:19:36:15.636] f b/s1 0/0/0/1/1 200 192 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"
 * tcplog:  `%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq`
 * Without either option HAProxy logs `Connect from IP:PORT to IP:PORT (frontend/MODE)`.
 * Timers are ms, -1 when the step never happened. The line goes to stdout framed by the target's
 * `format` (raw: the line alone; rfc3164 / local: `<PRI>Mmm dd hh:mm:ss haproxy[PID]: line`;
 * short: `<PRI>line`). Pure formatting, plus a writer.
 */

export interface LogRecord {
  clientAddr: string;
  clientPort: number;
  /** Accept date (ms since epoch). */
  acceptAt: number;
  frontend: string;
  /** "<NOSRV>" when no server was reached; the backend is the frontend then. */
  backend: string;
  server: string;
  /** TR: time to receive the full request head; Tw: queue; Tc: connect; Tr: server response; Ta/Tt total. */
  tR: number;
  tW: number;
  tC: number;
  tr: number;
  tA: number;
  status: number;
  bytes: number;
  /** 2 or 4 characters of HAProxy's termination state ("--", "SC", "sH", "CD", "PR", "LR" ...). */
  term: string;
  actconn: number;
  feconn: number;
  beconn: number;
  srvconn: number;
  retries: number;
  srvQueue: number;
  beQueue: number;
  /** Request line, for httplog. */
  requestLine: string;
  /** Frontend's local address for the default format. */
  localAddr: string;
  localPort: number;
  mode: "http" | "tcp";
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const p3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/** HAProxy's accept date: `25/Nov/2026:19:36:15.636` (local time). */
export function logDate(ms: number): string {
  const d = new Date(ms);
  return (
    `${p2(d.getDate())}/${MONTHS[d.getMonth()]!}/${d.getFullYear()}:` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${p3(d.getMilliseconds())}`
  );
}

function addr(a: string): string {
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

/** `%{+Q}r`: the request line quoted, `"` escaped as HAProxy does (`#22`). */
function quoted(s: string): string {
  return `"${s.replace(/[^\x20-\x7e]|"/g, (c) => `#${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`)}"`;
}

export function formatHttpLog(r: LogRecord): string {
  const term = (r.term + "----").slice(0, 4);
  return (
    `${addr(r.clientAddr)}:${r.clientPort} [${logDate(r.acceptAt)}] ${r.frontend} ${r.backend}/${r.server} ` +
    `${r.tR}/${r.tW}/${r.tC}/${r.tr}/${r.tA} ${r.status} ${r.bytes} - - ${term} ` +
    `${r.actconn}/${r.feconn}/${r.beconn}/${r.srvconn}/${r.retries} ${r.srvQueue}/${r.beQueue} ${quoted(r.requestLine)}`
  );
}

export function formatTcpLog(r: LogRecord): string {
  return (
    `${addr(r.clientAddr)}:${r.clientPort} [${logDate(r.acceptAt)}] ${r.frontend} ${r.backend}/${r.server} ` +
    `${r.tW}/${r.tC}/${r.tA} ${r.bytes} ${(r.term + "--").slice(0, 2)} ` +
    `${r.actconn}/${r.feconn}/${r.beconn}/${r.srvconn}/${r.retries} ${r.srvQueue}/${r.beQueue}`
  );
}

export function formatDefaultLog(r: LogRecord): string {
  const fmt = (a: string, p: number): string =>
    a.includes(":") && !a.startsWith("::ffff:") ? `${a}:${p}` : `${addr(a)}:${p}`;
  return `Connect from ${fmt(r.clientAddr, r.clientPort)} to ${fmt(r.localAddr, r.localPort)} (${r.frontend}/${r.mode.toUpperCase()})`;
}

/** Frame one log line for a target (severity info). */
export function frameLine(line: string, target: LogConfig, now: number, pid: number): string {
  const fac = Math.max(0, LOG_FACILITIES.indexOf(target.facility));
  const pri = fac * 8 + 6;
  switch (target.format) {
    case "raw":
      return line;
    case "short":
      return `<${pri}>${line}`;
    default: {
      const d = new Date(now);
      const day = String(d.getDate()).padStart(2, " ");
      const ts = `${MONTHS[d.getMonth()]!} ${day} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
      return `<${pri}>${ts} haproxy[${pid}]: ${line}`;
    }
  }
}

export interface LogWriter {
  write(s: string): unknown;
}

export type LogStyle = "httplog" | "tcplog" | "default";

export class RequestLogger {
  private readonly targets: readonly LogConfig[];
  readonly style: LogStyle;
  private readonly out: LogWriter;

  constructor(targets: readonly LogConfig[], style: LogStyle, out: LogWriter = process.stdout) {
    this.targets = targets;
    this.style = style;
    this.out = out;
  }

  log(r: LogRecord): void {
    const line =
      this.style === "httplog" && r.mode === "http"
        ? formatHttpLog(r)
        : this.style === "default"
          ? formatDefaultLog(r)
          : formatTcpLog(r);
    const now = Date.now();
    for (const t of this.targets) this.out.write(`${frameLine(line, t, now, process.pid)}\n`);
  }
}
