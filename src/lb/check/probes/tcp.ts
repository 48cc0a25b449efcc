/**
 * TCP connect probe (HAProxy's default check): L4OK when the connection is established, L4CON when
 * refused or failed (info: the system's words, "Connection refused"), L4TOUT on timeout.
 */
import { connect, type Socket } from "node:net";
import type { ProbeOutcome } from "../status.ts";

export interface ProbeTarget {
  host: string;
  port: number;
  /** Connect timeout (ms). */
  connectTimeout: number;
  /** Whole check timeout (ms), from connect start. */
  timeout: number;
}

const SYS_MESSAGES: Record<string, string> = {
  ECONNREFUSED: "Connection refused",
  ECONNRESET: "Connection reset by peer",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
  EADDRNOTAVAIL: "Cannot assign requested address",
};

export function sysInfo(err: NodeJS.ErrnoException): string {
  return (err.code !== undefined ? SYS_MESSAGES[err.code] : undefined) ?? err.message;
}

/** Connect, then hand the socket to `then` (HTTP probe) or close it with L4OK. */
export function connectProbe(
  t: ProbeTarget,
  then?: (sock: Socket, started: number, finish: (o: ProbeOutcome) => void) => void,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    let done = false;
    const sock = connect({ host: t.host, port: t.port });
    const finish = (o: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const elapsed = (): number => Date.now() - started;
    let connected = false;
    const timer = setTimeout(
      () => finish({ status: connected ? "L7TOUT" : "L4TOUT", durationMs: elapsed() }),
      connected ? t.timeout : Math.min(t.connectTimeout, t.timeout),
    );
    sock.once("connect", () => {
      connected = true;
      if (then === undefined) {
        finish({ status: "L4OK", durationMs: elapsed() });
        return;
      }
      clearTimeout(timer);
      const rest = Math.max(1, t.timeout - elapsed());
      const t2 = setTimeout(() => finish({ status: "L7TOUT", durationMs: elapsed() }), rest);
      sock.once("close", () => clearTimeout(t2));
      then(sock, started, finish);
    });
    sock.once("error", (err: NodeJS.ErrnoException) => {
      finish({ status: connected ? "L7RSP" : "L4CON", info: sysInfo(err), durationMs: elapsed() });
    });
  });
}

export function tcpProbe(t: ProbeTarget): Promise<ProbeOutcome> {
  return connectProbe(t);
}
