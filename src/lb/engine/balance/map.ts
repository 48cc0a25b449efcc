/**
 * HAProxy's server map (src/lb_map.c, recalc_server_map): a table of `sum(weights)` slots where
 * each server appears `weight` times, interleaved smoothly, the first declared server first for
 * equal weights. static-rr walks it in order; the map-based hashes (source, uri, hdr) index it
 * with `hash % sum(weights)` (HAProxy's default `hash-type map-based`).
 */
import type { ServerState } from "../server.ts";

export function buildMap(servers: readonly ServerState[]): ServerState[] {
  const tot = servers.reduce((n, s) => n + s.weight, 0);
  const map: ServerState[] = [];
  if (tot === 0) return map;
  const score = new Map<ServerState, number>(servers.map((s) => [s, 0]));
  for (let o = 0; o < tot; o++) {
    let best: ServerState | undefined;
    let max = 0;
    for (const s of servers) {
      if (tot === 1) {
        best = s;
        break;
      }
      const w = score.get(s)! + s.weight;
      score.set(s, w);
      const v = Math.trunc((w + tot) / tot);
      if (best === undefined || v > max) {
        max = v;
        best = s;
      }
    }
    map.push(best!);
    score.set(best!, score.get(best!)! - tot);
  }
  return map;
}

/** HAProxy's `hash_sdbm` over bytes read as C `char` (signed), 32-bit unsigned. */
export function sdbm(bytes: Uint8Array): number {
  let hash = 0;
  for (const b of bytes) {
    const c = b >= 128 ? b - 256 : b;
    hash = (c + (hash << 6) + (hash << 16) - hash) >>> 0;
  }
  return hash;
}

/**
 * Walk the map from the slot `hash % length` and return the first server `ok` accepts (the hashed
 * server itself when it passes; the next ones only when a redispatch must avoid it).
 */
export function lookupHash(
  map: readonly ServerState[],
  hash: number,
  ok: (s: ServerState) => boolean,
): ServerState | undefined {
  if (map.length === 0) return undefined;
  const start = hash % map.length;
  for (let i = 0; i < map.length; i++) {
    const s = map[(start + i) % map.length]!;
    if (ok(s)) return s;
  }
  return map[start];
}
