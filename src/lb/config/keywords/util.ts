/** Small argument helpers shared by keyword parsers (messages in HAProxy's words). */
import type { KwContext } from "../registry.ts";
import { parseTime } from "../tokenize.ts";

/** Exactly `n` arguments, else an error; returns the texts or undefined. */
export function argsExactly(ctx: KwContext, n: number, usage: string): string[] | undefined {
  if (ctx.args.length !== n) {
    ctx.error(
      "ECFG_ARGS",
      ctx.args.length < n
        ? `'${ctx.kw}' expects ${usage}.`
        : `'${ctx.kw}' cannot handle unexpected argument '${ctx.args[n]!.text}'.`,
    );
    return undefined;
  }
  return ctx.args.map((a) => a.text);
}

export function parseIntArg(
  ctx: KwContext,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) {
    ctx.error("ECFG_ARGS", `'${ctx.kw}' expects an integer argument.`);
    return undefined;
  }
  const v = Number(text);
  if (v < min || v > max) {
    ctx.error("ECFG_RANGE", `'${ctx.kw}' expects a value between ${min} and ${max}, got ${v}.`);
    return undefined;
  }
  return v;
}

export function parseTimeArg(ctx: KwContext, text: string | undefined): number | undefined {
  if (text === undefined) {
    ctx.error("ECFG_ARGS", `'${ctx.kw}' expects an integer value (in milliseconds) as argument.`);
    return undefined;
  }
  const t = parseTime(text, ctx.kw);
  if (typeof t === "string") {
    ctx.error("ECFG_TIME", t);
    return undefined;
  }
  return t;
}

/** Warn (as HAProxy does) when a keyword has no effect on this kind of proxy. */
export function needsCap(ctx: KwContext, cap: "frontend" | "backend"): boolean {
  const p = ctx.proxy;
  if (p === undefined || ctx.section === "defaults") return true;
  const has = cap === "frontend" ? p.isFrontend : p.isBackend;
  if (!has) ctx.warn(`'${ctx.kw}' ignored because ${p.kind} '${p.name}' has no ${cap} capability.`);
  return has;
}
