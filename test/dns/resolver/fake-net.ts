import { respond } from "../../../src/dns/chain/respond.ts";
import type { Clock, Transport, Upstream } from "../../../src/dns/resolver/types.ts";
import { makeView, type ServerView } from "../../../src/dns/view.ts";
import { decodeMessage } from "../../../src/dns/wire/message.ts";
import { nameToText } from "../../../src/dns/wire/name.ts";
import { typeToText } from "../../../src/dns/wire/rrtypes.ts";
import { loadZoneSync } from "../../../src/dns/zone/parse.ts";
import { ZoneSet } from "../../../src/dns/zone/zone.ts";

/**
 * An in-process network of authoritative servers for resolver tests: each address runs netsvc's
 * own authoritative engine (respond()) over zones written as text; no sockets. A server can be
 * dead (time passes, nothing comes back) or wrapped (to tamper with its answers). The clock moves
 * only when a query times out or a test advances it.
 */
export class FakeClock implements Clock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

export interface Sent {
  to: string;
  tcp: boolean;
  id: number;
  name: string;
  type: string;
}

type Tamper = (response: Buffer, query: Buffer, tcp: boolean) => Buffer | null;

export class FakeNet implements Transport {
  readonly clock = new FakeClock();
  readonly sent: Sent[] = [];
  private readonly servers = new Map<string, ServerView>();
  private readonly dead = new Set<string>();
  private readonly tamper = new Map<string, Tamper>();
  /** Simulated round trip per server (ms), for SRTT. */
  readonly rtt = new Map<string, number>();

  /** Serve these zones (origin -> master-file text) at host (port 53). */
  serve(host: string, zones: Record<string, string>): void {
    const list = Object.entries(zones).map(
      ([origin, text]) => loadZoneSync(`${origin}.zone`, origin, { readFile: () => text }).zone,
    );
    this.servers.set(host, makeView({ zones: new ZoneSet(list) }));
  }

  kill(host: string): void {
    this.dead.add(host);
  }

  wrap(host: string, t: Tamper): void {
    this.tamper.set(host, t);
  }

  /** Queries sent since the last call. */
  take(): Sent[] {
    return this.sent.splice(0);
  }

  exchange(to: Upstream, packet: Buffer, tcp: boolean, timeoutMs: number): Promise<Buffer | null> {
    const q = decodeMessage(packet);
    const question = q.question[0]!;
    this.sent.push({
      to: to.host,
      tcp,
      id: q.id,
      name: nameToText(question.name),
      type: typeToText(question.type),
    });
    const view = this.servers.get(to.host);
    if (view === undefined || this.dead.has(to.host)) {
      this.clock.t += timeoutMs;
      return Promise.resolve(null);
    }
    this.clock.t += this.rtt.get(to.host) ?? 1;
    let out = respond(view, packet, { address: "127.0.0.1", transport: tcp ? "tcp" : "udp" });
    const t = this.tamper.get(to.host);
    if (out !== null && t !== undefined) out = t(out, packet, tcp);
    return Promise.resolve(out);
  }
}

/** A seeded 16-bit generator (xorshift), so runs repeat. */
export function seeded(seed = 12345): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s & 0xffff;
  };
}
