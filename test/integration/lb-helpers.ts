import http from "node:http";
import net from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";

/** Helpers for the balancer's integration tests: in-test backends, raw clients, temp configs. */

export interface Backend {
  port: number;
  server: http.Server;
  /** Requests seen: method, url, headers, body, the socket's remote port (to see reuse). */
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; peerPort: number }[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** An HTTP backend on 127.0.0.1:0 answering `Hello, I am ID n` unless a handler says otherwise. */
export async function startBackend(id: number, handler?: Handler): Promise<Backend> {
  const seen: Backend["seen"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        peerPort: req.socket.remotePort ?? 0,
      });
      if (handler) return handler(req, res, body);
      const text = `Hello, I am ID ${id}\n`;
      res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A free TCP port that nothing listens on (for "connection refused" servers). */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export function writeConfig(text: string, name = "haproxy.cfg"): string {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-lb-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  head: string;
  body: Buffer;
}

/**
 * A raw HTTP/1.1 client on one connection: `send(bytes)` then `response()` reads one response
 * (content-length, chunked or until close), so tests control framing and reuse exactly.
 */
export class RawClient {
  readonly sock: net.Socket;
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on("data", (b: Buffer) => {
      this.buf = Buffer.concat([this.buf, b]);
      this.wake();
    });
    sock.on("end", () => {
      this.ended = true;
      this.wake();
    });
    sock.on("error", () => {
      this.ended = true;
      this.wake();
    });
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async until(pred: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (this.ended) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; have ${JSON.stringify(this.buf.toString("latin1"))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  send(data: string | Buffer): void {
    this.sock.write(data);
  }

  /** Read bytes up to and including `marker` (e.g. an interim 100 Continue head). */
  async readUntil(marker: string, timeoutMs = 5000): Promise<string> {
    await this.until(() => this.buf.includes(marker), timeoutMs);
    const i = this.buf.indexOf(marker);
    if (i < 0) throw new Error(`connection ended before '${marker}'; have ${this.buf.toString("latin1")}`);
    const out = this.buf.subarray(0, i + marker.length).toString("latin1");
    this.buf = this.buf.subarray(i + marker.length);
    return out;
  }

  async response(opts: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    await this.until(() => this.buf.includes("\r\n\r\n"), timeoutMs);
    const he = this.buf.indexOf("\r\n\r\n");
    if (he < 0) throw new Error(`no response head; have ${JSON.stringify(this.buf.toString("latin1"))}`);
    const head = this.buf.subarray(0, he).toString("latin1");
    this.buf = this.buf.subarray(he + 4);
    const lines = head.split("\r\n");
    const status = Number(lines[0]!.split(" ")[1]);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(":");
      const k = l.slice(0, c).toLowerCase();
      const v = l.slice(c + 1).trim();
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
    }
    let body = Buffer.alloc(0);
    if (opts.head || status === 204 || status === 304 || (status >= 100 && status < 200))
      return { status, headers, head, body };
    if (headers["transfer-encoding"]?.includes("chunked")) {
      const parts: Buffer[] = [];
      for (;;) {
        await this.until(() => this.buf.includes("\r\n"), timeoutMs);
        const le = this.buf.indexOf("\r\n");
        const size = parseInt(this.buf.subarray(0, le).toString(), 16);
        await this.until(() => this.buf.length >= le + 2 + size + 2, timeoutMs);
        if (size === 0) {
          await this.until(
            () => this.buf.includes("\r\n\r\n") || this.buf.subarray(le + 2, le + 4).toString() === "\r\n",
            timeoutMs,
          );
          const end =
            this.buf.subarray(le + 2, le + 4).toString() === "\r\n"
              ? le + 4
              : this.buf.indexOf("\r\n\r\n") + 4;
          this.buf = this.buf.subarray(end);
          break;
        }
        parts.push(this.buf.subarray(le + 2, le + 2 + size));
        this.buf = this.buf.subarray(le + 2 + size + 2);
      }
      body = Buffer.concat(parts);
    } else if (headers["content-length"] !== undefined) {
      const n = Number(headers["content-length"]);
      await this.until(() => this.buf.length >= n, timeoutMs);
      body = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
    } else {
      await this.until(() => this.ended, timeoutMs);
      body = this.buf;
      this.buf = Buffer.alloc(0);
    }
    return { status, headers, head, body };
  }

  /** Resolves true when the peer closes within the time. */
  async closed(timeoutMs = 3000): Promise<boolean> {
    try {
      await this.until(() => this.ended, timeoutMs);
    } catch {
      return false;
    }
    return this.ended;
  }

  close(): void {
    this.sock.destroy();
  }
}

/** One request on a fresh connection (Connection: close). */
export async function get(
  port: number,
  path = "/",
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const c = await RawClient.connect(port);
  let h = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(headers)) h += `${k}: ${v}\r\n`;
  c.send(`${h}\r\n`);
  try {
    return await c.response();
  } finally {
    c.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Port of the endpoint whose role starts with `name`. */
export function portOf(endpoints: { port: number; role?: string }[], name: string): number {
  const e = endpoints.find((x) => x.role?.startsWith(name));
  if (e === undefined) throw new Error(`no endpoint for ${name}: ${JSON.stringify(endpoints)}`);
  return e.port;
}
