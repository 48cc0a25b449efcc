/**
 * Health-check keywords: `option httpchk`, `http-check expect`, and the server options
 * check, no-check, inter, fastinter, downinter, rise, fall, port.
 */
import { registerKeyword, registerServerKeyword } from "../config/registry.ts";
import { needsCap } from "../config/keywords/util.ts";
import { parseTime } from "../config/tokenize.ts";
import type { HttpCheck, ServerConfig } from "../config/model.ts";

const BE = ["defaults", "backend", "listen"] as const;

registerKeyword({
  name: "option httpchk",
  sections: BE,
  parse(ctx) {
    const a = ctx.args.map((t) => t.text);
    if (a.length > 3) {
      ctx.error("ECFG_ARGS", `'option httpchk' cannot handle unexpected argument '${a[3]!}'.`);
      return;
    }
    // HAProxy: no argument = OPTIONS /; one = the URI; two = method and URI; three = + version.
    const method = a.length >= 2 ? a[0]! : "OPTIONS";
    const uri = a.length === 1 ? a[0]! : a.length >= 2 ? a[1]! : "/";
    let version = a[2] ?? "HTTP/1.0";
    const headers: [string, string][] = [];
    // The old trick: "HTTP/1.1\r\nHost:\ www" carries headers in the version word.
    const parts = version.split("\r\n");
    version = parts[0]!;
    for (const h of parts.slice(1)) {
      const i = h.indexOf(":");
      if (i <= 0) {
        ctx.error("ECFG_ARGS", `'option httpchk' : invalid header '${h}'.`);
        return;
      }
      headers.push([h.slice(0, i).trim(), h.slice(i + 1).trim()]);
    }
    if (!/^[A-Z]+$/.test(method) || !uri.startsWith("/") || !/^HTTP\/1\.[01]$/.test(version)) {
      ctx.error(
        "ECFG_ARGS",
        `'option httpchk' expects [<method>] [<uri>] [<version>] (got '${a.join(" ")}').`,
      );
      return;
    }
    if (!needsCap(ctx, "backend")) return;
    const prev = ctx.proxy!.httpCheck;
    const hc: HttpCheck = { method, uri, version, headers };
    if (prev?.expect !== undefined) hc.expect = prev.expect;
    ctx.proxy!.httpCheck = hc;
  },
});

registerKeyword({
  name: "http-check expect",
  sections: BE,
  parse(ctx) {
    const a = ctx.args.map((t) => t.text);
    let negate = false;
    if (a[0] === "!") {
      negate = true;
      a.shift();
    }
    const kind = a[0];
    const value = a[1];
    if ((kind !== "status" && kind !== "string") || value === undefined || a.length > 2) {
      if (kind === "rstatus" || kind === "rstring" || kind === "custom")
        ctx.error("EUNSUPPORTED", `'http-check expect ${kind}' is not supported by netsvc (status, string).`);
      else
        ctx.error(
          "ECFG_ARGS",
          `'http-check expect' expects 'status <code>' or 'string <text>'${a.length > 2 ? `, unexpected argument '${a[2]!}'` : ""}.`,
        );
      return;
    }
    let expect: NonNullable<HttpCheck["expect"]>;
    if (kind === "status") {
      // HAProxy accepts a list and ranges: "200,301-302".
      const codes: number[] = [];
      for (const part of value.split(",")) {
        const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
        if (m === null) {
          ctx.error("ECFG_ARGS", `'http-check expect status' : invalid status '${part}'.`);
          return;
        }
        const lo = Number(m[1]);
        const hi = m[2] === undefined ? lo : Number(m[2]);
        for (let c = lo; c <= hi; c++) codes.push(c);
      }
      expect = { kind: "status", codes, negate };
    } else expect = { kind: "string", text: value, negate };
    if (!needsCap(ctx, "backend")) return;
    const p = ctx.proxy!;
    // `http-check expect` alone enables HTTP checks with HAProxy's defaults.
    p.httpCheck = {
      ...(p.httpCheck ?? { method: "OPTIONS", uri: "/", version: "HTTP/1.0", headers: [] }),
      expect,
    };
  },
});

registerServerKeyword({
  name: "check",
  hasArg: false,
  parse({ server }) {
    server.check = true;
  },
});

registerServerKeyword({
  name: "no-check",
  hasArg: false,
  parse({ server }) {
    server.check = false;
  },
});

for (const name of ["inter", "fastinter", "downinter"] as const) {
  registerServerKeyword({
    name,
    hasArg: true,
    parse({ server, arg, error }) {
      const t = parseTime(arg ?? "", name);
      if (typeof t === "string") return error(t);
      if (t === 0) return error(`invalid value 0 for '${name}' : must be > 0.`);
      server[name] = t;
    },
  });
}

for (const name of ["rise", "fall"] as const) {
  registerServerKeyword({
    name,
    hasArg: true,
    parse({ server, arg, error }) {
      if (arg === undefined || !/^\d+$/.test(arg) || Number(arg) < 1)
        return error(`'${name}' expects an integer argument > 0, got '${arg ?? ""}'.`);
      server[name] = Number(arg);
    },
  });
}

registerServerKeyword({
  name: "port",
  hasArg: true,
  parse({ server, arg, error }) {
    const v = Number(arg);
    if (arg === undefined || !/^\d+$/.test(arg) || v < 1 || v > 65535)
      return error(`'port' expects a valid port number, got '${arg ?? ""}'.`);
    (server as ServerConfig).checkPort = v;
  },
});
