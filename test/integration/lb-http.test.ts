import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { startNetsvc, type Running } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";
import { RawClient, get, portOf, startBackend, writeConfig, type Backend } from "./lb-helpers.ts";

/** HTTP mode through `netsvc lb` with real clients: routing, framing, keep-alive, rewriting. */
describe("netsvc lb: HTTP proxying", () => {
  let backends: Backend[] = [];
  let echo: Backend;
  let lb: Running;
  let port = 0;

  before(async () => {
    backends = await Promise.all([0, 1, 2].map((i) => startBackend(i)));
    // An echo backend: answers with the request (method, url, headers, body) as JSON, chunked.
    echo = await startBackend(9, (req, res, body) => {
      if (req.url === "/ws") return;
      if (req.url === "/echo/close-delimited") {
        // An HTTP/1.0-style response whose body ends when the server closes.
        req.socket.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ");
        setTimeout(() => req.socket.end("close"), 50);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.write(
        JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }).slice(0, 10),
      );
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }).slice(10));
    });
    // WebSocket-like upgrade: 101, then echo every byte.
    echo.server.on("upgrade", (req, sock, head) => {
      sock.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
      if (head.length > 0) sock.write(head);
      sock.on("data", (b: Buffer) => sock.write(Buffer.concat([Buffer.from("echo:"), b])));
      sock.on("end", () => sock.end());
    });
    const cfg = writeConfig(`
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout http-keep-alive 2s

frontend web
    bind 127.0.0.1:0
    bind [::1]:0
    option forwardfor
    acl is_echo path_beg /echo
    acl is_ws path /ws
    acl host_api hdr(host) -i api.example
    acl blocked path_beg /admin
    acl ret path /teapot
    acl old path_end .php
    http-request deny if blocked
    http-request return status 418 content-type text/plain string "short and stout" if ret
    http-request redirect location /new if old
    http-request set-header X-Tag tagged if is_echo
    use_backend echo if is_echo || is_ws || host_api
    default_backend app

backend app
    balance roundrobin
${backends.map((b, i) => `    server a${i} 127.0.0.1:${b.port}`).join("\n")}

backend echo
    server e0 127.0.0.1:${echo.port}
`);
    lb = await startNetsvc(["lb", "-f", cfg]);
    port = portOf(lb.endpoints, "web");
  });

  after(async () => {
    await lb.stop();
    await Promise.all([...backends, echo].map((b) => b.close()));
  });

  it("lists every bind in the ready line (IPv4 and IPv6)", () => {
    const hosts = lb.endpoints.map((e) => e.host).sort();
    assert.deepEqual(hosts, ["127.0.0.1", "::1"]);
    assert.ok(lb.endpoints.every((e) => e.port > 0));
  });

  it("balances round-robin over the servers", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await get(port)).body.toString().trim().slice(-1));
    assert.deepEqual(ids.slice(0, 3).sort(), ["0", "1", "2"]);
    assert.deepEqual(ids.slice(3), ids.slice(0, 3));
  });

  it("keeps client and server connections alive and reuses them", async () => {
    const c = await RawClient.connect(port);
    const before = backends.map((b) => b.seen.length);
    for (let i = 0; i < 9; i++) {
      c.send(`GET /ka HTTP/1.1\r\nHost: x\r\n\r\n`);
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.headers.connection, undefined);
    }
    c.close();
    for (const [i, b] of backends.entries()) {
      const mine = b.seen.slice(before[i]);
      assert.equal(mine.length, 3);
      // Three requests to the same server over one pooled connection.
      assert.equal(new Set(mine.map((s) => s.peerPort)).size, 1);
    }
  });

  it("handles pipelined requests in order", async () => {
    const c = await RawClient.connect(port);
    c.send("GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/p2 HTTP/1.1\r\nHost: x\r\n\r\n");
    const a = await c.response();
    const b = await c.response();
    assert.match(a.body.toString(), /Hello, I am ID/);
    assert.equal((JSON.parse(b.body.toString()) as { url: string }).url, "/echo/p2");
    c.close();
  });

  it("streams chunked bodies both ways and re-frames nothing it need not", async () => {
    const c = await RawClient.connect(port);
    c.send("POST /echo/up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    await new Promise((r) => setTimeout(r, 50));
    c.send("6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    const r = await c.response();
    assert.equal(r.status, 200);
    assert.equal(r.headers["transfer-encoding"], "chunked");
    const got = JSON.parse(r.body.toString()) as { body: string; headers: Record<string, string> };
    assert.equal(got.body, "hello world");
    assert.equal(got.headers["transfer-encoding"], "chunked");
    c.close();
  });

  it("adds X-Forwarded-For and set-header, removes hop-by-hop fields", async () => {
    const r = await get(port, "/echo/h", {
      "X-Tag": "client",
      Connection: "close, X-Secret",
      "X-Secret": "s",
      "Keep-Alive": "timeout=5",
      "Proxy-Authorization": "Basic x",
      TE: "trailers",
    });
    const got = JSON.parse(r.body.toString()) as { headers: Record<string, string> };
    assert.equal(got.headers["x-forwarded-for"], "127.0.0.1");
    assert.equal(got.headers["x-tag"], "tagged");
    for (const h of ["x-secret", "keep-alive", "proxy-authorization", "te"])
      assert.equal(got.headers[h], undefined, h);
  });

  it("routes by Host header ACL", async () => {
    const r = await get(port, "/any", { Host: "API.example" });
    assert.equal((JSON.parse(r.body.toString()) as { url: string }).url, "/any");
  });

  it("denies, returns and redirects as http-request says", async () => {
    const d = await get(port, "/admin/x");
    assert.equal(d.status, 403);
    assert.match(d.body.toString(), /403 Forbidden/);
    const t = await get(port, "/teapot");
    assert.equal(t.status, 418);
    assert.equal(t.body.toString(), "short and stout");
    const rd = await get(port, "/index.php");
    assert.equal(rd.status, 302);
    assert.equal(rd.headers.location, "/new");
  });

  it("relays 100-continue before the body is sent", async () => {
    const c = await RawClient.connect(port);
    c.send("POST /echo/c HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    const interim = await c.readUntil("\r\n\r\n");
    assert.match(interim, /^HTTP\/1\.1 100 Continue/);
    c.send("data");
    const r = await c.response();
    assert.equal((JSON.parse(r.body.toString()) as { body: string }).body, "data");
    c.close();
  });

  it("tunnels a WebSocket upgrade", async () => {
    const c = await RawClient.connect(port);
    c.send(
      "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    const head = await c.readUntil("\r\n\r\n");
    assert.match(head, /^HTTP\/1\.1 101/);
    assert.match(head, /Upgrade: websocket/i);
    c.send("ping");
    assert.equal(await c.readUntil("ping"), "echo:ping");
    c.sock.end();
    assert.ok(await c.closed());
  });

  it("answers 400 to malformed requests and keeps running", async () => {
    for (const bad of [
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
    ]) {
      const c = await RawClient.connect(port);
      c.send(bad);
      const r = await c.response();
      assert.equal(r.status, 400, bad);
      assert.ok(await c.closed(), "closes after 400");
    }
    assert.equal((await get(port)).status, 200);
  });

  it("normalises bare-LF request heads before forwarding them", async () => {
    const c = await RawClient.connect(port);
    c.send("GET /echo/lf HTTP/1.1\nHost: x\nX-A: 1\n\n");
    const r = await c.response();
    assert.equal(r.status, 200);
    const got = JSON.parse(r.body.toString()) as { url: string; headers: Record<string, string> };
    assert.equal(got.url, "/echo/lf");
    assert.equal(got.headers["x-a"], "1");
    c.close();
  });

  it("re-chunks a close-delimited response for a keep-alive HTTP/1.1 client", async () => {
    const c = await RawClient.connect(port);
    c.send("GET /echo/close-delimited HTTP/1.1\r\nHost: x\r\n\r\n");
    const r = await c.response();
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.body.toString(), "until close");
    c.send("GET /echo/after HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal((JSON.parse((await c.response()).body.toString()) as { url: string }).url, "/echo/after");
    c.close();
  });

  it("serves HTTP/1.0 clients (de-chunking for them)", async () => {
    const c = await RawClient.connect(port);
    c.send("GET /echo/10 HTTP/1.0\r\n\r\n");
    const r = await c.response();
    assert.equal(r.status, 200);
    assert.equal(r.headers["transfer-encoding"], undefined);
    assert.equal((JSON.parse(r.body.toString()) as { url: string }).url, "/echo/10");
    c.close();
  });

  it("works with node:http keep-alive clients and over IPv6", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const v6 = lb.endpoints.find((e) => e.host === "::1")!.port;
    for (let i = 0; i < 3; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: "::1", port: v6, path: "/", agent }, (res) => {
            let s = "";
            res.on("data", (d: Buffer) => (s += d.toString()));
            res.on("end", () => resolve(s));
          })
          .on("error", reject);
      });
      assert.match(body, /Hello, I am ID \d/);
    }
    agent.destroy();
  });

  it("answers curl, including a chunked upload", async (t) => {
    if (!needTool(t, "curl")) return;
    // Backends run in this process: curl must run asynchronously.
    const { stdout } = await promisify(execFile)("curl", ["-s", "-i", `http://127.0.0.1:${port}/`]);
    assert.match(stdout, /^HTTP\/1\.1 200/);
    const child = spawn("curl", [
      "-s",
      "-H",
      "Transfer-Encoding: chunked",
      "--data-binary",
      "@-",
      `http://127.0.0.1:${port}/echo/curl`,
    ]);
    let up = "";
    child.stdout.on("data", (d: Buffer) => (up += d.toString()));
    child.stdin.end("x".repeat(100_000));
    await new Promise((r) => child.on("close", r));
    assert.equal((JSON.parse(up) as { body: string }).body.length, 100_000);
  });
});
