import { clientText } from "../exports/client.ts";
import type { AnyProcedure, Program } from "../rpc/types.ts";
import type { NfsServer, NfsServerOptions } from "./server.ts";

/**
 * The lab's window on an NFS server process (`netsvc up`, src/lab). Only when forked by the lab
 * supervisor (env NETSVC_LAB=1 and an IPC channel): NFS procedures are counted by name, and a
 * `{type:"netsvc-lab:stats"}` message is answered with the exports, MOUNT's mount list (what DUMP
 * returns) and those counts. Outside the lab the options pass through unchanged.
 */
export const LAB_STATS = "netsvc-lab:stats";

export interface NfsLabStats {
  /** Each export with its clients as `spec(rw|ro)`. */
  exports: { path: string; clients: string[] }[];
  mounts: { hostname: string; directory: string }[];
  /** NFSv3 calls by procedure name (GETATTR, READ, WRITE, ...). */
  ops: Record<string, number>;
  /** RPC replies by status, per program (nfs, mount, portmap). */
  rpc: Record<string, unknown>;
}

/** A copy of a program whose procedures count their calls in `ops`. */
export function countingProgram(p: Program, ops: Map<string, number>): Program {
  const procs = p.procs.map((proc): AnyProcedure | undefined =>
    proc === undefined
      ? undefined
      : {
          ...proc,
          run: (args: unknown, ctx) => {
            ops.set(proc.name, (ops.get(proc.name) ?? 0) + 1);
            return proc.run(args, ctx) as unknown;
          },
        },
  );
  return { ...p, procs };
}

export function labSnapshot(server: NfsServer, ops: Map<string, number>): NfsLabStats {
  return {
    exports: server.exports.list().map((e) => ({
      path: e.path,
      clients: e.clients.map((c) => `${clientText(c.match)}(${c.options.rw ? "rw" : "ro"})`),
    })),
    mounts: server.mounts.list(),
    ops: Object.fromEntries(ops),
    rpc: server.counters(),
  };
}

export function withLabStats(opts: NfsServerOptions): NfsServerOptions {
  if (process.env.NETSVC_LAB !== "1" || process.send === undefined) return opts;
  const ops = new Map<string, number>();
  const { createNfs, beforeReady } = opts;
  return {
    ...opts,
    createNfs: (deps) => {
      const svc = createNfs(deps);
      const program = countingProgram(svc.program, ops);
      return {
        program,
        mount: svc.mount,
        ...(svc.close !== undefined ? { close: () => svc.close!() } : {}),
      };
    },
    beforeReady: (server) => {
      process.on("message", (m: unknown) => {
        if (typeof m === "object" && m !== null && (m as { type?: unknown }).type === LAB_STATS)
          process.send?.({ type: LAB_STATS, service: "nfs", stats: labSnapshot(server, ops) });
      });
      process.channel?.unref();
      beforeReady?.(server);
    },
  };
}
