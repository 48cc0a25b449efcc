/**
 * `balance leastconn`: the server with the fewest live connections (plus its queue) relative to
 * its weight, as HAProxy's fwlc keys servers by (served + pending) / weight; servers with the same
 * load take turns (round-robin among ties).
 */
import type { ServerState } from "../server.ts";
import { registerAlgorithm, type LbAlgorithm } from "./algorithm.ts";

export function createLeastConn(): LbAlgorithm {
  let servers: readonly ServerState[] = [];
  /** Index after the last server picked, for turn-taking among ties. */
  let next = 0;
  return {
    deterministic: false,
    rebuild(s) {
      servers = s;
      if (next >= servers.length) next = 0;
    },
    pick(_req, ok) {
      let best: ServerState | undefined;
      let bestLoad = Infinity;
      let bestAt = 0;
      for (let i = 0; i < servers.length; i++) {
        const at = (next + i) % servers.length;
        const s = servers[at]!;
        if (!ok(s)) continue;
        const load = (s.cur + s.queue.length) / s.weight;
        if (load < bestLoad) {
          best = s;
          bestLoad = load;
          bestAt = at;
        }
      }
      if (best !== undefined) next = (bestAt + 1) % servers.length;
      return best;
    },
  };
}

registerAlgorithm("leastconn", () => createLeastConn());
