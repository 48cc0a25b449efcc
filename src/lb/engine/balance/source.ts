/**
 * `balance source`: the client address hashed onto the weighted map, as HAProxy's get_server_sh with
 * the default `hash-type map-based`: the address's 32-bit words XOR-ed together (IPv4: the address
 * itself), then `map[hash % sum(weights)]`. Stable while the server set does not change.
 */
import ipaddr from "ipaddr.js";
import type { ServerState } from "../server.ts";
import { registerAlgorithm, type LbAlgorithm } from "./algorithm.ts";
import { buildMap, lookupHash } from "./map.ts";

export function sourceHash(src: string): number | undefined {
  if (!ipaddr.isValid(src)) return undefined;
  let a = ipaddr.parse(src);
  if (a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  const b = a.toByteArray();
  let h = 0;
  for (let i = 0; i + 4 <= b.length; i += 4)
    h = (h ^ ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!)) >>> 0;
  return h;
}

export function createSource(): LbAlgorithm {
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
      const h = sourceHash(req.src);
      if (h === undefined) return map[rr++ % map.length];
      // HAProxy does not hash when a single server is left.
      return lookupHash(map, new Set(map).size === 1 ? 0 : h, ok);
    },
  };
}

registerAlgorithm("source", () => createSource());
