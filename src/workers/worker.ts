/**
 * One demo worker: a separate OS process (forked by ./index.ts) so that a crash is a real process
 * exit. Configuration comes from the environment set by the parent: NETSVC_WORKER_ID,
 * NETSVC_WORKER_HOST, NETSVC_WORKER_PORT (0 = any free port). Reports {ready, id, host, port} to
 * the parent over IPC once listening, or {error} if it cannot listen, and exits when the parent's
 * IPC channel closes.
 *
 *   GET /        -> 200 "Hello, I am ID <id>\n"
 *   GET /health  -> 200 "OK\n"
 *   GET /crash   -> 200 "Crashing ID <id>!\n", then this process exits for good
 * Every answer carries `X-Worker-Id: <id>`.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface WorkerMessage {
  ready?: { id: number; host: string; port: number };
  error?: string;
}

function reply(res: ServerResponse, id: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(200, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "X-Worker-Id": String(id),
    ...extra,
  });
  res.end(body);
}

export function runWorker(id: number, host: string, port: number, send: (m: WorkerMessage) => void): void {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/crash") {
      res.on("finish", () => process.exit(0));
      server.close();
      reply(res, id, `Crashing ID ${id}!\n`, { Connection: "close" });
      return;
    }
    if (path === "/health") {
      reply(res, id, "OK\n");
      return;
    }
    reply(res, id, `Hello, I am ID ${id}\n`);
  });
  server.keepAliveTimeout = 30_000;
  server.on("error", (err: NodeJS.ErrnoException) => {
    send({ error: `worker ${id}: cannot listen on ${host}:${port}: ${err.code ?? err.message}` });
    process.exit(1);
  });
  server.listen({ host, port }, () => {
    const a = server.address() as AddressInfo;
    send({ ready: { id, host: a.address, port: a.port } });
  });
}

if (process.env.NETSVC_WORKER_ID !== undefined && process.send !== undefined) {
  const send = (m: WorkerMessage): void => {
    process.send?.(m);
  };
  process.on("disconnect", () => process.exit(0));
  runWorker(
    Number(process.env.NETSVC_WORKER_ID),
    process.env.NETSVC_WORKER_HOST ?? "127.0.0.1",
    Number(process.env.NETSVC_WORKER_PORT ?? "0"),
    send,
  );
}
