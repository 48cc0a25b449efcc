/**
 * `balance random[(N)]`: N weighted random draws (default 2, "power of two choices", as HAProxy
 * 2.x) and the least loaded of the drawn servers ((connections + queue) / weight).
 */
import type { Balance } from "../../config/model.ts";
import type { ServerState } from "../server.ts";
import { registerAlgorithm, type BalanceEnv, type LbAlgorithm } from "./algorithm.ts";

export function createRandom(balance: Balance, env: BalanceEnv): LbAlgorithm {
  let servers: readonly ServerState[] = [];
  const draws = balance.draws ?? 2;
  const drawOne = (cands: ServerState[], total: number): ServerState => {
    let r = env.random() * total;
    for (const s of cands) {
      r -= s.weight;
      if (r < 0) return s;
    }
    return cands[cands.length - 1]!;
  };
  return {
    deterministic: false,
    rebuild(s) {
      servers = s;
    },
    pick(_req, ok) {
      const cands = servers.filter(ok);
      if (cands.length === 0) return undefined;
      const total = cands.reduce((n, s) => n + s.weight, 0);
      let best: ServerState | undefined;
      for (let i = 0; i < draws; i++) {
        const s = drawOne(cands, total);
        if (
          best === undefined ||
          (s.cur + s.queue.length) / s.weight < (best.cur + best.queue.length) / best.weight
        )
          best = s;
      }
      return best;
    },
  };
}

registerAlgorithm("random", (b, env) => createRandom(b, env));
