/**
 * `if|unless COND` after a rule: an OR (`||`, `or`) of AND-ed ACL names, `!` negating one. Names
 * must be declared before use in the same proxy (HAProxy: "no such ACL"). Anonymous ACLs `{ ... }`
 * are not supported (an error that says so).
 */
import type { Condition } from "../model.ts";
import type { KwContext } from "../registry.ts";
import type { Token } from "../tokenize.ts";

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
  for (const t of args.slice(1)) {
    const w = t.text;
    if (w === "||" || w === "or") {
      if (anyOf[anyOf.length - 1]!.length === 0) {
        ctx.error("ECFG_COND", `${what} : missing ACL before '${w}'.`);
        return undefined;
      }
      anyOf.push([]);
      continue;
    }
    if (w === "{" || w.startsWith("{")) {
      ctx.error(
        "EUNSUPPORTED",
        `${what} : anonymous ACLs ('{ ... }') are not supported by netsvc; declare the ACL with 'acl NAME ...'.`,
      );
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
    if (!declared.has(name) && !BUILTIN.has(name)) {
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
 * HAProxy's predefined ACLs that need no declaration; the runtime implements these names.
 * TRUE/FALSE always/never match, LOCALHOST is src 127.0.0.1/8 and ::1.
 */
export const BUILTIN = new Set(["TRUE", "FALSE", "LOCALHOST"]);
