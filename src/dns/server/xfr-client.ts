import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { NetsvcError } from "../../lib/errors.ts";
import { decodeMessage, emptyMessage, encodeMessage, Opcode, Rcode, type RR } from "../wire/message.ts";
import { CLASS, RRType } from "../wire/rrtypes.ts";
import { XfrError, XfrReader, type XfrResult } from "../transfer/in.ts";
import { ResponseVerifier, sign, type TsigKey } from "../transfer/tsig.ts";

/**
 * The sockets of replication (the protocol is in src/dns/transfer): SOA queries over UDP (TCP
 * after TC), transfers over TCP, NOTIFY over UDP with retries. Requests are signed when the
 * primary/also-notify entry names a key, and then the answer must be signed by it.
 */
export interface Peer {
  host: string;
  port: number;
  key: TsigKey | undefined;
}

const now = (): number => Math.floor(Date.now() / 1000);

function signed(msg: Buffer, key: TsigKey | undefined): { buf: Buffer; mac: Buffer | undefined } {
  if (key === undefined) return { buf: msg, mac: undefined };
  const r = sign(msg, key, { time: now() });
  return { buf: r.buf, mac: r.mac };
}

function query(origin: Buffer, type: number, have?: RR): Buffer {
  const m = emptyMessage();
  m.id = randomInt(0, 65536);
  m.question = [{ name: origin, type, cls: CLASS.IN }];
  if (have !== undefined) m.authority = [have];
  return encodeMessage(m).buf;
}

/** One UDP exchange: resolves with the first answer carrying our ID. */
export function udpExchange(peer: Peer, msg: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket(peer.host.includes(":") ? "udp6" : "udp4");
    const id = msg.readUInt16BE(0);
    const done = (err: Error | undefined, b?: Buffer): void => {
      clearTimeout(t);
      s.close();
      if (err) reject(err);
      else resolve(b!);
    };
    const t = setTimeout(
      () => done(new NetsvcError("ETIMEDOUT", `no answer from ${peer.host}#${peer.port}`)),
      timeoutMs,
    );
    t.unref();
    s.unref(); // an unanswered NOTIFY must not keep a stopping process alive
    s.on("error", (e) => done(e));
    s.on("message", (b) => {
      if (b.length >= 12 && b.readUInt16BE(0) === id) done(undefined, b);
    });
    s.send(msg, peer.port, peer.host);
  });
}

/** Send one message over TCP and feed each framed answer to `onMessage` until it returns true. */
export function tcpStream(
  peer: Peer,
  msg: Buffer,
  timeoutMs: number,
  onMessage: (b: Buffer) => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: peer.host, port: peer.port });
    let buf: Buffer = Buffer.alloc(0);
    let finished = false;
    const end = (err?: Error): void => {
      if (finished) return;
      finished = true;
      sock.destroy();
      if (err) reject(err);
      else resolve();
    };
    sock.setTimeout(timeoutMs, () =>
      end(new NetsvcError("ETIMEDOUT", `transfer from ${peer.host}#${peer.port} timed out`)),
    );
    sock.on("connect", () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.write(Buffer.concat([len, msg]));
    });
    sock.on("error", (e) => end(e));
    sock.on("close", () =>
      end(new XfrError(`connection to ${peer.host}#${peer.port} closed before the end`)),
    );
    sock.on("data", (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + m.length);
        try {
          if (onMessage(m)) {
            end();
            return;
          }
        } catch (e) {
          end(e as Error);
          return;
        }
      }
    });
  });
}

function checkSigned(v: ResponseVerifier | undefined, b: Buffer): void {
  if (v === undefined) return;
  const err = v.feed(b, now());
  if (err !== undefined) throw new XfrError(err);
}

/** The primary's serial for the zone. */
export async function querySoa(peer: Peer, origin: Buffer, timeoutMs = 3000): Promise<number> {
  const q = signed(query(origin, RRType.SOA), peer.key);
  let ans: Buffer | undefined;
  for (let attempt = 0; attempt < 2 && ans === undefined; attempt++) {
    try {
      ans = await udpExchange(peer, q.buf, timeoutMs);
    } catch (e) {
      if (attempt === 1) throw e;
    }
  }
  const verifier = peer.key === undefined ? undefined : new ResponseVerifier(peer.key, q.mac!);
  let m = decodeMessage(ans!);
  if (m.tc) {
    let got: Buffer | undefined;
    await tcpStream(peer, q.buf, timeoutMs, (b) => ((got = b), true));
    ans = got!;
    m = decodeMessage(ans);
  }
  checkSigned(verifier, ans!);
  if (m.rcode !== Rcode.NOERROR) throw new XfrError(`SOA query answered with RCODE ${m.rcode}`, m.rcode);
  const soa = m.answer.find((rr) => rr.type === RRType.SOA);
  if (soa === undefined || !m.aa) throw new XfrError("the primary is not authoritative for the zone");
  return soa.rdata.readUInt32BE(soa.rdata.length - 20);
}

/** IXFR from `have` (our SOA), or AXFR. */
export async function transferIn(
  peer: Peer,
  origin: Buffer,
  have: RR | undefined,
  timeoutMs = 30_000,
): Promise<XfrResult> {
  const q = signed(query(origin, have === undefined ? RRType.AXFR : RRType.IXFR, have), peer.key);
  const verifier = peer.key === undefined ? undefined : new ResponseVerifier(peer.key, q.mac!);
  const reader = new XfrReader(
    origin,
    have === undefined ? undefined : have.rdata.readUInt32BE(have.rdata.length - 20),
  );
  await tcpStream(peer, q.buf, timeoutMs, (b) => {
    checkSigned(verifier, b);
    return reader.feed(decodeMessage(b));
  });
  if (verifier !== undefined && !verifier.complete())
    throw new XfrError("the last message of the transfer is not signed");
  return reader.result();
}

/** Send a NOTIFY and wait for its answer, retrying (RFC 1996 §3.6); resolves with the RCODE. */
export async function sendNotify(peer: Peer, msg: Buffer, tries = 3, timeoutMs = 1000): Promise<number> {
  let wait = timeoutMs;
  for (let i = 0; ; i++) {
    const q = signed(msg, peer.key);
    try {
      const ans = await udpExchange(peer, q.buf, wait);
      const m = decodeMessage(ans);
      if (m.opcode !== Opcode.NOTIFY) throw new XfrError("answer is not a NOTIFY response");
      return m.rcode;
    } catch (e) {
      if (i + 1 >= tries) throw e;
      wait *= 2;
    }
  }
}
