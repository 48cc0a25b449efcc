/**
 * `if|unless COND` after a rule: an OR (`||`, `or`) of AND-ed ACL names, `!` negating one. Names
 * must be declared before use in the same proxy (HAProxy: "no such ACL"). An anonymous ACL
 * `{ FETCH [FLAGS] PATTERN... }` becomes an ACL of the proxy named by its text (`{path /old}`), so
 * the runtime evaluates it like any other.
 */
import type { Condition } from "../model.ts";
import type { KwContext } from "../registry.ts";
import type { Token } from "../tokenize.ts";
import { parseAclSpec } from "./routing.ts";

/**
 * Parse `args` = [`if`|`unless`, terms...]. `what` names the rule for messages (HAProxy's
 * "error detected while parsing switching rule"). Returns undefined after reporting an error.
 */
export function parseCondition(ctx: KwContext, args: Token[], what: string): Condition | undefined {
  const kw = args[0]?.text;
  if (kw !== "if" && kw !== "unless") {
    ctx.error("ECFG_COND", `${what} : expects 'if' or 'unless' followed by a condition, got '${kw ?? ""}'.`);
    return undefined;
  }
  const anyOf: Condition["anyOf"] = [[]];
  const declared = new Set(ctx.proxy?.acls.map((a) => a.name) ?? []);
  const rest = args.slice(1).map((t) => t.text);
  for (let i = 0; i < rest.length; i++) {
    let w = rest[i]!;
    let anonNegate = false;
    if (w === "!{" || (w === "!" && rest[i + 1] === "{")) {
      anonNegate = true;
      if (w === "!") i++;
      w = "{";
    }
    if (w === "{") {
      const close = rest.indexOf("}", i + 1);
      if (close < 0) {
        ctx.error("ECFG_COND", `${what} : missing closing '}' in condition.`);
        return undefined;
      }
      const words = rest.slice(i + 1, close);
      const name = `{${words.join(" ")}}`;
      const acl = parseAclSpec(ctx, name, words);
      if (acl === undefined) return undefined;
      if (ctx.proxy !== undefined && !ctx.proxy.acls.some((a) => a.name === name)) ctx.proxy.acls.push(acl);
      declared.add(name);
      anyOf[anyOf.length - 1]!.push({ acl: name, negate: anonNegate });
      i = close;
      continue;
    }
    if (w === "||" || w === "or") {
      if (anyOf[anyOf.length - 1]!.length === 0) {
        ctx.error("ECFG_COND", `${what} : missing ACL before '${w}'.`);
        return undefined;
      }
      anyOf.push([]);
      continue;
    }
    if (w.startsWith("{") || w.startsWith("!{")) {
      ctx.error("ECFG_COND", `${what} : '{' must be followed by a space in an anonymous ACL.`);
      return undefined;
    }
    let name = w;
    let negate = false;
    while (name.startsWith("!")) {
      negate = !negate;
      name = name.slice(1);
    }
    if (name === "") {
      ctx.error("ECFG_COND", `${what} : missing ACL name after '!'.`);
      return undefined;
    }
    const builtin = BUILTIN[name];
    if (!declared.has(name) && builtin !== undefined && ctx.proxy !== undefined) {
      // Materialize HAProxy's predefined ACL as an ordinary one, so the runtime needs no special case.
      ctx.proxy.acls.push({ name, fetch: "src", ignoreCase: false, patterns: [...builtin], pos: ctx.pos });
      declared.add(name);
    }
    if (!declared.has(name)) {
      ctx.error("ECFG_NO_ACL", `${what} : no such ACL : '${name}'.`);
      return undefined;
    }
    anyOf[anyOf.length - 1]!.push({ acl: name, negate });
  }
  if (anyOf[anyOf.length - 1]!.length === 0) {
    ctx.error("ECFG_COND", `${what} : no condition after '${kw}'.`);
    return undefined;
  }
  return { unless: kw === "unless", anyOf, pos: ctx.pos };
}

/**
 * HAProxy's predefined ACLs usable without declaration, written as `src` ACLs: TRUE matches every
 * client, FALSE none, LOCALHOST 127.0.0.0/8 and ::1.
 */
export const BUILTIN: Readonly<Partial<Record<string, readonly string[]>>> = {
  TRUE: ["0.0.0.0/0", "::/0"],
  FALSE: [],
  LOCALHOST: ["127.0.0.0/8", "::1"],
};
