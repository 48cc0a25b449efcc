import { WireError } from "../../lib/errors.ts";
import { decodeMessage, emptyMessage, encodeMessage, type Message, Opcode, Rcode } from "../wire/message.ts";
import { keyOf } from "../wire/name.ts";
import { CLASS, RRType } from "../wire/rrtypes.ts";
import type { ServerView } from "../view.ts";
import { AnswerCache, fastKey, patchCached } from "./cache.ts";
import { CHAIN } from "./chain.ts";
import { runChain, type QueryContext } from "./handler.ts";
import type { ClientInfo } from "./respond.ts";
import { notifyResponse, transfer } from "./xfr.ts";

/**
 * respond() in full (contract in respond.ts). The common query takes the fast path: a scan of the
 * header, question and OPT that builds the cache key straight from the bytes, then a copy of the
 * pre-encoded answer with the ID and the question's letter case patched in. Everything else —
 * and every cache miss — goes through decodeMessage, the handler chain and encodeMessage.
 */

const caches = new WeakMap<ServerView, AnswerCache>();

function cacheFor(view: ServerView): AnswerCache {
  let c = caches.get(view);
  if (c === undefined) {
    c = new AnswerCache();
    caches.set(view, c);
  }
  return c;
}

/** RFC 6891 6.2.5: a UDP limit below 512 counts as 512; BIND caps at max-udp-size. */
export function udpLimit(view: ServerView, client: ClientInfo, ednsSize: number | undefined): number {
  if (client.transport === "tcp") return 65535;
  if (ednsSize === undefined) return 512;
  return Math.max(512, Math.min(ednsSize, view.maxUdpSize));
}

export function respondImpl(view: ServerView, packet: Buffer, client: ClientInfo): Buffer | null {
  if (packet.length < 12 || (packet[2]! & 0x80) !== 0) return null;
  try {
    const fk = fastKey(packet, client.transport === "udp");
    if (fk !== undefined && view.allowQuery(client.address)) {
      const hit = cacheFor(view).get(fk.key);
      if (hit !== undefined)
        return patchCached(hit, packet, fk.qnameLen, udpLimit(view, client, fk.ednsSize));
    }
    return slow(view, packet, client, fk?.key);
  } catch {
    return servfail(packet);
  }
}

/** A minimal error response from the header alone (the question could not be read). */
function headerOnly(packet: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  packet.copy(out, 0, 0, 2);
  // QR, opcode echoed, RD and CD echoed
  out[2] = 0x80 | (packet[2]! & 0x79);
  out[3] = (packet[3]! & 0x10) | (rcode & 0xf);
  return out;
}

function servfail(packet: Buffer): Buffer {
  return headerOnly(packet, Rcode.SERVFAIL);
}

function responseFor(q: Message, view: ServerView): Message {
  const r = emptyMessage();
  r.id = q.id;
  r.qr = true;
  r.opcode = q.opcode;
  r.rd = q.rd;
  r.cd = q.cd;
  r.question = q.question;
  if (q.edns !== undefined)
    r.edns = { udpSize: view.ednsUdpSize, version: 0, do: q.edns.do, z: 0, options: [] };
  return r;
}

function slow(
  view: ServerView,
  packet: Buffer,
  client: ClientInfo,
  cacheKey: string | undefined,
): Buffer | null {
  let q: Message;
  try {
    q = decodeMessage(packet);
  } catch (e) {
    if (e instanceof WireError) return headerOnly(packet, Rcode.FORMERR);
    throw e;
  }
  const r = responseFor(q, view);
  const limit = udpLimit(view, client, q.edns?.udpSize);
  const send = (m: Message): Buffer => encodeMessage(m, { maxSize: limit }).buf;
  // RFC 6891 6.1.3: an unsupported EDNS version gets BADVERS, no question processing
  if (q.edns !== undefined && q.edns.version !== 0) {
    r.rcode = Rcode.BADVERS;
    return send(r);
  }
  if (q.opcode === Opcode.NOTIFY) return send(notifyResponse(view, q, r));
  if (q.opcode === Opcode.UPDATE) {
    r.rcode = Rcode.REFUSED;
    return send(r);
  }
  if (q.opcode !== Opcode.QUERY) {
    const m = responseFor({ ...q, question: [] }, view);
    m.rcode = Rcode.NOTIMP;
    return send(m);
  }
  if (q.question.length !== 1 || q.answer.length > 0 || q.authority.length > 0) {
    const m = responseFor({ ...q, question: [] }, view);
    m.rcode = Rcode.FORMERR;
    return send(m);
  }
  const question = q.question[0]!;
  // meta classes and transfer types that cannot be answered here
  if (question.cls === CLASS.ANY || question.cls === CLASS.NONE || question.type === RRType.OPT) {
    r.rcode = Rcode.FORMERR;
    return send(r);
  }
  if (question.type === RRType.AXFR || question.type === RRType.IXFR) {
    if (client.transport === "udp" && question.type === RRType.AXFR) {
      r.rcode = Rcode.FORMERR;
      return send(r);
    }
    const msgs = transfer(view, q, r, client);
    return msgs[0] ?? null;
  }
  if (question.cls !== CLASS.IN) {
    r.rcode = Rcode.REFUSED;
    return send(r);
  }
  const ctx: QueryContext = { view, client, query: q, response: r, cacheable: true };
  runChain(CHAIN, ctx);
  if (!ctx.cacheable || cacheKey === undefined) return send(r);
  const full = encodeMessage(r).buf;
  const entry = cacheFor(view).put(cacheKey, full, () => encodeMessage(r, { maxSize: 0 }).buf);
  return patchCached(entry, packet, keyOf(question.name).length, limit);
}

export function respondStreamImpl(view: ServerView, packet: Buffer, client: ClientInfo): Buffer[] {
  if (packet.length < 12 || (packet[2]! & 0x80) !== 0) return [];
  try {
    const q = decodeMessage(packet);
    const question = q.question[0];
    if (
      q.opcode === Opcode.QUERY &&
      q.question.length === 1 &&
      (q.edns === undefined || q.edns.version === 0) &&
      question !== undefined &&
      (question.type === RRType.AXFR || question.type === RRType.IXFR)
    ) {
      return transfer(view, q, responseFor(q, view), client);
    }
  } catch {
    // not a transfer: respond() reports the problem
  }
  const one = respondImpl(view, packet, client);
  return one === null ? [] : [one];
}
