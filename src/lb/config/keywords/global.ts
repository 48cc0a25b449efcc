/**
 * `global` keywords. Only `maxconn` and `log` change behaviour; process-management and tuning
 * keywords that change nothing in a Node process are accepted with a warning that says so.
 */
import { registerKeyword, type KwContext } from "../registry.ts";
import { parseLog } from "./log.ts";
import { parseIntArg } from "./util.ts";

registerKeyword({
  name: "maxconn",
  sections: ["global", "defaults", "frontend", "backend", "listen"],
  parse(ctx) {
    if (ctx.args.length !== 1) {
      ctx.error("ECFG_ARGS", `'maxconn' expects an integer argument.`);
      return;
    }
    const v = parseIntArg(ctx, ctx.args[0]!.text, 0, 2 ** 31 - 1);
    if (v === undefined) return;
    if (ctx.section === "global") ctx.global.maxconn = v;
    else if (ctx.proxy !== undefined) {
      if (ctx.section === "backend") {
        ctx.warn(
          `'maxconn' ignored because backend '${ctx.proxy.name}' has no frontend capability. Maybe you want 'fullconn' instead ?`,
        );
        return;
      }
      ctx.proxy.maxconn = v;
    }
  },
});

registerKeyword({
  name: "log",
  sections: ["global", "defaults", "frontend", "backend", "listen"],
  parse(ctx) {
    if (ctx.section === "global") {
      const l = parseLog(ctx, false);
      if (l !== undefined && l !== "global") ctx.global.logs.push(l);
      return;
    }
    const l = parseLog(ctx, true);
    if (l === undefined || ctx.proxy === undefined) return;
    if (l === "global") ctx.proxy.logs.push(...ctx.global.logs);
    else ctx.proxy.logs.push(l);
  },
});

/** Keywords with no effect here: accepted with a warning naming them. */
const NO_EFFECT = [
  "nbthread",
  "nbproc",
  "cpu-map",
  "daemon",
  "master-worker",
  "user",
  "group",
  "uid",
  "gid",
  "chroot",
  "pidfile",
  "ulimit-n",
  "ssl-default-bind-ciphers",
  "ssl-default-bind-ciphersuites",
  "ssl-default-bind-options",
  "ssl-default-server-ciphers",
  "ssl-default-server-ciphersuites",
  "ssl-default-server-options",
  "ssl-dh-param-file",
  "ca-base",
  "crt-base",
  "maxsslconn",
  "noepoll",
  "nopoll",
  "nosplice",
  "busy-polling",
];

const noEffect = (ctx: KwContext): void => {
  ctx.warn(`'${ctx.kw}' has no effect in netsvc (a single Node.js process); ignored.`);
};

for (const name of NO_EFFECT) registerKeyword({ name, sections: ["global"], parse: noEffect });

/** `tune.*` keywords: any name under tune. is a tuning knob without behaviour change here. */
export function isTuneKeyword(word: string): boolean {
  return /^tune\.[a-z0-9.-]+$/.test(word);
}
