import { networkInterfaces } from "node:os";
import { NetsvcError } from "../../lib/errors.ts";
import { parseEndpoint, type Endpoint } from "../../lib/listen.ts";
import { amlMatches, hostNets } from "../config/aml.ts";
import type { ListenOn, NamedConf } from "../config/model.ts";

/**
 * Which addresses to listen on, as BIND decides: every address of this host's interfaces that the
 * `listen-on` (IPv4) or `listen-on-v6` (IPv6) address match list allows, on the statement's port
 * (default 53). BIND's defaults are `listen-on { any; }` and `listen-on-v6 { any; }`. IPv6
 * link-local addresses are left out (they need a scope to be usable).
 *
 * Command-line overrides: `--listen ADDR[,ADDR...]` replaces the lists (ADDR may carry a port:
 * `127.0.0.1:5353`, `[::1]:5353`), `--port N` replaces every port. Port 0 is allowed: the server
 * binds UDP and TCP on the same chosen port.
 */
export interface ListenOverrides {
  listen?: string[];
  port?: number;
}

const DEFAULT_PORT = 53;

function interfaceAddresses(family: 4 | 6): string[] {
  const out: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      const fam = (a.family as string | number) === "IPv4" || (a.family as string | number) === 4 ? 4 : 6;
      if (fam !== family) continue;
      if (family === 6 && /^fe[89ab]/i.test(a.address)) continue;
      out.push(a.address);
    }
  }
  return out;
}

export function listenEndpoints(conf: NamedConf, over: ListenOverrides = {}): Endpoint[] {
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  const add = (host: string, port: number): void => {
    const p = over.port ?? port;
    const k = `${host}|${p}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ host, port: p });
  };
  if (over.listen !== undefined && over.listen.length > 0) {
    for (const l of over.listen) {
      const e =
        /^[\d.]+$/.test(l) || (l.includes(":") && !l.startsWith("[") && !/^[\d.]+:\d+$/.test(l))
          ? { host: l, port: DEFAULT_PORT }
          : parseEndpoint(l);
      if (typeof e === "string") throw new NetsvcError("EUSAGE", `--listen: ${e}`);
      add(e.host, e.port);
    }
    return out;
  }
  const here = { file: conf.file, line: 0, col: 0 };
  const any: ListenOn[] = [{ port: undefined, aml: [{ kind: "any", negated: false, at: here }], at: here }];
  const nets = hostNets();
  for (const [family, lists] of [
    [4, conf.options.listenOn ?? any],
    [6, conf.options.listenOnV6 ?? any],
  ] as const) {
    const addrs = interfaceAddresses(family);
    for (const l of lists) {
      for (const a of addrs) if (amlMatches(l.aml, conf.acls, nets, a)) add(a, l.port ?? DEFAULT_PORT);
    }
  }
  return out;
}
