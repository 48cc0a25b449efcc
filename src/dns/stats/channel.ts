import { createServer, type Server } from "node:http";
import { listenTcp } from "../../lib/listen.ts";
import type { Logger } from "../../lib/log.ts";
import { compileAml, hostNets } from "../config/aml.ts";
import type { NamedConf } from "../config/model.ts";
import type { StatsSnapshot } from "./counters.ts";
import { bindJson, prometheus } from "./render.ts";

/**
 * BIND's `statistics-channels { inet ADDR port N allow { ... }; };`: a small HTTP listener per
 * `inet` clause. `/metrics` serves Prometheus text, `/json/v1` (and `/json/v1/server`, `/json`) a
 * BIND-shaped JSON summary. A client outside `allow` gets 403 (BIND's default allow is
 * localhost). Counters come from `snapshot()` (this process's, or the sum over the workers).
 */
export interface StatsEndpoint {
  proto: "tcp";
  host: string;
  port: number;
  role: "stats";
}

export interface StatsChannels {
  endpoints: StatsEndpoint[];
  close(): Promise<void>;
}

export async function startStatsChannels(
  conf: NamedConf,
  snapshot: () => StatsSnapshot,
  log: Logger,
): Promise<StatsChannels> {
  const servers: Server[] = [];
  const endpoints: StatsEndpoint[] = [];
  const boot = new Date();
  const nets = hostNets();
  const here = { file: conf.file, line: 0, col: 0 };
  for (const ch of conf.options.recursionConf.statisticsChannels) {
    const allow = compileAml(ch.allow ?? [{ kind: "localhost", negated: false, at: here }], conf.acls, nets);
    const server = createServer((req, res) => {
      if (!allow(req.socket.remoteAddress ?? "")) {
        res.writeHead(403, { "content-type": "text/plain" }).end("forbidden\n");
        return;
      }
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/metrics") {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(prometheus(snapshot()));
      } else if (path === "/json/v1" || path === "/json/v1/server" || path === "/json") {
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify(bindJson(snapshot(), boot), null, 2));
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics or /json/v1\n");
      }
    });
    server.on("error", (err) => log.error("statistics channel error", { error: String(err) }));
    const host = ch.host === "*" ? "0.0.0.0" : ch.host;
    const bound = await listenTcp(server, { host, port: ch.port });
    servers.push(server);
    endpoints.push({ proto: "tcp", host: bound.host, port: bound.port, role: "stats" });
  }
  return {
    endpoints,
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}
