/** ACLs and the rules that use them: acl, use_backend, default_backend, http-request. */
import type { Acl, AclFetch, HttpRequestRule } from "../model.ts";
import { registerKeyword, type KwContext } from "../registry.ts";
import { parseCidr } from "../../../lib/acl.ts";
import { parseCondition } from "./condition.ts";

const FETCHES = new Set<AclFetch>([
  "hdr",
  "hdr_beg",
  "hdr_end",
  "hdr_sub",
  "path",
  "path_beg",
  "path_end",
  "src",
]);

/**
 * Parse `FETCH [FLAGS] PATTERN...` of an ACL (named, or anonymous inside `{ }`); reports errors
 * and returns undefined on failure.
 */
export function parseAclSpec(ctx: KwContext, name: string, words: readonly string[]): Acl | undefined {
  const spec = words[0];
  if (spec === undefined) {
    ctx.error("ECFG_ARGS", `'acl' expects an ACL name and a fetch method.`);
    return undefined;
  }
  const m = /^([a-z_]+)(?:\(([^)]*)\))?$/.exec(spec);
  const fetch = m?.[1] as AclFetch | undefined;
  if (m === null || fetch === undefined || !FETCHES.has(fetch)) {
    ctx.error(
      "ECFG_ACL",
      `error detected while parsing ACL '${name}' : unknown fetch method '${spec}' (netsvc supports ${[...FETCHES].join(", ")}).`,
    );
    return undefined;
  }
  const header = m[2];
  if (fetch.startsWith("hdr") && (header === undefined || header === "")) {
    ctx.error(
      "EUNSUPPORTED",
      `error detected while parsing ACL '${name}' : '${fetch}' needs a header name, e.g. ${fetch}(host).`,
    );
    return undefined;
  }
  if (!fetch.startsWith("hdr") && header !== undefined) {
    ctx.error(
      "ECFG_ACL",
      `error detected while parsing ACL '${name}' : fetch method '${fetch}' does not take arguments.`,
    );
    return undefined;
  }
  let i = 1;
  let ignoreCase = false;
  while (i < words.length && words[i]!.startsWith("-")) {
    const f = words[i]!;
    if (f === "--") {
      i++;
      break;
    }
    if (f === "-i") ignoreCase = true;
    else if (f === "-m" || f === "-f" || f === "-M" || f === "-u" || f === "-n") {
      ctx.error(
        "EUNSUPPORTED",
        `error detected while parsing ACL '${name}' : flag '${f}' is not supported by netsvc.`,
      );
      return undefined;
    } else break;
    i++;
  }
  const patterns = words.slice(i);
  if (fetch === "src") {
    for (const p of patterns) {
      const c = parseCidr(p, { shortForms: false });
      if (typeof c === "string") {
        ctx.error(
          "ECFG_ACL",
          `error detected while parsing ACL '${name}' : '${p}' is not a valid IPv4 or IPv6 address.`,
        );
        return undefined;
      }
    }
  }
  return {
    name,
    fetch,
    ...(header !== undefined ? { header: header.toLowerCase() } : {}),
    ignoreCase,
    patterns,
    pos: ctx.pos,
  };
}

registerKeyword({
  name: "acl",
  sections: ["frontend", "backend", "listen"],
  parse(ctx) {
    const a = ctx.args.map((t) => t.text);
    const name = a[0];
    if (name === undefined || a[1] === undefined) {
      ctx.error("ECFG_ARGS", `'acl' expects an ACL name and a fetch method.`);
      return;
    }
    if (!/^[A-Za-z0-9_.:-]+$/.test(name)) {
      ctx.error(
        "ECFG_ACL",
        `character '${/[^A-Za-z0-9_.:-]/.exec(name)![0]}' is not permitted in acl name '${name}'.`,
      );
      return;
    }
    const acl = parseAclSpec(ctx, name, a.slice(1));
    if (acl !== undefined) ctx.proxy!.acls.push(acl);
  },
});

registerKeyword({
  name: "use_backend",
  sections: ["frontend", "listen"],
  parse(ctx) {
    const a = ctx.args;
    if (a.length === 0) {
      ctx.error("ECFG_ARGS", `'use_backend' expects a backend name.`);
      return;
    }
    const backend = a[0]!.text;
    if (a.length === 1) {
      ctx.proxy!.useBackends.push({ backend, pos: ctx.pos });
      return;
    }
    const cond = parseCondition(ctx, a.slice(1), "error detected while parsing switching rule");
    if (cond !== undefined) ctx.proxy!.useBackends.push({ backend, cond, pos: ctx.pos });
  },
});

registerKeyword({
  name: "default_backend",
  sections: ["defaults", "frontend", "listen"],
  parse(ctx) {
    if (ctx.args.length !== 1) {
      ctx.error("ECFG_ARGS", `'default_backend' expects a backend name.`);
      return;
    }
    ctx.proxy!.defaultBackend = ctx.args[0]!.text;
    ctx.proxy!.uses.set("default_backend", ctx.pos);
  },
});

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** Split `... [if|unless COND]` into the action's words and the condition. */
function splitCond(ctx: KwContext, what: string): { words: string[]; cond: HttpRequestRule["cond"] | null } {
  const idx = ctx.args.findIndex((t) => t.text === "if" || t.text === "unless");
  if (idx < 0) return { words: ctx.args.map((t) => t.text), cond: undefined };
  const cond = parseCondition(
    ctx,
    ctx.args.slice(idx),
    `error detected while parsing an '${what}' condition`,
  );
  return { words: ctx.args.slice(0, idx).map((t) => t.text), cond: cond ?? null };
}

registerKeyword({
  name: "http-request",
  sections: ["frontend", "backend", "listen"],
  parse(ctx) {
    const action = ctx.args[0]?.text;
    const p = ctx.proxy!;
    if (action === undefined) {
      ctx.error("ECFG_ARGS", `'http-request' expects an action.`);
      return;
    }
    const what = `http-request ${action}`;
    if (action !== "deny" && action !== "return" && action !== "set-header" && action !== "redirect") {
      ctx.error(
        "EUNSUPPORTED",
        `'http-request ${action}' is not supported by netsvc (supported: deny, return, set-header, redirect).`,
      );
      return;
    }
    ctx.args = ctx.args.slice(1);
    const { words, cond } = splitCond(ctx, what);
    if (cond === null) return;
    const c = cond === undefined ? {} : { cond };
    const bad = (msg: string): void => ctx.error("ECFG_ARGS", `'${what}' ${msg}`);
    const status = (w: string | undefined, ok: (n: number) => boolean): number | undefined => {
      if (w === undefined || !/^\d{3}$/.test(w) || !ok(Number(w))) {
        bad(`: invalid status code '${w ?? ""}'.`);
        return undefined;
      }
      return Number(w);
    };
    switch (action) {
      case "deny": {
        let code = 403;
        for (let i = 0; i < words.length; i++) {
          if (words[i] === "deny_status" || words[i] === "status") {
            const s = status(words[++i], (n) => n >= 200 && n <= 599);
            if (s === undefined) return;
            code = s;
          } else {
            ctx.error("EUNSUPPORTED", `'${what}' : option '${words[i]!}' is not supported by netsvc.`);
            return;
          }
        }
        p.httpRequest.push({ action: "deny", status: code, ...c, pos: ctx.pos });
        return;
      }
      case "return": {
        const rule: HttpRequestRule & { action: "return" } = {
          action: "return",
          status: 200,
          ...c,
          pos: ctx.pos,
        };
        for (let i = 0; i < words.length; i++) {
          const w = words[i]!;
          const v = words[i + 1];
          if (w === "status") {
            const s = status(v, (n) => n >= 200 && n <= 599);
            if (s === undefined) return;
            rule.status = s;
          } else if (w === "content-type" && v !== undefined) rule.contentType = v;
          else if ((w === "string" || w === "lf-string") && v !== undefined) rule.body = v;
          else {
            ctx.error(
              "EUNSUPPORTED",
              `'${what}' : '${w}' is not supported by netsvc (status, content-type, string, lf-string).`,
            );
            return;
          }
          i++;
        }
        if (rule.body !== undefined && rule.contentType === undefined) {
          bad(`: a 'content-type' is required with 'string'.`);
          return;
        }
        p.httpRequest.push(rule);
        return;
      }
      case "set-header": {
        if (words.length !== 2) {
          bad(`expects exactly 2 arguments.`);
          return;
        }
        p.httpRequest.push({ action: "set-header", name: words[0]!, value: words[1]!, ...c, pos: ctx.pos });
        return;
      }
      case "redirect": {
        const kind = words[0];
        if (kind !== "location" && kind !== "prefix" && kind !== "scheme") {
          bad(`: expects 'location', 'prefix' or 'scheme', got '${kind ?? ""}'.`);
          return;
        }
        const target = words[1];
        if (target === undefined) {
          bad(`: missing the redirect target.`);
          return;
        }
        let code = 302;
        for (let i = 2; i < words.length; i++) {
          if (words[i] === "code") {
            const s = status(words[++i], (n) => REDIRECT_CODES.has(n));
            if (s === undefined) return;
            code = s;
          } else {
            ctx.error("EUNSUPPORTED", `'${what}' : option '${words[i]!}' is not supported by netsvc.`);
            return;
          }
        }
        p.httpRequest.push({ action: "redirect", kind, target, code, ...c, pos: ctx.pos });
        return;
      }
    }
  },
});
