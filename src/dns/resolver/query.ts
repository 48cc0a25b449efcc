import { decodeMessage, emptyMessage, encodeMessage, type Message } from "../wire/message.ts";
import { CLASS } from "../wire/rrtypes.ts";
import type { RandomU16 } from "./types.ts";

/**
 * Outgoing queries and the checks on what comes back (RFC 5452): a random ID per query, the
 * name's letters in random case ("0x20", draft-vixie-dnsext-dns0x20) and a response accepted only
 * when ID, name (exact case), type and class all match. The transport adds a random source port.
 */

export interface Outgoing {
  packet: Buffer;
  id: number;
  qname: Buffer;
  qtype: number;
}

/** The name with each ASCII letter's case flipped at random (label length bytes untouched). */
export function randomCase(name: Buffer, random: RandomU16): Buffer {
  const out = Buffer.from(name);
  let bits = 0;
  let left = 0;
  let i = 0;
  while (i < out.length) {
    const len = out[i]!;
    if (len === 0) break;
    for (let j = i + 1; j <= i + len; j++) {
      const c = out[j]!;
      const lower = c | 0x20;
      if (lower < 0x61 || lower > 0x7a) continue;
      if (left === 0) {
        bits = random();
        left = 16;
      }
      out[j] = bits & 1 ? lower & ~0x20 : lower;
      bits >>= 1;
      left--;
    }
    i += len + 1;
  }
  return out;
}

export function makeQuery(
  name: Buffer,
  qtype: number,
  opts: { rd: boolean; ednsSize: number; random: RandomU16; mixCase: boolean },
): Outgoing {
  const m: Message = emptyMessage();
  m.id = opts.random();
  m.rd = opts.rd;
  const qname = opts.mixCase ? randomCase(name, opts.random) : Buffer.from(name);
  m.question = [{ name: qname, type: qtype, cls: CLASS.IN }];
  m.edns = { udpSize: opts.ednsSize, version: 0, do: false, z: 0, options: [] };
  return { packet: encodeMessage(m).buf, id: m.id, qname, qtype };
}

/**
 * Decode a response and check that it answers `q`; undefined when it does not (or is garbage).
 * The question's name must come back in the exact case we sent. `original` (the name in the case
 * we were asked) is then written over the echoed question before decoding, so that names the
 * server compressed against the question do not carry our random case into the answer.
 */
export function acceptResponse(raw: Buffer, q: Outgoing, original: Buffer): Message | undefined {
  const len = q.qname.length;
  if (raw.length < 12 + len || raw.readUInt16BE(4) !== 1) {
    // no question: only an error response can be like that
    try {
      const m = decodeMessage(raw);
      return m.qr && m.id === q.id && m.question.length === 0 && m.rcode !== 0 ? m : undefined;
    } catch {
      return undefined;
    }
  }
  if (!raw.subarray(12, 12 + len).equals(q.qname) || original.length !== len) return undefined;
  const copy = Buffer.from(raw);
  original.copy(copy, 12);
  let m: Message;
  try {
    m = decodeMessage(copy);
  } catch {
    return undefined;
  }
  if (!m.qr || m.id !== q.id || m.opcode !== 0) return undefined;
  const question = m.question[0]!;
  if (question.type !== q.qtype || question.cls !== CLASS.IN) return undefined;
  return m;
}
