/**
 * `balance hdr(NAME)`: the value of header NAME hashed with sdbm onto the weighted map; without
 * that header, round-robin over the map (HAProxy's get_server_hh and its fallback).
 */
import type { Balance } from "../../config/model.ts";
import type { ServerState } from "../server.ts";
import { registerAlgorithm, type LbAlgorithm } from "./algorithm.ts";
import { buildMap, lookupHash, sdbm } from "./map.ts";

const enc = new TextEncoder();

export function createHdr(balance: Balance): LbAlgorithm {
  const name = (balance.header ?? "host").toLowerCase();
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
      const raw = req.headers[name];
      const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      if (value === undefined) {
        for (let i = 0; i < map.length; i++) {
          const s = map[rr++ % map.length]!;
          if (ok(s)) return s;
        }
        return undefined;
      }
      return lookupHash(map, new Set(map).size === 1 ? 0 : sdbm(enc.encode(value)), ok);
    },
  };
}

registerAlgorithm("hdr", (b) => createHdr(b));
