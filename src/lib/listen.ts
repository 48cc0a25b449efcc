import type { AddressInfo } from "node:net";
import type { Server } from "node:net";
import { NetsvcError } from "./errors.ts";

export interface Endpoint {
  host: string;
  port: number;
}

/**
 * Parse `ADDR:PORT`, `[V6]:PORT`, `*:PORT`, `:PORT` or a bare port. `*` and an empty host mean all
 * IPv4 addresses (`0.0.0.0`), `::` all IPv6 (and, on Linux, IPv4 too).
 */
export function parseEndpoint(text: string, defaultHost = "0.0.0.0"): Endpoint | string {
  let host: string;
  let portText: string;
  const m6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (m6) {
    host = m6[1]!;
    portText = m6[2]!;
  } else if (/^\d+$/.test(text)) {
    host = defaultHost;
    portText = text;
  } else {
    const i = text.lastIndexOf(":");
    if (i < 0) return `missing port in '${text}'`;
    host = text.slice(0, i);
    portText = text.slice(i + 1);
    if (host.includes(":")) return `IPv6 address must be in brackets in '${text}'`;
  }
  if (host === "" || host === "*") host = defaultHost;
  if (!/^\d+$/.test(portText)) return `invalid port '${portText}' in '${text}'`;
  const port = Number(portText);
  if (port > 65535) return `port ${port} out of range in '${text}'`;
  return { host, port };
}

export function formatEndpoint(e: Endpoint): string {
  return e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** Listen and resolve with the address really bound (port 0 becomes the chosen port). */
export function listenTcp(server: Server, e: Endpoint): Promise<Endpoint> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new NetsvcError(
          err.code ?? "ELISTEN",
          `cannot listen on ${formatEndpoint(e)}: ${err.code === "EACCES" ? "permission denied (ports below 1024 need root)" : err.message}`,
          { cause: err },
        ),
      );
    };
    server.once("error", onError);
    server.listen({ host: e.host, port: e.port }, () => {
      server.off("error", onError);
      const a = server.address() as AddressInfo;
      resolve({ host: a.address, port: a.port });
    });
  });
}
