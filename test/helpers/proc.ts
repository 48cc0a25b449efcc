import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The compiled CLI, as a user runs it. */
export const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
/** The repository root (tests read fixtures from the source tree). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface ReadyEndpoint {
  proto: string;
  host: string;
  port: number;
  role?: string;
}

export interface Running {
  child: ChildProcess;
  endpoints: ReadyEndpoint[];
  /** Every JSON log line seen so far. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  /** Resolve when a log line matching the predicate appears (or has appeared). */
  waitLog(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Start `netsvc ARGS...` and wait for its `ready` log line, which lists the endpoints it really
 * bound (`{"msg":"ready","endpoints":[{"proto":"udp","host":"127.0.0.1","port":41234}]}`).
 */
export function startNetsvc(
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Running> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let err = "";
  let buf = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  child.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(line) as Record<string, unknown>;
      } catch {
        obj = { msg: line, raw: true };
      }
      logs.push(obj);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.pred(obj)) {
          waiters[i]!.resolve(obj);
          waiters.splice(i, 1);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const waitLog = (
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> => {
    const seen = logs.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for a log line; stderr: ${err}`)),
        timeoutMs,
      );
      waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`netsvc exited (${code}) before the expected log line; stderr: ${err}`));
      });
    });
  };

  const running: Running = {
    child,
    endpoints: [],
    logs,
    stderr: () => err,
    waitLog,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
  return waitLog((l) => l.msg === "ready", opts.timeoutMs ?? 15_000).then((l) => {
    running.endpoints = (l.endpoints as ReadyEndpoint[] | undefined) ?? [];
    return running;
  });
}

/** Run the CLI to completion and collect its output. */
export function runNetsvc(
  args: string[],
  opts: { cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
