/**
 * `balance roundrobin`: weighted round-robin, dynamic (weights and the server set may change at any
 * time) and smooth: a server of weight 3 next to one of weight 1 gets A A B A, never A A A B, and
 * equal weights rotate in declaration order, as HAProxy's fwrr does. Each pick adds every
 * candidate's weight to its score, takes the highest score (first declared on ties) and takes the
 * candidates' total weight off it. Servers that cannot take a connection now are skipped.
 */
import type { ServerState } from "../server.ts";
import { registerAlgorithm, type LbAlgorithm } from "./algorithm.ts";

export function createRoundRobin(): LbAlgorithm {
  let servers: readonly ServerState[] = [];
  const score = new Map<ServerState, number>();
  return {
    deterministic: false,
    rebuild(next) {
      // Keep the position of servers that stay, so a change elsewhere does not restart the cycle.
      for (const s of [...score.keys()]) if (!next.includes(s)) score.delete(s);
      for (const s of next) if (!score.has(s)) score.set(s, 0);
      servers = next;
    },
    pick(_req, ok) {
      let best: ServerState | undefined;
      let total = 0;
      for (const s of servers) {
        if (!ok(s)) continue;
        total += s.weight;
        const v = score.get(s)! + s.weight;
        score.set(s, v);
        if (best === undefined || v > score.get(best)!) best = s;
      }
      if (best !== undefined) score.set(best, score.get(best)! - total);
      return best;
    },
  };
}

registerAlgorithm("roundrobin", () => createRoundRobin());
