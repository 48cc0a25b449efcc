/**
 * The engine's keywords: `balance`, `server`, `default-server`, `retries`, `option redispatch`, and
 * the server options it owns (weight, backup, maxconn, disabled, id). Health-check server options
 * are registered by src/lb/check/keywords.ts.
 */
import { DEFAULTS, type Balance } from "../config/model.ts";
import {
  allServerKeywords,
  findServerKeyword,
  registerKeyword,
  registerServerKeyword,
  suggest,
  type KwContext,
  type ServerDraft,
} from "../config/registry.ts";
import { argsExactly, needsCap, parseIntArg } from "../config/keywords/util.ts";

const BE = ["defaults", "backend", "listen"] as const;

registerKeyword({
  name: "balance",
  sections: BE,
  parse(ctx) {
    const a = ctx.args.map((t) => t.text);
    const algo = a[0];
    let b: Balance | undefined;
    const hdr = algo === undefined ? null : /^hdr\(([^)]+)\)$/.exec(algo);
    const rnd = algo === undefined ? null : /^random(?:\((\d+)\))?$/.exec(algo);
    if (hdr !== null) b = { algorithm: "hdr", header: hdr[1]!.toLowerCase() };
    else if (rnd !== null) b = { algorithm: "random", draws: rnd[1] === undefined ? 2 : Number(rnd[1]) };
    else if (
      algo === "roundrobin" ||
      algo === "static-rr" ||
      algo === "leastconn" ||
      algo === "first" ||
      algo === "source"
    )
      b = { algorithm: algo };
    else if (algo === "uri") b = { algorithm: "uri" };
    if (b === undefined) {
      ctx.error(
        "ECFG_BALANCE",
        algo === undefined
          ? `'balance' expects an algorithm.`
          : `unknown load balancing algorithm '${algo}' (netsvc supports roundrobin, static-rr, leastconn, first, source, uri, hdr(NAME), random).`,
      );
      return;
    }
    const rest = a.slice(1);
    if (b.algorithm === "uri" && rest.length === 1 && rest[0] === "whole") b.whole = true;
    else if (rest.length > 0) {
      ctx.error("EUNSUPPORTED", `'balance ${algo!}' : option '${rest[0]!}' is not supported by netsvc.`);
      return;
    }
    if (b.algorithm === "random" && (b.draws ?? 0) < 1) {
      ctx.error("ECFG_BALANCE", `'balance random(N)' needs N >= 1.`);
      return;
    }
    if (!needsCap(ctx, "backend")) return;
    ctx.proxy!.balance = b;
  },
});

registerKeyword({
  name: "retries",
  sections: BE,
  parse(ctx) {
    const a = argsExactly(ctx, 1, "an integer argument");
    if (a === undefined) return;
    const v = parseIntArg(ctx, a[0], 0, 1000);
    if (v !== undefined && needsCap(ctx, "backend")) ctx.proxy!.retries = v;
  },
});

registerKeyword({
  name: "option redispatch",
  sections: BE,
  parse(ctx) {
    if (ctx.args.length > 0) {
      ctx.error("EUNSUPPORTED", `'option redispatch <interval>' is not supported by netsvc.`);
      return;
    }
    if (needsCap(ctx, "backend")) ctx.proxy!.redispatch = true;
  },
});

/** A server with HAProxy's defaults, then the proxy's `default-server` settings. */
function baseServer(ctx: KwContext, name: string, host: string, port: number): ServerDraft {
  const d = ctx.proxy!.defaultServer;
  const { checkSet: _c, ...ds } = d;
  return {
    name,
    id: ctx.proxy!.serverDrafts.length + 1,
    host,
    port,
    check: false,
    inter: DEFAULTS.inter,
    fastinter: DEFAULTS.inter,
    downinter: DEFAULTS.inter,
    rise: DEFAULTS.rise,
    fall: DEFAULTS.fall,
    weight: DEFAULTS.weight,
    backup: false,
    maxconn: 0,
    disabled: false,
    ...ds,
    pos: ctx.pos,
    explicit: new Set(Object.keys(ds)),
  };
}

/** Apply `opts` (words after the address) to the server; false when an error was reported. */
function applyOptions(
  ctx: KwContext,
  s: ServerDraft,
  words: string[],
  label: string,
  onDefault: boolean,
): boolean {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const def = findServerKeyword(w);
    if (def === undefined || (onDefault && def.onDefault === false)) {
      const hint = suggest(w, allServerKeywords());
      ctx.error(
        "ECFG_UNKNOWN_KEYWORD",
        `'${label}' : unknown keyword '${w}'${hint !== undefined ? `; did you mean '${hint}' maybe ?` : "."}`,
      );
      return false;
    }
    let arg: string | undefined;
    if (def.hasArg) {
      arg = words[++i];
      if (arg === undefined) {
        ctx.error("ECFG_ARGS", `'${label}' : '${w}' expects an argument.`);
        return false;
      }
    }
    let failed = false;
    def.parse({
      server: s,
      arg,
      label,
      error: (m) => {
        failed = true;
        ctx.error("ECFG_SERVER", `'${label}' : ${m}`);
      },
    });
    if (failed) return false;
    s.explicit.add(def.name);
  }
  return true;
}

function parseAddr(text: string): { host: string; port: number } | string {
  let t = text.replace(/^ipv[46]@/, "");
  let host: string;
  let portText: string;
  const m6 = /^\[([^\]]+)\]:(\d*)$/.exec(t);
  if (m6) {
    host = m6[1]!;
    portText = m6[2]!;
  } else {
    const i = t.lastIndexOf(":");
    if (i < 0) return `missing port in address '${text}' (netsvc needs ADDR:PORT)`;
    host = t.slice(0, i);
    portText = t.slice(i + 1);
  }
  t = host;
  if (!/^\d+$/.test(portText))
    return portText === ""
      ? `missing port in address '${text}' (netsvc needs ADDR:PORT)`
      : `invalid port '${portText}' in '${text}'`;
  const port = Number(portText);
  if (port < 1 || port > 65535) return `invalid port '${portText}' in '${text}'`;
  if (!/^[A-Za-z0-9.:_-]+$/.test(t)) return `invalid address '${host}'`;
  return { host, port };
}

registerKeyword({
  name: "server",
  sections: ["backend", "listen"],
  parse(ctx) {
    const a = ctx.args.map((t) => t.text);
    const p = ctx.proxy!;
    if (a.length < 2) {
      ctx.error("ECFG_ARGS", `'server' expects <name> and <addr>[:<port>] as arguments.`);
      return;
    }
    const name = a[0]!;
    const label = `server ${p.name}/${name}`;
    const addr = parseAddr(a[1]!);
    if (typeof addr === "string") {
      ctx.error("ECFG_SERVER", `'${label}' : ${addr}.`);
      return;
    }
    const s = baseServer(ctx, name, addr.host, addr.port);
    if (!applyOptions(ctx, s, a.slice(2), label, false)) return;
    if (!s.explicit.has("fastinter")) s.fastinter = s.inter;
    if (!s.explicit.has("downinter")) s.downinter = s.inter;
    p.serverDrafts.push(s);
  },
});

registerKeyword({
  name: "default-server",
  sections: BE,
  parse(ctx) {
    const p = ctx.proxy!;
    const s = baseServer(ctx, "", "", 0);
    s.explicit.clear();
    if (
      !applyOptions(
        ctx,
        s,
        ctx.args.map((t) => t.text),
        "default-server",
        true,
      )
    )
      return;
    const d = p.defaultServer as Record<string, unknown>;
    for (const k of s.explicit) {
      const key =
        ({ port: "checkPort", "no-check": "check", enabled: "disabled" } as Partial<Record<string, string>>)[
          k
        ] ?? k;
      d[key] = (s as unknown as Record<string, unknown>)[key];
    }
  },
});

// ---- server options owned by the engine ----

function intOpt(name: "weight" | "maxconn" | "id", min: number, max: number): void {
  registerServerKeyword({
    name,
    hasArg: true,
    parse({ server, arg, error }) {
      if (arg === undefined || !/^\d+$/.test(arg) || Number(arg) < min || Number(arg) > max) {
        error(`'${name}' expects an integer argument between ${min} and ${max}, got '${arg ?? ""}'.`);
        return;
      }
      (server as unknown as Record<string, number>)[name] = Number(arg);
    },
  });
}

intOpt("weight", 0, 256);
intOpt("maxconn", 0, 2 ** 31 - 1);
intOpt("id", 1, 2 ** 31 - 1);

registerServerKeyword({
  name: "backup",
  hasArg: false,
  parse({ server }) {
    server.backup = true;
  },
});

registerServerKeyword({
  name: "disabled",
  hasArg: false,
  parse({ server }) {
    server.disabled = true;
  },
});

registerServerKeyword({
  name: "enabled",
  hasArg: false,
  parse({ server }) {
    server.disabled = false;
  },
});
