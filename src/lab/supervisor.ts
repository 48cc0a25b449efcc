import { fork, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NetsvcError } from "../lib/errors.ts";
import type { ServiceSpec } from "./plan.ts";

/**
 * Runs each service as a child process of the lab (child.ts: the netsvc CLI with the service's
 * command and the generated config), waits for each one's `ready` log line, keeps its log in
 * `<state>/logs/<service>.log`, shows its warnings and errors on the lab's output, reports a crash
 * without touching the others, answers questions over the IPC channel, and stops them all.
 */
export const CHILD = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "./child.ts" : "./child.js", import.meta.url),
);

export interface ReadyEndpoint {
  proto: string;
  host: string;
  port: number;
  role?: string;
}

export interface ServiceState {
  spec: ServiceSpec;
  child: ChildProcess;
  status: "starting" | "running" | "exited";
  endpoints: ReadyEndpoint[];
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  logFile: string;
  /** The last lines of stderr (why a service did not start). */
  stderrTail: string[];
}

export interface SupervisorOptions {
  logDir: string;
  /** Human lines for the lab's output. */
  out: (line: string) => void;
  /** Called when a running service exits on its own. */
  onCrash?: (s: ServiceState) => void;
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** A JSON log line worth showing: warnings and errors, as `[svc] message key=value ...`. */
export function describeLogLine(name: string, obj: Record<string, unknown>): string | undefined {
  if (obj.level !== "warn" && obj.level !== "error") return undefined;
  const skip = new Set(["time", "level", "service", "msg"]);
  const extra = Object.entries(obj)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `[${name}] ${obj.level}: ${String(obj.msg)}${extra !== "" ? ` (${extra})` : ""}`;
}

export class Supervisor {
  readonly services = new Map<string, ServiceState>();
  private stopping = false;
  private readonly opts: SupervisorOptions;
  private readonly logs: WriteStream[] = [];

  constructor(opts: SupervisorOptions) {
    this.opts = opts;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Start one service and resolve when it logged `ready`; reject (with its stderr) if it exits first. */
  start(spec: ServiceSpec): Promise<ServiceState> {
    const logFile = join(this.opts.logDir, `${spec.name}.log`);
    const log = createWriteStream(logFile, { flags: "a" });
    this.logs.push(log);
    const child = fork(CHILD, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...this.opts.env, NETSVC_LAB: "1" },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const s: ServiceState = { spec, child, status: "starting", endpoints: [], logFile, stderrTail: [] };
    this.services.set(spec.name, s);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (s.status !== "starting") return;
        reject(new NetsvcError("ETIMEDOUT", `${spec.name} did not get ready in time (log: ${logFile})`));
      }, this.opts.readyTimeoutMs ?? 30_000);
      lines(child.stdout!, (line) => {
        log.write(line + "\n");
        let obj: Record<string, unknown>;
        try {
          obj = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (obj.msg === "ready" && s.status === "starting") {
          s.status = "running";
          s.endpoints = Array.isArray(obj.endpoints) ? (obj.endpoints as ReadyEndpoint[]) : [];
          clearTimeout(timer);
          resolve(s);
          return;
        }
        const shown = describeLogLine(spec.name, obj);
        if (shown !== undefined && !this.stopping) this.opts.out(shown);
      });
      lines(child.stderr!, (line) => {
        log.write(line + "\n");
        s.stderrTail = [...s.stderrTail, line].slice(-20);
        if (s.status === "running" && !this.stopping) this.opts.out(`[${spec.name}] ${line}`);
      });
      child.on("exit", (code, signal) => {
        const was = s.status;
        s.status = "exited";
        s.exit = { code, signal };
        clearTimeout(timer);
        if (was === "starting") {
          const why = s.stderrTail.filter((l) => l.trim() !== "").join("\n") || `exit code ${code ?? signal}`;
          reject(new NetsvcError("ESTART", `${spec.name} did not start:\n${why}`));
        } else if (!this.stopping) {
          // Ctrl-C reaches every process of the terminal's group at once: give our own handler a
          // moment to say that we are stopping before calling this a crash.
          setTimeout(() => {
            if (!this.stopping) this.opts.onCrash?.(s);
          }, 200);
        }
      });
    });
  }

  /** Ask a running service over IPC; resolves undefined when it does not answer in time. */
  ask<T>(name: string, type: string, timeoutMs = 1000): Promise<T | undefined> {
    const s = this.services.get(name);
    if (s?.status !== "running" || !s.child.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onMsg = (m: unknown): void => {
        if (typeof m === "object" && m !== null && (m as { type?: unknown }).type === type) {
          done((m as { stats?: T }).stats);
        }
      };
      const done = (v: T | undefined): void => {
        clearTimeout(timer);
        s.child.off("message", onMsg);
        resolve(v);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      s.child.on("message", onMsg);
      s.child.send({ type }, (err) => {
        if (err) done(undefined);
      });
    });
  }

  /** SIGTERM every service still running (in reverse start order), SIGKILL after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const alive = [...this.services.values()].reverse().filter((s) => s.status !== "exited");
    await Promise.all(
      alive.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
            const kill = setTimeout(() => s.child.kill("SIGKILL"), graceMs);
            s.child.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            s.child.kill("SIGTERM");
          }),
      ),
    );
    await Promise.all(this.logs.map((l) => new Promise<void>((r) => l.end(() => r()))));
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  stream.on("end", () => {
    if (buf !== "") onLine(buf);
  });
}
