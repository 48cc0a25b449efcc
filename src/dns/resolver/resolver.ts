import type { Message, RR } from "../wire/message.ts";
import { Rcode } from "../wire/message.ts";
import { isSubdomain, keyOf } from "../wire/name.ts";
import { RRType } from "../wire/rrtypes.ts";
import { RRCache, Trust } from "./cache.ts";
import { acceptResponse, makeQuery } from "./query.ts";
import { additionalAddresses, followAnswer, negativeSoa, referralOf } from "./response.ts";
import { ServerTimes } from "./srtt.ts";
import type { Clock, RandomU16, Resolution, Transport, Upstream } from "./types.ts";

/**
 * The recursive resolver engine (RFC 1034 5.3.3, RFC 1035 7): iterative resolution from the root
 * hints, or forwarding (`forwarders` with `forward only|first`), over an RRset cache. Pure: the
 * transport, the clock and the randomness come in through interfaces (types.ts), so every path
 * is tested in-process against a fake network.
 *
 * - Referrals are followed downwards only, glue is believed only inside the referring zone, and
 *   every record cached comes from a server authoritative for a zone containing it (response.ts).
 * - Name servers without glue are resolved on the way (depth-limited).
 * - Each zone's servers are tried best SRTT first (srtt.ts), with per-try timeouts, two passes,
 *   a whole-resolution deadline and a cap on upstream queries per resolution (BIND's
 *   max-recursion-queries); a truncated UDP answer is asked again over TCP.
 * - CNAME and DNAME chains are followed across zones (at most 11 links, a loop is SERVFAIL).
 * - Identical questions in flight share one resolution.
 */
export interface ResolverConfig {
  /** Root hints: NS records for "." and their servers' addresses. */
  hints: RR[];
  forwarders: Upstream[];
  forward: "first" | "only";
  /** `type forward` zones, by zone key: they replace the global forwarders at and below the zone
   *  (an empty list means "iterate here"). */
  forwardZones: ReadonlyMap<string, { forwarders: Upstream[]; forward: "first" | "only" }>;
  /** The port of servers found by iteration (BIND's `port` option; 53). */
  serverPort: number;
  /** Budget for one client question (BIND resolver-query-timeout, default 10 s). */
  queryTimeoutMs: number;
  /** EDNS payload size we advertise upstream. */
  ednsSize: number;
  /** Randomise the query name's letter case (0x20). */
  mixCase: boolean;
}

export const DEFAULT_RESOLVER_CONFIG: Omit<ResolverConfig, "hints"> = {
  forwarders: [],
  forward: "first",
  forwardZones: new Map(),
  serverPort: 53,
  queryTimeoutMs: 10_000,
  ednsSize: 1232,
  mixCase: true,
};

export interface ResolverDeps {
  transport: Transport;
  clock: Clock;
  random: RandomU16;
  cache?: RRCache;
}

interface Task {
  deadline: number;
  queries: number;
  depth: number;
}

/** What one upstream conversation about (name, type) concluded. */
interface Outcome {
  rcode: number;
  records: RR[];
  /** No more links to follow: the answer (or the negative answer) is complete. */
  final: boolean;
  next: Buffer;
  soa: RR[];
}

interface ZoneServers {
  key: string;
  ns: RR[];
  glue: RR[];
}

const MAX_CHAIN = 11;
const MAX_QUERIES = 75;
const MAX_DEPTH = 6;
const MAX_REFERRALS = 16;

export interface ResolverStats {
  upstreamQueries: number;
  upstreamTimeouts: number;
  tcpRetries: number;
  /** Client questions that joined a resolution already in flight. */
  joined: number;
  resolutions: number;
}

function servfail(): Resolution {
  return { rcode: Rcode.SERVFAIL, answer: [], authority: [] };
}

function ipv4(rdata: Buffer): string {
  return `${rdata[0]}.${rdata[1]}.${rdata[2]}.${rdata[3]}`;
}

function addA(out: Map<string, Upstream>, rrs: readonly RR[], port: number): void {
  for (const rr of rrs)
    if (rr.type === RRType.A && rr.rdata.length === 4)
      out.set(ipv4(rr.rdata), { host: ipv4(rr.rdata), port });
}

export class Resolver {
  readonly cache: RRCache;
  readonly times = new ServerTimes();
  readonly stats: ResolverStats = {
    upstreamQueries: 0,
    upstreamTimeouts: 0,
    tcpRetries: 0,
    joined: 0,
    resolutions: 0,
  };
  private readonly inflight = new Map<string, Promise<Resolution>>();
  private readonly cfg: ResolverConfig;
  private readonly deps: ResolverDeps;

  constructor(cfg: ResolverConfig, deps: ResolverDeps) {
    this.cfg = cfg;
    this.deps = deps;
    this.cache = deps.cache ?? new RRCache();
  }

  get config(): ResolverConfig {
    return this.cfg;
  }

  /** The resolver's clock (ms): the pipeline's recursive answer cache runs on it too. */
  now(): number {
    return this.deps.clock.now();
  }

  private rand01 = (): number => this.deps.random() / 65536;

  /** Resolve a question (RD=1 semantics). Never rejects: failures are SERVFAIL. */
  resolve(qname: Buffer, qtype: number): Promise<Resolution> {
    const key = `${keyOf(qname)}/${qtype}`;
    const running = this.inflight.get(key);
    if (running !== undefined) {
      this.stats.joined++;
      return running;
    }
    this.stats.resolutions++;
    const task: Task = { deadline: this.deps.clock.now() + this.cfg.queryTimeoutMs, queries: 0, depth: 0 };
    const p = this.resolveFull(qname, qtype, task)
      .catch(() => servfail())
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /**
   * The answer from the cache alone (RD=0 queries, and the first step of every resolution), or
   * undefined when the cache cannot complete it.
   */
  fromCache(qname: Buffer, qtype: number): Resolution | undefined {
    const w = this.walkCache(qname, qtype, new Set());
    return w.done;
  }

  /**
   * For a non-recursive question the cache cannot answer, BIND points at the closest zone it knows
   * servers for: that zone's NS RRset (the root's from the hints at worst).
   */
  bestReferral(qname: Buffer): RR[] {
    return this.closestZone(keyOf(qname)).ns;
  }

  /**
   * Start from a delegation that our own authoritative zones hold (their NS RRset and glue), as
   * BIND's resolver finds delegations in the view's zones before its cache: trusted local data.
   */
  seedDelegation(authority: readonly RR[], additional: readonly RR[]): void {
    const now = this.deps.clock.now();
    const ns = authority.filter((rr) => rr.type === RRType.NS);
    if (ns.length === 0) return;
    this.cache.putRRset(ns, Trust.AUTHORITY, now);
    const targets = new Set(ns.map((rr) => keyOf(rr.rdata)));
    this.cache.putAll(
      additional.filter(
        (rr) => (rr.type === RRType.A || rr.type === RRType.AAAA) && targets.has(keyOf(rr.name)),
      ),
      Trust.GLUE,
      now,
    );
  }

  /**
   * Additional-section data for an answer (RFC 1034 4.3.2 step 6, as BIND fills it from its
   * cache): the A and AAAA RRsets of the names NS, MX and SRV records point at, when cached.
   */
  additionalFor(answer: readonly RR[]): RR[] {
    const now = this.deps.clock.now();
    const out: RR[] = [];
    const done = new Set<string>();
    for (const rr of answer) {
      let target: Buffer | undefined;
      if (rr.type === RRType.NS) target = rr.rdata;
      else if (rr.type === RRType.MX && rr.rdata.length > 2) target = rr.rdata.subarray(2);
      else if (rr.type === RRType.SRV && rr.rdata.length > 6) target = rr.rdata.subarray(6);
      if (target === undefined || target.length <= 1) continue;
      const key = keyOf(target);
      if (done.has(key)) continue;
      done.add(key);
      for (const t of [RRType.A, RRType.AAAA]) out.push(...(this.cache.get(key, t, now) ?? []));
    }
    return out;
  }

  /** Follow the chain through the cache as far as it goes. */
  private walkCache(
    name: Buffer,
    qtype: number,
    seen: Set<string>,
  ): { answer: RR[]; done: Resolution | undefined; next: Buffer } {
    const now = this.deps.clock.now();
    const answer: RR[] = [];
    let cur = name;
    for (let hop = 0; hop <= MAX_CHAIN; hop++) {
      const key = keyOf(cur);
      if (seen.has(key)) return { answer, done: servfail(), next: cur };
      if (qtype === RRType.ANY) return { answer, done: undefined, next: cur };
      // only answer-rank data answers a question (glue and referral NS are for finding servers)
      const hit = this.cache.getWithTrust(key, qtype, now);
      if (hit !== undefined && hit.trust >= Trust.ANSWER) {
        answer.push(...hit.rrs);
        return { answer, done: { rcode: Rcode.NOERROR, answer, authority: [] }, next: cur };
      }
      const cn = qtype === RRType.CNAME ? undefined : this.cache.getWithTrust(key, RRType.CNAME, now)?.rrs;
      if (cn?.[0] !== undefined) {
        seen.add(key);
        answer.push(cn[0]);
        cur = cn[0].rdata;
        continue;
      }
      const neg = this.cache.getNegative(key, qtype, now);
      if (neg !== undefined)
        return { answer, done: { rcode: neg.rcode, answer, authority: neg.soa }, next: cur };
      return { answer, done: undefined, next: cur };
    }
    return { answer, done: servfail(), next: cur };
  }

  private async resolveFull(qname: Buffer, qtype: number, task: Task): Promise<Resolution> {
    const answer: RR[] = [];
    const seen = new Set<string>();
    let cur = qname;
    for (let hop = 0; hop <= MAX_CHAIN; hop++) {
      const w = this.walkCache(cur, qtype, seen);
      answer.push(...w.answer);
      if (w.done !== undefined) return { ...w.done, answer: w.done.rcode === Rcode.SERVFAIL ? [] : answer };
      cur = w.next;
      seen.add(keyOf(cur));
      const out = await this.fetch(cur, qtype, task);
      if (out === undefined) return servfail();
      answer.push(...out.records);
      if (out.rcode === Rcode.NXDOMAIN || out.final) return { rcode: out.rcode, answer, authority: out.soa };
      if (seen.has(keyOf(out.next))) return servfail();
      cur = out.next;
    }
    return servfail();
  }

  /** The forwarders for a name: the deepest forward zone's, else the global ones. */
  private forwardingFor(name: Buffer): { forwarders: Upstream[]; forward: "first" | "only" } {
    const zones = this.cfg.forwardZones;
    if (zones.size > 0)
      for (let k = keyOf(name); k.length > 0; k = k.slice(1 + k.charCodeAt(0))) {
        const z = zones.get(k);
        if (z !== undefined) return z;
        if (k === ROOT_KEY) break;
      }
    return this.cfg;
  }

  private async fetch(name: Buffer, qtype: number, task: Task): Promise<Outcome | undefined> {
    const fw = this.forwardingFor(name);
    if (fw.forwarders.length > 0) {
      const m = await this.ask(fw.forwarders, name, qtype, true, task, usableFromForwarder);
      if (m !== undefined) return this.digest(m, name, qtype, ROOT_KEY);
      if (fw.forward === "only") return undefined;
    }
    return this.iterate(name, qtype, task);
  }

  private async iterate(name: Buffer, qtype: number, task: Task): Promise<Outcome | undefined> {
    let zone = this.closestZone(keyOf(name));
    for (let i = 0; i < MAX_REFERRALS; i++) {
      const bailiwick = zone.key;
      const check = (r: Message): boolean => usable(r, name, bailiwick);
      const known = this.knownAddresses(zone);
      let m = known.length > 0 ? await this.ask(known, name, qtype, false, task, check) : undefined;
      if (m === undefined) {
        // the servers we had addresses for failed (or there were none): find the others' addresses
        const more = await this.resolveAddresses(zone, known, task);
        if (more.length > 0) m = await this.ask(more, name, qtype, false, task, check);
      }
      if (m === undefined) return undefined;
      const ref =
        m.answer.length === 0 && m.rcode === Rcode.NOERROR ? referralOf(m, name, bailiwick) : undefined;
      if (ref === undefined) return this.digest(m, name, qtype, bailiwick);
      const now = this.deps.clock.now();
      this.cache.putRRset(ref.ns, Trust.AUTHORITY, now);
      this.cache.putAll(ref.glue, Trust.GLUE, now);
      zone = { key: ref.zone, ns: ref.ns, glue: ref.glue };
    }
    return undefined;
  }

  /** Believe and cache what a usable response says about (name, type). */
  private digest(m: Message, name: Buffer, qtype: number, bailiwick: string): Outcome {
    const now = this.deps.clock.now();
    const chain = followAnswer(m, name, qtype, bailiwick);
    this.cache.putAll(chain.records, Trust.ANSWER, now);
    this.cache.putAll(additionalAddresses(m, bailiwick), Trust.GLUE, now);
    const nsAbove = m.authority.filter(
      (rr) =>
        rr.type === RRType.NS &&
        isSubdomain(keyOf(chain.next), keyOf(rr.name)) &&
        isSubdomain(keyOf(rr.name), bailiwick),
    );
    this.cache.putAll(nsAbove, Trust.AUTHORITY, now);
    const soa = negativeSoa(m, chain.next, bailiwick);
    const nextKey = keyOf(chain.next);
    if (m.rcode === Rcode.NXDOMAIN) {
      this.cache.putNegative(nextKey, qtype, Rcode.NXDOMAIN, soa, now);
      return { rcode: Rcode.NXDOMAIN, records: chain.records, final: true, next: chain.next, soa };
    }
    if (chain.final)
      return { rcode: Rcode.NOERROR, records: chain.records, final: true, next: chain.next, soa: [] };
    const inside = isSubdomain(nextKey, bailiwick) && bailiwick !== ROOT_KEY;
    if (
      soa.length > 0 ||
      (inside && m.aa && chain.records.length === 0) ||
      (chain.records.length === 0 && m.answer.length === 0)
    ) {
      this.cache.putNegative(nextKey, qtype, Rcode.NOERROR, soa, now);
      return { rcode: Rcode.NOERROR, records: chain.records, final: true, next: chain.next, soa };
    }
    return { rcode: Rcode.NOERROR, records: chain.records, final: false, next: chain.next, soa: [] };
  }

  /** The deepest zone with a cached NS RRset above (or at) the name; the root hints at worst. */
  private closestZone(key: string): ZoneServers {
    const now = this.deps.clock.now();
    for (let k = key; k.length > 0; k = k.slice(1 + k.charCodeAt(0))) {
      const ns = this.cache.get(k, RRType.NS, now);
      if (ns !== undefined && ns.length > 0) return { key: k, ns, glue: [] };
      if (k === ROOT_KEY) break;
    }
    const hints = this.cfg.hints;
    return {
      key: ROOT_KEY,
      ns: hints.filter((r) => r.type === RRType.NS && r.name.length === 1),
      glue: hints.filter((r) => r.type === RRType.A),
    };
  }

  /** IPv4 addresses of a zone's servers known now: glue and the cache. */
  private knownAddresses(zone: ZoneServers): Upstream[] {
    const now = this.deps.clock.now();
    const out = new Map<string, Upstream>();
    for (const ns of zone.ns) {
      const t = keyOf(ns.rdata);
      addA(
        out,
        zone.glue.filter((g) => keyOf(g.name) === t),
        this.cfg.serverPort,
      );
      addA(out, this.cache.get(t, RRType.A, now) ?? [], this.cfg.serverPort);
    }
    return [...out.values()];
  }

  /**
   * Resolve the names of the zone's servers that have no known address (out-of-bailiwick servers,
   * or glue we lacked), one after the other; returns the addresses not in `known`.
   */
  private async resolveAddresses(
    zone: ZoneServers,
    known: readonly Upstream[],
    task: Task,
  ): Promise<Upstream[]> {
    const now = this.deps.clock.now();
    const out = new Map<string, Upstream>();
    for (const ns of zone.ns.slice(0, 6)) {
      const t = keyOf(ns.rdata);
      if (this.cache.get(t, RRType.A, now) !== undefined || zone.glue.some((g) => keyOf(g.name) === t))
        continue;
      // glueless name servers inside the zone cannot be found (the parent owed us glue)
      if (task.depth >= MAX_DEPTH || isSubdomain(t, zone.key)) continue;
      const sub: Task = { ...task, depth: task.depth + 1 };
      const r = await this.resolveFull(ns.rdata, RRType.A, sub);
      task.queries = sub.queries;
      addA(
        out,
        r.answer.filter((rr) => rr.type === RRType.A),
        this.cfg.serverPort,
      );
      if (out.size > 0) break;
    }
    for (const k of known) out.delete(k.host);
    return [...out.values()];
  }

  /** Per-try timeout from the server's SRTT (unknown: 800 ms). */
  private tryTimeout(s: Upstream): number {
    const srtt = this.times.get(s.host, s.port);
    if (srtt === undefined) return 800;
    return Math.min(2000, Math.max(300, srtt * 4 + 100));
  }

  /** Ask the servers in SRTT order (two passes) until one gives a usable response. */
  private async ask(
    servers: readonly Upstream[],
    name: Buffer,
    qtype: number,
    rd: boolean,
    task: Task,
    isUsable: (m: Message) => boolean,
  ): Promise<Message | undefined> {
    const { transport, clock } = this.deps;
    for (let pass = 0; pass < 2; pass++) {
      for (const s of this.times.order(servers, this.rand01)) {
        if (clock.now() >= task.deadline || task.queries >= MAX_QUERIES) return undefined;
        task.queries++;
        this.stats.upstreamQueries++;
        const q = makeQuery(name, qtype, {
          rd,
          ednsSize: this.cfg.ednsSize,
          random: this.deps.random,
          mixCase: this.cfg.mixCase,
        });
        const timeout = Math.min(this.tryTimeout(s), Math.max(1, task.deadline - clock.now()));
        const t0 = clock.now();
        let raw = await transport.exchange(s, q.packet, false, timeout);
        if (raw === null) {
          this.stats.upstreamTimeouts++;
          this.times.timedOut(s.host, s.port, timeout);
          continue;
        }
        this.times.answered(s.host, s.port, clock.now() - t0);
        let m = acceptResponse(raw, q, name);
        if (m?.tc === true) {
          this.stats.tcpRetries++;
          raw = await transport.exchange(s, q.packet, true, timeout);
          m = raw === null ? undefined : acceptResponse(raw, q, name);
        }
        if (m === undefined || !isUsable(m)) continue;
        restoreCase(m, name);
        return m;
      }
    }
    return undefined;
  }
}

const ROOT_KEY = "\0";

/** A usable answer from an authoritative server: an answer, NXDOMAIN, a downward referral or NODATA. */
function usable(m: Message, name: Buffer, bailiwick: string): boolean {
  if (m.rcode === Rcode.NXDOMAIN) return true;
  if (m.rcode !== Rcode.NOERROR) return false;
  if (m.answer.length > 0) return true;
  if (referralOf(m, name, bailiwick) !== undefined) return true;
  return m.aa || m.authority.some((rr) => rr.type === RRType.SOA);
}

/**
 * A forwarder's usable response: an answer, NXDOMAIN, or NODATA (SOA or AA). A referral (a
 * forwarder without recursion) is not an answer: BIND then says SERVFAIL.
 */
function usableFromForwarder(m: Message): boolean {
  if (m.rcode === Rcode.NXDOMAIN) return true;
  if (m.rcode !== Rcode.NOERROR) return false;
  if (m.answer.length > 0) {
    // a CNAME that leads into a referral: the chain must end in data or a negative answer
    const last = m.answer[m.answer.length - 1]!;
    const referral = last.type === RRType.CNAME && m.authority.some((rr) => rr.type === RRType.NS) && !m.aa;
    return !referral;
  }
  return m.aa || m.authority.some((rr) => rr.type === RRType.SOA);
}

/** Owners equal to the name get the name's case back (the 0x20 mix is ours, not the data's). */
function restoreCase(m: Message, name: Buffer): void {
  const key = keyOf(name);
  for (const sec of [m.answer, m.authority, m.additional])
    for (const rr of sec) if (rr.name.length === name.length && keyOf(rr.name) === key) rr.name = name;
}
