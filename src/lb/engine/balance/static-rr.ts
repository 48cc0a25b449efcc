/**
 * `balance static-rr`: HAProxy's lb_map round-robin: a fixed weighted map walked in order; weight
 * changes take effect when the map is rebuilt (HAProxy: they cannot change at run time at all).
 */
import type { ServerState } from "../server.ts";
import { registerAlgorithm, type LbAlgorithm } from "./algorithm.ts";
import { buildMap } from "./map.ts";

export function createStaticRr(): LbAlgorithm {
  let map: ServerState[] = [];
  let idx = 0;
  return {
    deterministic: false,
    rebuild(servers) {
      map = buildMap(servers);
      if (idx >= map.length) idx = 0;
    },
    pick(_req, ok) {
      for (let i = 0; i < map.length; i++) {
        const s = map[idx]!;
        idx = (idx + 1) % map.length;
        if (ok(s)) return s;
      }
      return undefined;
    },
  };
}

registerAlgorithm("static-rr", () => createStaticRr());
