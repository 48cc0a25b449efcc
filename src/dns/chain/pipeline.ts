import { WireError } from "../../lib/errors.ts";
import { decodeMessage, emptyMessage, encodeMessage, type Message, Opcode, Rcode } from "../wire/message.ts";
import { keyOf } from "../wire/name.ts";
import { CLASS, RRType } from "../wire/rrtypes.ts";
import type { ServerView } from "../view.ts";
import { AnswerCache, appendOption, fastKey, patchCached } from "./cache.ts";
import { answerCookie, BADCOOKIE, COOKIE_OPTION, readCookie } from "../engine/cookie.ts";
import { CHAIN } from "./chain.ts";
import { runChain, type QueryContext } from "./handler.ts";
import { patchRecursive, RecursiveAnswerCache } from "./rcache.ts";
import { recursionAvailable } from "./recursion.ts";
import { applyRrl } from "../rrl/apply.ts";
import { S, STATS } from "../stats/counters.ts";
import type { ClientInfo } from "./respond.ts";
import { notifyResponse, transfer, TSIG_RESERVE, tsigGate } from "./xfr.ts";

/**
 * respond() in full (contract in respond.ts). The common query takes the fast path: a scan of the
 * header, question and OPT that builds the cache key straight from the bytes, then a copy of the
 * pre-encoded answer with the ID and the question's letter case patched in. Everything else —
 * and every cache miss — goes through decodeMessage, the handler chain and encodeMessage.
 */

const caches = new WeakMap<ServerView, AnswerCache>();

const recCaches = new WeakMap<ServerView, RecursiveAnswerCache>();

function recCacheFor(view: ServerView): RecursiveAnswerCache {
  let c = recCaches.get(view);
  if (c === undefined) {
    c = new RecursiveAnswerCache();
    recCaches.set(view, c);
  }
  return c;
}

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

/** A response now, or later when the resolver has to ask upstream. */
export type Answered = Buffer | null | Promise<Buffer | null>;

export function respondImpl(view: ServerView, packet: Buffer, client: ClientInfo): Answered {
  if (packet.length < 12 || (packet[2]! & 0x80) !== 0) {
    STATS.scalar[S.dropped]!++;
    return null;
  }
  const udp = client.transport === "udp";
  STATS.scalar[udp ? S.queriesUdp : S.queriesTcp]!++;
  let out: Answered;
  try {
    out = answerQuery(view, packet, client, udp);
  } catch {
    out = servfail(packet);
  }
  if (out instanceof Promise) {
    // the client object is reused by the UDP socket: keep what we need now
    const address = client.address;
    return out.then(
      (b) => finish(view, b, udp, address),
      () => finish(view, servfail(packet), udp, address),
    );
  }
  return finish(view, out, udp, client.address);
}

/** Rate limiting (UDP only, as BIND) and the response counters. */
function finish(view: ServerView, out: Buffer | null, udp: boolean, address: string): Buffer | null {
  if (out !== null && udp && view.rrl !== undefined) {
    const r = applyRrl(view.rrl, view, out, address, Date.now());
    if (r === null) STATS.scalar[S.rrlDropped]!++;
    else if (r !== out) STATS.scalar[S.rrlSlipped]!++;
    out = r;
  }
  if (out === null) STATS.scalar[S.dropped]!++;
  else STATS.response(out, udp);
  return out;
}

/**
 * The COOKIE to put in the answer (engine/cookie.ts), undefined for none; "refuse" when the
 * query must get BADCOOKIE (`require-server-cookie yes`, UDP, no valid server cookie of ours).
 */
function cookieFor(
  view: ServerView,
  data: Buffer,
  address: string,
  udp: boolean,
): Buffer | undefined | "refuse" {
  const cfg = view.cookies;
  if (cfg === undefined) return undefined;
  const c = readCookie(data);
  if (c.kind === "malformed") return "refuse"; // the slow path answers FORMERR
  const a = answerCookie(c, address, Math.floor(Date.now() / 1000), cfg);
  if (cfg.require && udp && !a.valid) return "refuse";
  return cfg.answer ? a.data : undefined;
}

/** A cached answer patched for this query, with room kept for the cookie, then the cookie. */
function withCookie(cookie: Buffer | undefined, patch: (limit: number) => Buffer, limit: number): Buffer {
  if (cookie === undefined) return patch(limit);
  return appendOption(patch(limit - 4 - cookie.length), COOKIE_OPTION, cookie);
}

function answerQuery(view: ServerView, packet: Buffer, client: ClientInfo, udp: boolean): Answered {
  const fk = fastKey(packet, udp);
  if (fk !== undefined) {
    STATS.qtypeAt(packet, 12 + fk.qnameLen);
    const cookie =
      fk.cookieAt === undefined
        ? undefined
        : cookieFor(view, packet.subarray(fk.cookieAt, fk.cookieAt + fk.cookieLen!), client.address, udp);
    if (cookie !== "refuse" && view.allowQuery(client.address)) {
      const limit = udpLimit(view, client, fk.ednsSize);
      const hit = cacheFor(view).get(fk.key);
      if (hit !== undefined) {
        STATS.scalar[S.answerCacheHits]!++;
        const out = withCookie(cookie, (l) => patchCached(hit, packet, fk.qnameLen, l), limit);
        if (view.resolver !== undefined && recursionAvailable(view, client.address)) out[3] = out[3]! | 0x80;
        return out;
      }
      const resolver = view.resolver;
      if (resolver !== undefined && (packet[2]! & 0x01) !== 0 && recursionAvailable(view, client.address)) {
        const now = resolver.now();
        const rec = recCacheFor(view).get(fk.key, now);
        if (rec !== undefined && view.allowQueryCache(client.address)) {
          STATS.scalar[S.cacheHits]!++;
          return withCookie(cookie, (l) => patchRecursive(rec, packet, fk.qnameLen, l, now), limit);
        }
      }
    }
  }
  const out = slow(view, packet, client, fk?.key);
  return out instanceof Promise ? out.catch(() => servfail(packet)) : out;
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

function slow(view: ServerView, packet: Buffer, client: ClientInfo, cacheKey: string | undefined): Answered {
  let q: Message;
  try {
    q = decodeMessage(packet);
  } catch (e) {
    if (e instanceof WireError) return headerOnly(packet, Rcode.FORMERR);
    throw e;
  }
  const r = responseFor(q, view);
  // TSIG (transfer/gate.ts): a bad signature is answered here; a good one signs what we send
  const gate = tsigGate(view, packet, q, r);
  if (gate.kind === "reply") return gate.buf;
  const signer = gate.signer;
  if (signer !== undefined) cacheKey = undefined;
  const who = { address: client.address, transport: client.transport, key: gate.key };
  const limit = udpLimit(view, client, q.edns?.udpSize);
  let cookie: Buffer | undefined;
  const send = (m: Message): Buffer => {
    if (cookie !== undefined && m.edns !== undefined)
      m.edns.options = [
        ...m.edns.options.filter((o) => o.code !== COOKIE_OPTION),
        { code: COOKIE_OPTION, data: cookie },
      ];
    const b = encodeMessage(m, { maxSize: signer === undefined ? limit : limit - TSIG_RESERVE }).buf;
    return signer === undefined ? b : signer.sign(b);
  };
  // RFC 6891 6.1.3: an unsupported EDNS version gets BADVERS, no question processing
  if (q.edns !== undefined && q.edns.version !== 0) {
    r.rcode = Rcode.BADVERS;
    return send(r);
  }
  // RFC 7873 5.2: a malformed COOKIE is FORMERR; a well-formed one is answered with ours, and
  // with `require-server-cookie yes` a UDP query without a valid server cookie gets BADCOOKIE
  const qcs = q.edns?.options.filter((o) => o.code === COOKIE_OPTION) ?? [];
  if (qcs.length > 0 && view.cookies !== undefined) {
    // BIND: FORMERR when any COOKIE option is malformed; the first one is answered
    const all = qcs.map((o) => readCookie(o.data));
    const c = all[0]!;
    if (c.kind === "malformed" || all.some((x) => x.kind === "malformed")) {
      r.rcode = Rcode.FORMERR;
      return send(r);
    }
    const a = answerCookie(c, client.address, Math.floor(Date.now() / 1000), view.cookies);
    if (view.cookies.answer) cookie = a.data;
    if (view.cookies.require && client.transport === "udp" && !a.valid) {
      r.rcode = BADCOOKIE;
      return send(r);
    }
  }
  if (q.opcode === Opcode.NOTIFY) return send(notifyResponse(view, q, r, who));
  if (q.opcode === Opcode.UPDATE) {
    // BIND: NOTAUTH for a zone we do not serve, REFUSED (no allow-update) for one we do
    const zone = q.question[0];
    r.rcode =
      zone !== undefined && view.zones.exact(keyOf(zone.name)) !== undefined ? Rcode.REFUSED : Rcode.NOTAUTH;
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
  if (cacheKey === undefined) STATS.qtype[question.type < 256 ? question.type : 256]!++;
  // meta classes and transfer types that cannot be answered here
  if (question.cls === CLASS.ANY || question.cls === CLASS.NONE || question.type === RRType.OPT) {
    r.rcode = Rcode.FORMERR;
    return send(r);
  }
  if (question.type === RRType.AXFR || question.type === RRType.IXFR) {
    if (client.transport === "udp" && question.type === RRType.AXFR) {
      // BIND: FORMERR for a zone we serve; a resolver without the zone says NOTAUTH (RA set)
      const ours = view.zones.exact(keyOf(question.name)) !== undefined;
      r.rcode = ours ? Rcode.FORMERR : Rcode.NOTAUTH;
      if (!ours) r.ra = recursionAvailable(view, client.address);
      return send(r);
    }
    const msgs = transfer(view, q, r, who);
    const first = msgs[0];
    if (first === undefined) return null;
    return signer === undefined ? first : signer.sign(first);
  }
  if (question.cls !== CLASS.IN) {
    r.rcode = Rcode.REFUSED;
    return send(r);
  }
  const ctx: QueryContext = { view, client, query: q, response: r, cacheable: true };
  runChain(CHAIN, ctx);
  // RA=1 for a client we offer recursion to (BIND); cached bytes keep RA=0 and get it patched in
  const ra = recursionAvailable(view, client.address);
  if (ctx.recursive === true) {
    // a resolver answer: kept pre-encoded (TTL-aware) for the next identical question
    const resolver = view.resolver!;
    const key = signer === undefined ? cacheKey : undefined;
    const done = (): Buffer => {
      r.ra = ra;
      if (key !== undefined && (r.rcode === Rcode.NOERROR || r.rcode === Rcode.NXDOMAIN)) {
        const full = encodeMessage(r).buf;
        recCacheFor(view).put(key, full, () => encodeMessage(r, { maxSize: 0 }).buf, resolver.now());
      }
      return send(r);
    };
    return ctx.pending !== undefined ? ctx.pending.then(done) : done();
  }
  if (!ctx.cacheable || cacheKey === undefined) {
    r.ra = ra;
    return send(r);
  }
  const full = encodeMessage(r).buf;
  const entry = cacheFor(view).put(cacheKey, full, () => encodeMessage(r, { maxSize: 0 }).buf);
  const out = withCookie(cookie, (l) => patchCached(entry, packet, keyOf(question.name).length, l), limit);
  if (ra) out[3] = out[3]! | 0x80;
  return out;
}

export function respondStreamImpl(
  view: ServerView,
  packet: Buffer,
  client: ClientInfo,
): Buffer[] | Promise<Buffer[]> {
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
      const r = responseFor(q, view);
      const gate = tsigGate(view, packet, q, r);
      if (gate.kind === "reply") return [gate.buf];
      const msgs = transfer(view, q, r, {
        address: client.address,
        transport: client.transport,
        key: gate.key,
      });
      const signer = gate.signer;
      return signer === undefined ? msgs : msgs.map((m) => signer.sign(m));
    }
  } catch {
    // not a transfer: respond() reports the problem
  }
  const one = respondImpl(view, packet, client);
  if (one instanceof Promise) return one.then((b) => (b === null ? [] : [b]));
  return one === null ? [] : [one];
}
