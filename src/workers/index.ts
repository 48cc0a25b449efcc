/**
 * `netsvc workers`: the lab's demo backend, N worker processes (child_process.fork of ./worker.ts),
 * worker i on base-port + i (or any free port with base-port 0). Crashed workers are not restarted;
 * the parent keeps running until SIGTERM/SIGINT, then stops every child still alive and exits.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { NetsvcError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { WorkerMessage } from "./worker.ts";

export interface WorkersOptions {
  count: number;
  basePort: number;
  host: string;
}

export interface WorkerInfo {
  id: number;
  host: string;
  port: number;
  pid: number;
}

export interface Workers {
  readonly workers: WorkerInfo[];
  /** Workers still running. */
  alive(): number[];
  /** Stop every child still running; resolves when they have exited. */
  stop(): Promise<void>;
}

/** The worker entry next to this module (worker.js when compiled, worker.ts under tsx). */
const ENTRY = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url),
);

export async function startWorkers(opts: WorkersOptions, log: Logger): Promise<Workers> {
  const children = new Map<number, ChildProcess>();
  const infos: WorkerInfo[] = [];
  const exited = new Map<number, Promise<void>>();
  let stopping = false;
  const startOne = (id: number): Promise<WorkerInfo> =>
    new Promise((resolve, reject) => {
      const port = opts.basePort === 0 ? 0 : opts.basePort + id;
      const child = fork(ENTRY, [], {
        env: {
          ...process.env,
          NETSVC_WORKER_ID: String(id),
          NETSVC_WORKER_HOST: opts.host,
          NETSVC_WORKER_PORT: String(port),
        },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      children.set(id, child);
      let ready = false;
      exited.set(
        id,
        new Promise((done) => {
          child.on("exit", (code, signal) => {
            children.delete(id);
            if (ready && !stopping)
              log.warn("worker exited", {
                id,
                pid: child.pid,
                port: infos.find((w) => w.id === id)?.port,
                code,
                signal,
              });
            else
              reject(
                new NetsvcError("EWORKER", `worker ${id} exited before listening (code ${code ?? signal})`),
              );
            done();
          });
        }),
      );
      child.on("message", (m: WorkerMessage) => {
        if (m.error !== undefined) reject(new NetsvcError("ELISTEN", m.error));
        if (m.ready !== undefined) {
          ready = true;
          resolve({ ...m.ready, pid: child.pid ?? 0 });
        }
      });
    });

  const stop = async (): Promise<void> => {
    stopping = true;
    for (const c of children.values()) c.kill("SIGTERM");
    await Promise.all(exited.values());
  };

  try {
    const started = await Promise.all(Array.from({ length: opts.count }, (_, i) => startOne(i)));
    infos.push(...started);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    workers: infos,
    alive: () => [...children.keys()].sort((a, b) => a - b),
    stop,
  };
}
