/**
 * `balance uri [whole]`: the request URI up to `?` (all of it with `whole`) hashed with HAProxy's
 * sdbm onto the weighted map (get_server_uh, `hash-type map-based`).
 */
import type { Balance } from "../../config/model.ts";
import type { ServerState } from "../server.ts";
import { registerAlgorithm, type LbAlgorithm } from "./algorithm.ts";
import { buildMap, lookupHash, sdbm } from "./map.ts";

const enc = new TextEncoder();

export function uriHash(uri: string, whole: boolean): number {
  const q = whole ? -1 : uri.indexOf("?");
  return sdbm(enc.encode(q >= 0 ? uri.slice(0, q) : uri));
}

export function createUri(balance: Balance): LbAlgorithm {
  let map: ServerState[] = [];
  let rr = 0;
  return {
    deterministic: true,
    rebuild(servers) {
      map = buildMap(servers);
      rr = 0;
    },
    pick(req, ok) {
      if (map.length === 0) return undefined;
      if (req.uri === "") return map[rr++ % map.length];
      return lookupHash(map, new Set(map).size === 1 ? 0 : uriHash(req.uri, balance.whole === true), ok);
    },
  };
}

registerAlgorithm("uri", (b) => createUri(b));
