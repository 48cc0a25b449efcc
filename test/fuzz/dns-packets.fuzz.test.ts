import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import dnsPacket from "dns-packet";
import { ROOT, startNetsvc, type Running } from "../helpers/proc.ts";

/**
 * Fuzz the running server: 100,000 random and mutated packets over UDP and a few thousand over TCP
 * (with hostile framing). The server must never crash, and whatever it answers must be a
 * well-formed DNS response (dns-packet decodes it, QR=1) that fits the UDP limit. Seeded: a failure
 * prints its seed; FUZZ_SEED=n replays it, FUZZ_N=n changes the count.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const N = Number(process.env.FUZZ_N ?? 100_000);

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  "example.com",
  "test.example.com",
  "www.example.com",
  "big.example.com",
  "hugetxt.example.com",
  "foo.wild.example.com",
  "host.olddept.example.com",
  "loop1.example.com",
  "x.sub.example.com",
  "nosuch.example.com",
  "a.b.ent.example.com",
  "www.google.com",
  ".",
  "esc\\.dot.example.com",
];
const TYPES = [
  "A",
  "AAAA",
  "MX",
  "TXT",
  "NS",
  "SOA",
  "ANY",
  "CNAME",
  "DNAME",
  "SRV",
  "DS",
  "AXFR",
  "IXFR",
  "CAA",
  "PTR",
] as const;

function seeds(rand: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (const name of NAMES) {
    for (const type of TYPES) {
      const edns = rand() < 0.5;
      out.push(
        dnsPacket.encode({
          type: "query",
          id: 1,
          flags: rand() < 0.5 ? dnsPacket.RECURSION_DESIRED : 0,
          questions: [{ type, name, class: "IN" }],
          additionals: edns
            ? [
                {
                  type: "OPT",
                  name: ".",
                  udpPayloadSize: [512, 1232, 4096, 65535][Math.floor(rand() * 4)]!,
                  flags: rand() < 0.3 ? dnsPacket.DNSSEC_OK : 0,
                  options: rand() < 0.3 ? [{ code: 10, data: Buffer.alloc(8, 7) }] : [],
                },
              ]
            : [],
        } as unknown as dnsPacket.Packet),
      );
    }
  }
  return out;
}

function mutate(rand: () => number, corpus: Buffer[]): Buffer {
  const pick = (): Buffer => corpus[Math.floor(rand() * corpus.length)]!;
  const r = rand();
  if (r < 0.1) {
    const b = Buffer.alloc(Math.floor(rand() * 600));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
    return b;
  }
  let b = Buffer.from(pick());
  const ops = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < ops; k++) {
    const op = rand();
    if (b.length === 0) break;
    const at = Math.floor(rand() * b.length);
    if (op < 0.35) b[at] = b[at]! ^ (1 << Math.floor(rand() * 8));
    else if (op < 0.55) b[at] = [0, 0xff, 0xc0, 0x3f, 0x40, 1, 41][Math.floor(rand() * 7)]!;
    else if (op < 0.7) b = b.subarray(0, at);
    else if (op < 0.8)
      b = Buffer.concat([
        b,
        Buffer.from(Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))),
      ]);
    else if (op < 0.9) {
      const other = pick();
      b = Buffer.concat([b.subarray(0, at), other.subarray(Math.floor(rand() * other.length))]);
    } else if (b.length >= 12) {
      b.writeUInt16BE(Math.floor(rand() * 4), 4 + 2 * Math.floor(rand() * 4)); // section counts
    }
  }
  return b;
}

function checkReply(reply: Buffer, sent: Buffer | undefined, udp: boolean): void {
  assert.ok(reply.length >= 12, "reply shorter than a header");
  if (udp) assert.ok(reply.length <= 4096, `UDP reply of ${reply.length} bytes`);
  assert.equal(reply[2]! & 0x80, 0x80, "QR must be set in a reply");
  if (sent !== undefined && sent.length >= 2)
    assert.equal(reply.readUInt16BE(0), sent.readUInt16BE(0), "reply ID");
  dnsPacket.decode(reply); // throws when malformed
}

/** Send a batch over UDP, each with a distinct ID, and collect replies until quiet. */
function udpBatch(sock: Socket, port: number, batch: Buffer[]): Promise<Map<number, Buffer[]>> {
  return new Promise((resolve) => {
    const got = new Map<number, Buffer[]>();
    let timer: NodeJS.Timeout;
    const done = (): void => {
      sock.off("message", onMsg);
      resolve(got);
    };
    const onMsg = (m: Buffer): void => {
      const id = m.length >= 2 ? m.readUInt16BE(0) : -1;
      got.set(id, [...(got.get(id) ?? []), m]);
      clearTimeout(timer);
      timer = setTimeout(done, 40);
    };
    sock.on("message", onMsg);
    for (const b of batch) sock.send(b, port, "127.0.0.1");
    timer = setTimeout(done, 150);
  });
}

describe("DNS packet fuzzing against a running server", { timeout: 120_000 }, () => {
  let srv: Running;
  let port: number;
  before(async () => {
    srv = await startNetsvc([
      "dns",
      "-c",
      join(ROOT, "test/fixtures/dns/conformance/named.conf"),
      "--port",
      "0",
      "--workers",
      "1",
    ]);
    port = srv.endpoints.find((e) => e.proto === "udp")!.port;
  });
  after(async () => {
    assert.equal(await srv.stop("SIGTERM"), 0);
  });

  it(`survives ${N} random and mutated UDP packets (seed ${SEED})`, async () => {
    const rand = prng(SEED);
    const corpus = seeds(rand);
    const sock = createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    sock.setRecvBufferSize(4 << 20);
    let replies = 0;
    const BATCH = 500;
    try {
      for (let sent = 0; sent < N; sent += BATCH) {
        const batch: Buffer[] = [];
        for (let i = 0; i < BATCH && sent + i < N; i++) {
          const b = mutate(rand, corpus);
          if (b.length >= 2) b.writeUInt16BE(i, 0); // distinct IDs within the batch
          batch.push(b);
        }
        const got = await udpBatch(sock, port, batch);
        for (const [id, msgs] of got) {
          for (const m of msgs) {
            try {
              checkReply(m, batch[id], true);
            } catch (err) {
              assert.fail(
                `seed ${SEED}, packet ${sent + id} ${batch[id]?.toString("hex")}: ${String(err)} reply ${m.toString("hex")}`,
              );
            }
            replies++;
          }
        }
        assert.equal(
          srv.child.exitCode,
          null,
          `server exited (seed ${SEED}, batch at ${sent}): ${srv.stderr()}`,
        );
      }
    } finally {
      sock.close();
    }
    assert.ok(replies > N / 4, `only ${replies} replies to ${N} packets`);
  });

  it("survives mutated queries and hostile framing over TCP", async () => {
    const rand = prng(SEED + 1);
    const corpus = seeds(rand);
    for (let conn = 0; conn < 40; conn++) {
      const msgs = Array.from({ length: 50 }, () => mutate(rand, corpus));
      const frames = msgs.map((m) => {
        const len = rand() < 0.05 ? Math.floor(rand() * 65536) : m.length; // a lying length now and then
        return Buffer.concat([Buffer.from([len >> 8, len & 0xff]), m]);
      });
      const replies = await new Promise<Buffer[]>((resolve) => {
        const out: Buffer[] = [];
        let buf = Buffer.alloc(0);
        const s = connect({ host: "127.0.0.1", port }, () => {
          const all = Buffer.concat(frames);
          let off = 0;
          while (off < all.length) {
            const n = 1 + Math.floor(rand() * 300);
            s.write(all.subarray(off, off + n));
            off += n;
          }
          s.end();
        });
        s.on("data", (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
            buf = buf.subarray(2 + buf.readUInt16BE(0));
          }
        });
        s.on("error", () => resolve(out));
        s.on("close", () => resolve(out));
        setTimeout(() => {
          s.destroy();
          resolve(out);
        }, 3000).unref();
      });
      for (const r of replies) checkReply(r, undefined, false);
      assert.equal(srv.child.exitCode, null, `server exited (seed ${SEED}, tcp connection ${conn})`);
    }
    // still answering properly
    const sock = createSocket("udp4");
    const q = dnsPacket.encode({
      type: "query",
      id: 4242,
      questions: [{ type: "A", name: "test.example.com" }],
    });
    const got = await udpBatch(sock, port, [q]);
    sock.close();
    const a = dnsPacket.decode(got.get(4242)![0]!);
    assert.equal((a.answers?.[0] as { data?: string } | undefined)?.data, "93.184.216.34");
  });
});
