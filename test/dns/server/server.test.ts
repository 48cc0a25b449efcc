import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ClientInfo } from "../../../src/dns/chain/respond.ts";
import { DnsServer, type ReadyEndpoint } from "../../../src/dns/server/service.ts";
import type { Responder } from "../../../src/dns/server/udp.ts";
import type { ServerView } from "../../../src/dns/view.ts";
import { memoryLogger } from "../../../src/lib/log.ts";

/**
 * The socket layer in-process, with an engine double: it echoes the query with QR=1 and puts
 * REFUSED in the rcode when allow-query denies the client (so a reload is visible), and answers a
 * query whose ID is 0xAAAA with three messages over TCP (a transfer's shape).
 */
const echo: Responder = {
  respond(view: ServerView, packet: Buffer, client: ClientInfo): Buffer | null {
    if (packet.length < 12 || (packet[2]! & 0x80) !== 0) return null;
    const out = Buffer.from(packet);
    out[2] = out[2]! | 0x80;
    out[3] = (out[3]! & 0xf0) | (view.allowQuery(client.address) ? 0 : 5);
    return out;
  },
  respondStream(view, packet, client) {
    const one = echo.respond(view, packet, client);
    if (one === null) return [];
    return packet.readUInt16BE(0) === 0xaaaa ? [one, one, one] : [one];
  },
};

function query(id: number, extra = 0): Buffer {
  const b = Buffer.alloc(12 + extra);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(1, 4);
  return b;
}

function frame(m: Buffer): Buffer {
  const f = Buffer.alloc(2 + m.length);
  f.writeUInt16BE(m.length, 0);
  m.copy(f, 2);
  return f;
}

function udpAsk(port: number, msg: Buffer, host = "127.0.0.1"): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = createSocket(host.includes(":") ? "udp6" : "udp4");
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, 500);
    s.on("message", (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.send(msg, port, host);
  });
}

/** Read `n` framed messages from a TCP socket (or fewer when it closes). */
function readFrames(sock: Socket, n: number, timeoutMs = 2000): Promise<Buffer[]> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const out: Buffer[] = [];
    const done = (): void => {
      clearTimeout(t);
      sock.off("data", onData);
      resolve(out);
    };
    const t = setTimeout(done, timeoutMs);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= n) done();
    };
    sock.on("data", onData);
    sock.once("close", done);
  });
}

function tcpConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port }, () => resolve(s));
    s.once("error", reject);
  });
}

describe("DNS server sockets", () => {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-dns-server-"));
  const conf = join(dir, "named.conf");
  const write = (allow: string): void =>
    writeFileSync(
      conf,
      `options { recursion no; allow-query { ${allow} }; tcp-clients 3; tcp-idle-timeout 3; };\n`,
    );
  let svc: DnsServer;
  let eps: ReadyEndpoint[];
  let port: number;
  const log = memoryLogger();

  before(async () => {
    write("any;");
    svc = new DnsServer({ configFile: conf, log, listen: ["127.0.0.1", "::1"], port: 0, engine: echo });
    eps = await svc.start();
    port = eps[0]!.port;
  });
  after(() => svc.stop());

  it("binds UDP and TCP on one chosen port for every address", () => {
    assert.deepEqual(
      eps.map((e) => `${e.proto} ${e.host}`),
      ["udp 127.0.0.1", "tcp 127.0.0.1", "udp ::1", "tcp ::1"],
    );
    assert.ok(port > 0);
    assert.ok(eps.every((e) => e.port === port && e.role === "dns"));
  });

  it("answers over UDP on IPv4 and IPv6, and drops what the engine drops", async () => {
    const a = await udpAsk(port, query(0x1234));
    assert.equal(a?.readUInt16BE(0), 0x1234);
    assert.equal((a?.[2] ?? 0) & 0x80, 0x80);
    const b = await udpAsk(port, query(0x4321), "::1");
    assert.equal(b?.readUInt16BE(0), 0x4321);
    assert.equal(await udpAsk(port, Buffer.from([1, 2, 3])), undefined);
  });

  it("answers pipelined TCP queries in order, however the bytes are split", async () => {
    const s = await tcpConnect(port);
    const all = Buffer.concat([frame(query(1)), frame(query(2, 30)), frame(query(3))]);
    const got = readFrames(s, 3);
    // one byte at a time, then the rest at once
    for (let i = 0; i < 7; i++) s.write(all.subarray(i, i + 1));
    s.write(all.subarray(7));
    const answers = await got;
    assert.deepEqual(
      answers.map((m) => m.readUInt16BE(0)),
      [1, 2, 3],
    );
    assert.equal(answers[1]!.length, 42);
    // several messages for one query (a transfer), then more queries on the same connection
    const more = readFrames(s, 4);
    s.write(Buffer.concat([frame(query(0xaaaa)), frame(Buffer.alloc(0)), frame(query(9))]));
    assert.deepEqual(
      (await more).map((m) => m.readUInt16BE(0)),
      [0xaaaa, 0xaaaa, 0xaaaa, 9],
    );
    s.destroy();
  });

  it("closes idle TCP connections (tcp-idle-timeout)", async () => {
    const s = await tcpConnect(port);
    const t0 = Date.now();
    await new Promise((r) => s.once("close", r));
    assert.ok(Date.now() - t0 < 2000);
  });

  it("limits concurrent TCP connections (tcp-clients)", async () => {
    const socks = await Promise.all([1, 2, 3].map(() => tcpConnect(port)));
    const extra = await tcpConnect(port);
    const frames = readFrames(extra, 1, 1000);
    extra.write(frame(query(77)));
    assert.deepEqual(await frames, []);
    // the others still work
    const ok = readFrames(socks[0]!, 1);
    socks[0]!.write(frame(query(78)));
    assert.equal((await ok)[0]?.readUInt16BE(0), 78);
    for (const s of [...socks, extra]) s.destroy();
  });

  it("swaps the view on reload, and keeps it when named.conf is invalid", async () => {
    write("none;");
    await svc.reload();
    const refused = await udpAsk(port, query(5));
    assert.equal(refused![3]! & 0x0f, 5);
    writeFileSync(conf, "options { recursoin no; };\n");
    await assert.rejects(() => svc.reload(), /unknown option 'recursoin'/);
    const still = await udpAsk(port, query(6));
    assert.equal(still![3]! & 0x0f, 5);
    write("any;");
    await svc.reload();
    assert.equal((await udpAsk(port, query(7)))![3]! & 0x0f, 0);
  });
});
