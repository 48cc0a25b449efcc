#!/usr/bin/env node
// Baseline for the design decision in docs/lb.md: the simplest netsvc-shaped proxy, node:http in
// front and one undici Pool per backend server (roundrobin), optionally under node:cluster.
//   node bench/lb/baseline-undici.mjs LISTEN_PORT WORKERS BACKEND_PORT...
// Run through bench/lb/run.sh --baseline to compare it with HAProxy.
import cluster from "node:cluster";
import http from "node:http";
import { Pool } from "undici";

const [listenPort, workers, ...ports] = process.argv.slice(2).map(Number);
if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on("SIGTERM", () => {
    for (const w of Object.values(cluster.workers)) w.kill();
    process.exit(0);
  });
} else {
  const pools = ports.map((p) => new Pool(`http://127.0.0.1:${p}`, { connections: 64, pipelining: 1 }));
  let next = 0;
  const server = http.createServer((req, res) => {
    const pool = pools[next];
    next = (next + 1) % pools.length;
    const headers = { ...req.headers };
    delete headers.connection;
    pool
      .request({
        method: req.method,
        path: req.url,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? null : req,
      })
      .then(
        (r) => {
          const h = {};
          for (const [k, v] of Object.entries(r.headers))
            if (k !== "connection" && k !== "keep-alive" && k !== "transfer-encoding") h[k] = v;
          res.writeHead(r.statusCode, h);
          r.body.pipe(res);
        },
        () => {
          res.writeHead(502);
          res.end("bad gateway\n");
        },
      );
  });
  server.keepAliveTimeout = 30000;
  server.listen(listenPort, "127.0.0.1");
  process.on("SIGTERM", () => process.exit(0));
}
