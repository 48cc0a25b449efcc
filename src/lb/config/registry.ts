/**
 * Keyword registry (STYLE habit 6): each feature registers the keywords it owns with the sections
 * they are allowed in and a parser that fills the draft; the config layer only tokenizes, finds the
 * keyword (the longest registered match of its first words: `timeout connect`, `option httpchk`,
 * `stats uri`, then `maxconn`) and dispatches. Server options (`server NAME ADDR check inter 1s ...`)
 * have their own small registry.
 *
 * Contract for a keyword parser: read `ctx.args` (the words after the keyword), write the draft,
 * and report problems with ctx.error() / ctx.warn() (never throw for a user error). A parser that
 * reports an error leaves the draft as it was.
 */
import type { Position } from "../../lib/errors.ts";
import type { GlobalConfig, ProxyConfig, ServerConfig } from "./model.ts";
import type { Token } from "./tokenize.ts";

export type SectionKind = "global" | "defaults" | "frontend" | "backend" | "listen";
export const PROXY_SECTIONS: readonly SectionKind[] = ["defaults", "frontend", "backend", "listen"];

/** A proxy (or defaults section) being built. `defaultServer` holds `default-server` settings. */
export interface ProxyDraft extends ProxyConfig {
  defaultServer: Partial<ServerConfig> & { checkSet?: boolean };
  /** Servers still missing values the defaults of the proxy supply at the end (inter-derived). */
  serverDrafts: ServerDraft[];
  /** Positions of frontend-only keywords used in a backend, etc., for end-of-section checks. */
  uses: Map<string, Position>;
}

export type ServerDraft = ServerConfig & { explicit: Set<string> };

export interface KwContext {
  section: SectionKind;
  /** The keyword as matched (`timeout connect`). */
  kw: string;
  args: Token[];
  pos: Position;
  /** The proxy or defaults section being built (undefined in `global`). */
  proxy: ProxyDraft | undefined;
  global: GlobalConfig;
  file: string;
  error: (code: string, message: string) => void;
  warn: (message: string) => void;
}

export interface KeywordDef {
  /** One or two words (`maxconn`, `timeout connect`, `option httpchk`). */
  name: string;
  sections: readonly SectionKind[];
  parse: (ctx: KwContext) => void;
}

const keywords = new Map<string, KeywordDef>();

export function registerKeyword(def: KeywordDef): void {
  if (keywords.has(def.name)) throw new Error(`keyword '${def.name}' registered twice`);
  keywords.set(def.name, def);
}

/** Longest registered prefix of the line's words: returns the keyword and how many words it used. */
export function findKeyword(words: readonly string[]): { def: KeywordDef; used: number } | undefined {
  for (let used = Math.min(2, words.length); used >= 1; used--) {
    const def = keywords.get(words.slice(0, used).join(" "));
    if (def !== undefined) return { def, used };
  }
  return undefined;
}

export function allKeywords(): KeywordDef[] {
  return [...keywords.values()];
}

// ---- server options ----

export interface ServerKwContext {
  server: ServerDraft;
  /** The option's argument (undefined for flags). */
  arg: string | undefined;
  /** `server b/s1` or `default-server` for messages. */
  label: string;
  error: (message: string) => void;
}

export interface ServerKeywordDef {
  name: string;
  /** Takes one argument. */
  hasArg: boolean;
  /** Allowed on `default-server` too (default true). */
  onDefault?: boolean;
  parse: (ctx: ServerKwContext) => void;
}

const serverKeywords = new Map<string, ServerKeywordDef>();

export function registerServerKeyword(def: ServerKeywordDef): void {
  if (serverKeywords.has(def.name)) throw new Error(`server keyword '${def.name}' registered twice`);
  serverKeywords.set(def.name, def);
}

export function findServerKeyword(name: string): ServerKeywordDef | undefined {
  return serverKeywords.get(name);
}

export function allServerKeywords(): string[] {
  return [...serverKeywords.keys()];
}

/** HAProxy's "did you mean" hint: the closest known word within a small edit distance. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(word, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
