import { ConfigError } from "../../lib/errors.ts";
import type { RR } from "../wire/message.ts";
import { nameFromText } from "../wire/name.ts";
import { rdataFromText, ttlFromText } from "../wire/rdata.ts";
import { CLASS, classFromText, RRType, typeFromText } from "../wire/rrtypes.ts";
import { lex } from "../zone/lexer.ts";

/**
 * Root hints (`zone "." { type hint; file "..."; };`): a master file holding the root's NS RRset
 * and its servers' A/AAAA records. Read with the zone lexer; only NS, A and AAAA are kept (BIND
 * ignores the rest too). Errors name file:line.
 *
 * The built-in hints, used when named.conf has no hint zone, point at a loopback root
 * (a.root.loopback. 127.0.0.53): these machines must never query the internet's root servers.
 */
export const BUILTIN_HINTS = `.\t3600000\tNS\ta.root.loopback.\na.root.loopback.\t3600000\tA\t127.0.0.53\n`;

export function parseHints(text: string, file: string): RR[] {
  const out: RR[] = [];
  const errors: ConfigError[] = [];
  const origin = Buffer.from([0]);
  let lastOwner: Buffer | undefined;
  const lexErrors = lex(text, (l) => {
    const t = l.tokens.map((x) => x.text);
    let i = 0;
    try {
      let owner: Buffer;
      if (l.blankOwner) {
        if (lastOwner === undefined) throw new Error("no previous owner");
        owner = lastOwner;
      } else {
        if (t[0]!.startsWith("$")) throw new Error(`directive ${t[0]} is not supported in a hints file`);
        owner = nameFromText(t[0]!, origin);
        i = 1;
      }
      lastOwner = owner;
      let ttl = 3600000;
      for (let k = 0; k < 2 && i < t.length; k++) {
        const v = ttlFromText(t[i]!);
        if (v !== undefined) {
          ttl = v;
          i++;
        } else if (classFromText(t[i]!) === CLASS.IN && typeFromText(t[i]!) === undefined) i++;
      }
      const type = typeFromText(t[i] ?? "");
      if (type === undefined) throw new Error(`unknown type '${t[i] ?? ""}'`);
      if (type !== RRType.NS && type !== RRType.A && type !== RRType.AAAA) return;
      const rdata = rdataFromText(type, l.tokens.slice(i + 1), origin);
      out.push({ name: owner, type, cls: CLASS.IN, ttl, rdata });
    } catch (e) {
      errors.push(
        new ConfigError("EHINTS", `bad root hints record: ${(e as Error).message}`, { file, line: l.line }),
      );
    }
  });
  for (const e of lexErrors) errors.push(new ConfigError("EHINTS", e.message, { file, line: e.line }));
  if (errors.length === 0 && !out.some((r) => r.type === RRType.NS && r.name.length === 1))
    errors.push(new ConfigError("EHINTS", "root hints have no NS records for '.'", { file, line: 0 }));
  if (errors.length > 0) throw errors[0]!;
  return out;
}
