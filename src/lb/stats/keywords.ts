/**
 * `stats` keywords: enable, uri, hide-version, refresh, realm, auth, admin if|unless COND.
 * Any stats keyword enables stats on the proxy (HAProxy does the same).
 */
import { DEFAULTS, type StatsConfig } from "../config/model.ts";
import { registerKeyword, type KwContext } from "../config/registry.ts";
import { parseCondition } from "../config/keywords/condition.ts";
import { parseTimeArg } from "../config/keywords/util.ts";

const ALL = ["defaults", "frontend", "backend", "listen"] as const;

function stats(ctx: KwContext): StatsConfig {
  const p = ctx.proxy!;
  p.stats ??= { uri: DEFAULTS.statsUri, hideVersion: false, realm: DEFAULTS.statsRealm, auth: [] };
  return p.stats;
}

function one(ctx: KwContext, what: string): string | undefined {
  if (ctx.args.length !== 1) {
    ctx.error(
      "ECFG_ARGS",
      ctx.args.length === 0
        ? `'${ctx.kw}' needs ${what}.`
        : `'${ctx.kw}' cannot handle unexpected argument '${ctx.args[1]!.text}'.`,
    );
    return undefined;
  }
  return ctx.args[0]!.text;
}

function none(ctx: KwContext): boolean {
  if (ctx.args.length > 0) {
    ctx.error("ECFG_ARGS", `'${ctx.kw}' cannot handle unexpected argument '${ctx.args[0]!.text}'.`);
    return false;
  }
  return true;
}

registerKeyword({
  name: "stats enable",
  sections: ALL,
  parse: (ctx) => {
    if (none(ctx)) stats(ctx);
  },
});
registerKeyword({
  name: "stats hide-version",
  sections: ALL,
  parse(ctx) {
    if (none(ctx)) stats(ctx).hideVersion = true;
  },
});
registerKeyword({
  name: "stats uri",
  sections: ALL,
  parse(ctx) {
    const v = one(ctx, "an URI prefix");
    if (v !== undefined) stats(ctx).uri = v;
  },
});
registerKeyword({
  name: "stats realm",
  sections: ALL,
  parse(ctx) {
    const v = one(ctx, "a realm");
    if (v !== undefined) stats(ctx).realm = v;
  },
});
registerKeyword({
  name: "stats refresh",
  sections: ALL,
  parse(ctx) {
    const v = one(ctx, "a refresh delay");
    if (v === undefined) return;
    const ms = parseTimeArg(ctx, v);
    if (ms !== undefined) stats(ctx).refresh = ms;
  },
});
registerKeyword({
  name: "stats auth",
  sections: ALL,
  parse(ctx) {
    const v = one(ctx, "<user>:<passwd>");
    if (v === undefined) return;
    const i = v.indexOf(":");
    if (i <= 0) {
      ctx.error("ECFG_ARGS", `'stats auth' : missing ':' in user:passwd.`);
      return;
    }
    stats(ctx).auth.push({ user: v.slice(0, i), password: v.slice(i + 1) });
  },
});
registerKeyword({
  name: "stats admin",
  sections: ["frontend", "backend", "listen"],
  parse(ctx) {
    if (ctx.args.length === 0) {
      ctx.error("ECFG_ARGS", `'stats admin' requires either 'if' or 'unless' followed by a condition.`);
      return;
    }
    const cond = parseCondition(ctx, ctx.args, `error detected while parsing a 'stats admin' rule`);
    if (cond !== undefined) stats(ctx).admin = cond;
  },
});
