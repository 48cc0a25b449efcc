import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { listenTcp, type Endpoint } from "../../lib/listen.ts";
import { dashboardHtml } from "./page.ts";

/**
 * The lab's stats listener (the stats `listen` section of haproxy.cfg, 7001 in the lab), served by
 * the lab process itself: `/` is the dashboard, `/lab.json` its data, and every other request
 * (`/stats`, `;csv`, `;json`, `/metrics`, the admin form) is passed unchanged to the balancer's
 * own stats listener, which the lab moved to a private port.
 */
export interface DashboardOptions {
  endpoint: Endpoint;
  snapshot: () => Promise<unknown>;
  /** `http://127.0.0.1:PORT` of the balancer's stats listener, or undefined when it is down. */
  upstream: () => string | undefined;
}

export async function startDashboard(o: DashboardOptions): Promise<{ server: Server; bound: Endpoint }> {
  const page = dashboardHtml();
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if ((req.method === "GET" || req.method === "HEAD") && (path === "/" || path === "/index.html")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" });
      res.end(req.method === "HEAD" ? undefined : page);
    } else if (path === "/favicon.ico") {
      // The dashboard's, not a request for the balancer (which would count it as a 503).
      res.writeHead(204).end();
    } else if (req.method === "GET" && path === "/lab.json") {
      o.snapshot().then(
        (s) => {
          res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
          res.end(JSON.stringify(s));
        },
        (err: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`${String(err)}\n`);
        },
      );
    } else proxy(req, res, o.upstream());
  });
  const bound = await listenTcp(server, o.endpoint);
  return { server, bound };
}

function proxy(req: IncomingMessage, res: ServerResponse, upstream: string | undefined): void {
  if (upstream === undefined) {
    res.writeHead(503, { "content-type": "text/plain" });
    res.end("503 the load balancer is not running: its statistics are not available\n");
    return;
  }
  const up = request(
    `${upstream}${req.url ?? "/"}`,
    { method: req.method, headers: { ...req.headers, connection: "close" } },
    (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    },
  );
  up.on("error", (err) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`502 the load balancer's statistics did not answer: ${err.message}\n`);
  });
  req.pipe(up);
}
