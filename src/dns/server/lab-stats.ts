import { typeToText } from "../wire/rrtypes.ts";
import type { ServerView } from "../view.ts";
import type { RunOptions } from "./run.ts";
import { ENGINE, type Responder } from "./udp.ts";

/**
 * The lab's window on a DNS server process (`netsvc up`, src/lab). Only when the process was forked
 * by the lab supervisor (env NETSVC_LAB=1 and an IPC channel): the engine is wrapped to count
 * queries by QTYPE and responses by RCODE, and a `{type:"netsvc-lab:stats"}` message is answered
 * with those counts and the zones served (origin, serial, records). Outside the lab nothing changes.
 * The lab runs the server with one process, so these counts are all of them.
 */
export const LAB_STATS = "netsvc-lab:stats";

export interface DnsLabStats {
  queries: number;
  qtypes: Record<string, number>;
  rcodes: Record<string, number>;
  /** Zones of the view serving the last query (null before the first query). */
  zones: { name: string; serial: number; records: number }[] | null;
}

const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET"];
const RCODES_HIGH = ["NXRRSET", "NOTAUTH", "NOTZONE"];

function rcodeName(code: number): string {
  return RCODES[code] ?? RCODES_HIGH[code - 8] ?? `RCODE${code}`;
}

/** The QTYPE of the first question (RFC 1035 §4.1.2), or undefined when the packet has none. */
export function questionType(packet: Buffer): number | undefined {
  if (packet.length < 12 || packet.readUInt16BE(4) === 0) return undefined;
  let off = 12;
  for (;;) {
    if (off >= packet.length) return undefined;
    const len = packet[off]!;
    if (len === 0) {
      off += 1;
      break;
    }
    if ((len & 0xc0) !== 0) {
      off += 2;
      break;
    }
    off += 1 + len;
  }
  return off + 2 <= packet.length ? packet.readUInt16BE(off) : undefined;
}

/** Wrap an engine so that every query and answer is counted. */
export function countingEngine(base: Responder): { engine: Responder; snapshot: () => DnsLabStats } {
  const qtypes = new Map<number, number>();
  const rcodes = new Map<number, number>();
  let queries = 0;
  let view: ServerView | undefined;
  const count = (v: ServerView, packet: Buffer, out: Buffer | undefined): void => {
    view = v;
    queries++;
    const t = questionType(packet);
    if (t !== undefined) qtypes.set(t, (qtypes.get(t) ?? 0) + 1);
    if (out !== undefined && out.length >= 4) {
      const r = out[3]! & 0x0f;
      rcodes.set(r, (rcodes.get(r) ?? 0) + 1);
    }
  };
  // An engine may answer synchronously or with a promise (a resolver): count either way, and
  // hand back exactly what the engine returned.
  const engine: Responder = {
    respond(v, packet, client) {
      const out = base.respond(v, packet, client);
      const seen: unknown = out;
      if (seen instanceof Promise)
        (seen as Promise<Buffer | null>).then(
          (b) => count(v, packet, b ?? undefined),
          () => count(v, packet, undefined),
        );
      else count(v, packet, (seen as Buffer | null) ?? undefined);
      return out;
    },
    respondStream(v, packet, client) {
      const out = base.respondStream(v, packet, client);
      const seen: unknown = out;
      if (seen instanceof Promise)
        (seen as Promise<Buffer[]>).then(
          (b) => count(v, packet, b[0]),
          () => count(v, packet, undefined),
        );
      else count(v, packet, (seen as Buffer[])[0]);
      return out;
    },
  };
  const snapshot = (): DnsLabStats => ({
    queries,
    qtypes: Object.fromEntries([...qtypes].map(([t, n]) => [typeToText(t), n])),
    rcodes: Object.fromEntries([...rcodes].map(([r, n]) => [rcodeName(r), n])),
    zones:
      view === undefined
        ? null
        : [...view.zones].map((z) => ({ name: z.origin, serial: z.serial, records: z.recordCount })),
  });
  return { engine, snapshot };
}

/** RunOptions plus the lab's counting engine and IPC answer when forked by `netsvc up`. */
export function withLabStats(opts: RunOptions): RunOptions {
  if (process.env.NETSVC_LAB !== "1" || process.send === undefined) return opts;
  const { engine, snapshot } = countingEngine(opts.engine ?? ENGINE);
  process.on("message", (m: unknown) => {
    if (typeof m === "object" && m !== null && (m as { type?: unknown }).type === LAB_STATS)
      process.send?.({ type: LAB_STATS, service: "dns", stats: snapshot() });
  });
  // The IPC channel must not keep a stopped server alive.
  process.channel?.unref();
  return { ...opts, engine };
}
