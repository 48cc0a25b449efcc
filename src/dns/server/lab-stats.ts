import { typeToText } from "../wire/rrtypes.ts";
import { RCODES, S, QTYPE_SLOTS, type StatsSnapshot } from "../stats/counters.ts";
import type { ServerView } from "../view.ts";
import type { RunOptions } from "./run.ts";

/**
 * The lab's window on a DNS server process (`netsvc up`, src/lab). Only when the process was forked
 * by the lab supervisor (env NETSVC_LAB=1 and an IPC channel): a `{type:"netsvc-lab:stats"}`
 * message is answered with the query counts by QTYPE and the responses by RCODE — the same
 * counters the statistics channel shows (src/dns/stats), summed over every process — and the zones
 * served (origin, serial, records). Outside the lab nothing changes.
 */
export const LAB_STATS = "netsvc-lab:stats";

export interface DnsLabStats {
  queries: number;
  qtypes: Record<string, number>;
  rcodes: Record<string, number>;
  /** Zones of the view in force (null before the server has one). */
  zones: { name: string; serial: number; records: number }[] | null;
}

/** The dashboard's figures from the server's counters and its view. */
export function labStats(snap: StatsSnapshot, view: ServerView | undefined): DnsLabStats {
  const qtypes: Record<string, number> = {};
  for (let t = 0; t < QTYPE_SLOTS; t++) {
    const n = snap.qtype[t] ?? 0;
    if (n > 0) qtypes[t === QTYPE_SLOTS - 1 ? "other" : typeToText(t)] = n;
  }
  const rcodes: Record<string, number> = {};
  snap.rcode.forEach((n, r) => {
    if (n > 0) rcodes[RCODES[r] ?? `RCODE${r}`] = n;
  });
  return {
    queries: (snap.scalar[S.queriesUdp] ?? 0) + (snap.scalar[S.queriesTcp] ?? 0),
    qtypes,
    rcodes,
    zones:
      view === undefined
        ? null
        : [...view.zones].map((z) => ({ name: z.origin, serial: z.serial, records: z.recordCount })),
  };
}

/** RunOptions plus the lab's IPC answer when forked by `netsvc up`. */
export function withLabStats(opts: RunOptions): RunOptions {
  if (process.env.NETSVC_LAB !== "1" || process.send === undefined) return opts;
  // The IPC channel must not keep a stopped server alive.
  process.channel?.unref();
  return {
    ...opts,
    onServing: ({ snapshot, view }) => {
      opts.onServing?.({ snapshot, view });
      process.on("message", (m: unknown) => {
        if (typeof m === "object" && m !== null && (m as { type?: unknown }).type === LAB_STATS)
          process.send?.({ type: LAB_STATS, service: "dns", stats: labStats(snapshot(), view()) });
      });
    },
  };
}
