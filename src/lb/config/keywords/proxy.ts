/** Proxy keywords owned by the config layer itself: mode, bind, timeouts, options, logging formats. */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseEndpoint } from "../../../lib/listen.ts";
import type { Bind, Timeouts } from "../model.ts";
import { PROXY_SECTIONS, registerKeyword, type KwContext, type SectionKind } from "../registry.ts";
import { argsExactly, needsCap, parseTimeArg } from "./util.ts";

const FE: SectionKind[] = ["frontend", "listen"];
const ALL = PROXY_SECTIONS;

registerKeyword({
  name: "mode",
  sections: ALL,
  parse(ctx) {
    const a = argsExactly(ctx, 1, "one of 'tcp' or 'http'");
    if (a === undefined || ctx.proxy === undefined) return;
    if (a[0] !== "http" && a[0] !== "tcp") {
      ctx.error("ECFG_ARGS", `unknown proxy mode '${a[0]!}'.`);
      return;
    }
    ctx.proxy.mode = a[0];
  },
});

/** Bind options we implement; everything else HAProxy knows is reported as unsupported. */
registerKeyword({
  name: "bind",
  sections: [...FE, "backend"],
  parse(ctx) {
    const p = ctx.proxy!;
    if (!needsCap(ctx, "frontend")) return;
    const a = ctx.args.map((t) => t.text);
    if (a.length === 0) {
      ctx.error(
        "ECFG_ARGS",
        `'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.`,
      );
      return;
    }
    const binds: Bind[] = [];
    for (const spec of a[0]!.split(",")) {
      let text = spec;
      if (text.startsWith("ipv4@")) text = text.slice(5);
      else if (text.startsWith("ipv6@")) {
        text = text.slice(5);
        const i = text.lastIndexOf(":");
        if (i > 0 && !text.startsWith("[")) text = `[${text.slice(0, i)}]:${text.slice(i + 1)}`;
      } else if (/^[a-z0-9]+@/.test(text)) {
        ctx.error(
          "EUNSUPPORTED",
          `'bind ${spec}' : address family '${text.split("@")[0]!}@' is not supported by netsvc.`,
        );
        return;
      } else if (!text.startsWith("[") && (text.match(/:/g)?.length ?? 0) > 1) {
        // HAProxy's IPv6 without brackets: the last colon separates the port.
        const i = text.lastIndexOf(":");
        text = `[${text.slice(0, i) === "" ? "::" : text.slice(0, i)}]:${text.slice(i + 1)}`;
      }
      if (/:\d+-\d+$/.test(text)) {
        ctx.error("EUNSUPPORTED", `'bind ${spec}' : port ranges are not supported by netsvc.`);
        return;
      }
      const e = parseEndpoint(text.startsWith(":") ? `*${text}` : text);
      if (typeof e === "string") {
        ctx.error("ECFG_BIND", `'bind ${spec}' : ${e}.`);
        return;
      }
      if (!text.includes(":")) {
        ctx.error("ECFG_BIND", `'bind ${spec}' : missing port number.`);
        return;
      }
      binds.push({ host: e.host, port: e.port, pos: ctx.pos });
    }
    let ssl = false;
    let crt: string | undefined;
    for (let i = 1; i < a.length; i++) {
      const o = a[i]!;
      if (o === "ssl") ssl = true;
      else if (o === "crt") {
        crt = a[++i];
        if (crt === undefined) {
          ctx.error("ECFG_ARGS", `'bind ${a[0]!}' : 'crt' : missing certificate location`);
          return;
        }
        const path = resolve(dirname(ctx.file), crt);
        if (!existsSync(path)) {
          ctx.error(
            "ECFG_CRT",
            `'bind ${a[0]!}' : unable to stat SSL certificate from file '${crt}' : No such file or directory.`,
          );
          return;
        }
        crt = path;
      } else {
        ctx.error(
          "EUNSUPPORTED",
          `'bind ${a[0]!}' : unknown or unsupported keyword '${o}' (netsvc supports 'ssl' and 'crt').`,
        );
        return;
      }
    }
    if (ssl !== (crt !== undefined)) {
      ctx.error(
        "ECFG_SSL",
        ssl
          ? `'bind ${a[0]!}' : 'ssl' needs a certificate ('crt FILE').`
          : `'bind ${a[0]!}' : 'crt' given without 'ssl'.`,
      );
      return;
    }
    for (const b of binds) {
      if (crt !== undefined) b.ssl = { crt };
      p.binds.push(b);
    }
  },
});

const TIMEOUTS: [string, keyof Timeouts, readonly ("frontend" | "backend")[]][] = [
  ["connect", "connect", ["backend"]],
  ["client", "client", ["frontend"]],
  ["server", "server", ["backend"]],
  ["check", "check", ["backend"]],
  ["queue", "queue", ["backend"]],
  ["http-request", "httpRequest", ["frontend", "backend"]],
  ["http-keep-alive", "httpKeepAlive", ["frontend", "backend"]],
];

for (const [word, field, caps] of TIMEOUTS) {
  registerKeyword({
    name: `timeout ${word}`,
    sections: ALL,
    parse(ctx) {
      if (ctx.args.length !== 1) {
        ctx.error("ECFG_ARGS", `'timeout ${word}' expects an integer value (in milliseconds)`);
        return;
      }
      const ms = parseTimeArg(ctx, ctx.args[0]!.text);
      if (ms === undefined) return;
      if (caps.length === 1 && !needsCap(ctx, caps[0]!)) return;
      ctx.proxy!.timeouts[field] = ms;
    },
  });
}

function flag(ctx: KwContext): boolean {
  if (ctx.args.length > 0) {
    ctx.error("ECFG_ARGS", `'${ctx.kw}' cannot handle unexpected argument '${ctx.args[0]!.text}'.`);
    return false;
  }
  return true;
}

registerKeyword({
  name: "option forwardfor",
  sections: ALL,
  parse(ctx) {
    if (ctx.args.length > 0) {
      ctx.error(
        "EUNSUPPORTED",
        `'option forwardfor' options ('${ctx.args[0]!.text}') are not supported by netsvc.`,
      );
      return;
    }
    ctx.proxy!.forwardFor = true;
  },
});

for (const fmt of ["httplog", "tcplog"] as const) {
  registerKeyword({
    name: `option ${fmt}`,
    sections: ALL,
    parse(ctx) {
      if (fmt === "httplog" && ctx.args.length === 1 && ctx.args[0]!.text === "clf") {
        ctx.error("EUNSUPPORTED", `'option httplog clf' is not supported by netsvc.`);
        return;
      }
      if (!flag(ctx)) return;
      const p = ctx.proxy!;
      if (ctx.section === "backend") {
        ctx.warn(`backend '${p.name}' : 'option ${fmt}' directive is ignored in backends.`);
        return;
      }
      p.logFormat = fmt;
    },
  });
}
