import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pick } from "../../../src/lb/engine/backend.ts";
import { needTool, hasTool } from "../../helpers/tools.ts";
import { backendFrom, req } from "./fixture.ts";

/**
 * The balancing algorithms against HAProxy itself (roundrobin, static-rr, leastconn and first on
 * sequential requests; source, uri, hdr): the same backend (weights 5/1/1/3) behind a
 * real `haproxy`, the same requests (sequential; sources from several 127.x addresses; several
 * URIs and header values), and the engine's choices must be the very same servers, in the same
 * order.
 */
const WEIGHTS = [5, 1, 1, 3];

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

function ask(
  port: number,
  path = "/",
  headers: Record<string, string> = {},
  localAddress = "127.0.0.1",
): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = http.get(
      {
        host: "127.0.0.1",
        port,
        path,
        headers: { ...headers, connection: "close" },
        localAddress,
        agent: false,
      },
      (res) => {
        let b = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (b += d));
        res.on("end", () => resolve(b.trim()));
      },
    );
    r.on("error", reject);
  });
}

describe("balance algorithms agree with HAProxy", { skip: !hasTool("haproxy") && !process.env.CI }, () => {
  const backends: http.Server[] = [];
  const ports: number[] = [];
  let dir = "";
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "netsvc-balance-"));
    for (let i = 0; i < WEIGHTS.length; i++) {
      const s = http.createServer((_q, r) => r.end(`${i}`));
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
      backends.push(s);
      ports.push((s.address() as AddressInfo).port);
    }
  });
  after(() => {
    for (const s of backends) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const servers = (): string[] => ports.map((p, i) => `server w${i} 127.0.0.1:${p} weight ${WEIGHTS[i]!}`);

  async function withHaproxy<T>(balance: string, run: (port: number) => Promise<T>): Promise<T> {
    const port = await freePort();
    const cfg = join(dir, `${balance.replace(/\W/g, "_")}.cfg`);
    writeFileSync(
      cfg,
      [
        "defaults",
        "  mode http",
        "  timeout connect 1s",
        "  timeout client 5s",
        "  timeout server 5s",
        "frontend f",
        `  bind 127.0.0.1:${port}`,
        "  default_backend b",
        "backend b",
        `  balance ${balance}`,
        ...servers().map((s) => `  ${s}`),
      ].join("\n") + "\n",
    );
    const hp: ChildProcess = spawn("haproxy", ["-db", "-f", cfg], { stdio: "ignore" });
    try {
      for (let i = 0; ; i++) {
        try {
          await ask(port);
          break;
        } catch (err) {
          if (i > 50) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      return await run(port);
    } finally {
      hp.kill();
    }
  }

  const engine = (balance: string) => backendFrom([`balance ${balance}`, ...servers()]);
  const id = (s: { name: string } | undefined): string => s?.name.slice(1) ?? "-";

  for (const balance of ["roundrobin", "static-rr", "leastconn", "first"]) {
    it(`${balance}: the same sequence over 30 requests`, async (t) => {
      if (!needTool(t, "haproxy")) return;
      // haproxy was probed once above (the warm-up request): start the engine one request in too.
      const ref = await withHaproxy(balance, async (port) => {
        const out: string[] = [];
        for (let i = 0; i < 30; i++) out.push(await ask(port));
        return out;
      });
      const be = engine(balance);
      pick(be, req());
      const ours = Array.from({ length: 30 }, () => id(pick(be, req())));
      assert.deepEqual(ours, ref);
    });
  }

  it("source: the same server for each client address", async (t) => {
    if (!needTool(t, "haproxy")) return;
    const srcs = [
      "127.0.0.1",
      "127.0.0.2",
      "127.0.0.3",
      "127.0.0.7",
      "127.1.2.3",
      "127.0.0.9",
      "127.200.0.1",
      "127.0.1.0",
    ];
    const ref = await withHaproxy("source", async (port) =>
      Promise.all(srcs.map((s) => ask(port, "/", {}, s))),
    );
    const be = engine("source");
    assert.deepEqual(
      srcs.map((s) => id(pick(be, req({ src: s })))),
      ref,
    );
  });

  it("uri: the same server for each URI", async (t) => {
    if (!needTool(t, "haproxy")) return;
    const uris = ["/a", "/b", "/img/x.png", "/c?x=1", "/index.html", "/zz", "/1", "/2", "/3", "/caf%C3%A9"];
    const ref = await withHaproxy("uri", async (port) => Promise.all(uris.map((u) => ask(port, u))));
    const be = engine("uri");
    assert.deepEqual(
      uris.map((u) => id(pick(be, req({ uri: u })))),
      ref,
    );
  });

  it("hdr(X-User): the same server for each header value", async (t) => {
    if (!needTool(t, "haproxy")) return;
    const users = ["alice", "bob", "carol", "dave", "eve", "mallory", "trent"];
    const ref = await withHaproxy("hdr(X-User)", async (port) =>
      Promise.all(users.map((u) => ask(port, "/", { "X-User": u }))),
    );
    const be = engine("hdr(X-User)");
    assert.deepEqual(
      users.map((u) => id(pick(be, req({ headers: { "x-user": u } })))),
      ref,
    );
  });
});
