/**
 * `balance first`: the first server (lowest id) that still has a free slot takes the connection, so
 * that the others can be turned off; meaningful with `maxconn` on the servers (HAProxy lb_ffirst).
 */
import type { ServerState } from "../server.ts";
import { registerAlgorithm, type LbAlgorithm } from "./algorithm.ts";

export function createFirst(): LbAlgorithm {
  let servers: ServerState[] = [];
  return {
    deterministic: false,
    rebuild(s) {
      servers = [...s].sort((a, b) => a.config.id - b.config.id);
    },
    pick(_req, ok) {
      return servers.find(ok);
    },
  };
}

registerAlgorithm("first", () => createFirst());
