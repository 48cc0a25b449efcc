import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { httpProbe, judge, buildRequest } from "../../../src/lb/check/probes/http.ts";
import { tcpProbe } from "../../../src/lb/check/probes/tcp.ts";
import type { HttpCheck } from "../../../src/lb/config/model.ts";

const hc = (over: Partial<HttpCheck> = {}): HttpCheck => ({
  method: "GET",
  uri: "/health",
  version: "HTTP/1.0",
  headers: [],
  ...over,
});

function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
}

/** A port nobody listens on: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const s = createServer();
  const p = await listen(s);
  await new Promise((r) => s.close(r));
  return p;
}

describe("check probes", () => {
  const seen: string[] = [];
  const http = createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.httpVersion} host=${req.headers.host ?? "-"}`);
    if (req.url === "/health") res.end("all good");
    else if (req.url === "/down") {
      res.writeHead(503, "Service Unavailable");
      res.end("no");
    } else if (req.url === "/slow") setTimeout(() => res.end("late"), 500);
    else res.end("?");
  });
  const silent = createServer(() => undefined);
  let port = 0;
  let silentPort = 0;
  before(async () => {
    port = await listen(http);
    silentPort = await listen(silent);
  });
  after(() => {
    http.close();
    silent.close();
  });
  const target = (p: number, timeout = 1000) => ({
    host: "127.0.0.1",
    port: p,
    connectTimeout: timeout,
    timeout,
  });

  it("TCP: L4OK on connect, L4CON 'Connection refused' on a closed port", async () => {
    assert.equal((await tcpProbe(target(port))).status, "L4OK");
    const r = await tcpProbe(target(await closedPort()));
    assert.equal(r.status, "L4CON");
    assert.equal(r.info, "Connection refused");
  });

  it("HTTP: 2xx passes by default, 503 is L7STS with the reason phrase", async () => {
    const ok = await httpProbe(target(port), hc());
    assert.equal(ok.status, "L7OK");
    assert.equal(ok.code, 200);
    assert.match(seen.at(-1)!, /^GET \/health 1\.0/);
    const bad = await httpProbe(target(port), hc({ uri: "/down" }));
    assert.equal(bad.status, "L7STS");
    assert.equal(bad.code, 503);
    assert.equal(bad.info, "Service Unavailable");
  });

  it("HTTP/1.1 checks send a Host header", async () => {
    await httpProbe(target(port), hc({ version: "HTTP/1.1" }));
    assert.match(seen.at(-1)!, new RegExp(`host=127\\.0\\.0\\.1:${port}`));
    assert.match(buildRequest(hc({ headers: [["Host", "x"]] }), "y"), /Host: x\r\n/);
  });

  it("http-check expect status / string", async () => {
    assert.equal(
      (
        await httpProbe(
          target(port),
          hc({ uri: "/down", expect: { kind: "status", codes: [503], negate: false } }),
        )
      ).status,
      "L7OK",
    );
    assert.equal(
      (await httpProbe(target(port), hc({ expect: { kind: "status", codes: [204], negate: false } }))).status,
      "L7STS",
    );
    assert.equal(
      (await httpProbe(target(port), hc({ expect: { kind: "string", text: "good", negate: false } }))).status,
      "L7OK",
    );
    assert.equal(
      (await httpProbe(target(port), hc({ expect: { kind: "string", text: "bad", negate: false } }))).status,
      "L7RSP",
    );
  });

  it("L7TOUT when the server does not answer in time; L7RSP on garbage", async () => {
    const r = await httpProbe(target(silentPort, 150), hc());
    assert.equal(r.status, "L7TOUT");
    assert.equal(judge(hc(), "SSH-2.0-OpenSSH\r\n", 1).status, "L7RSP");
  });
});
