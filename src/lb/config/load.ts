/**
 * Reads haproxy.cfg: tokenizes each line, tracks sections, dispatches keywords to the features that
 * registered them, folds `defaults` into the proxies after them, then checks references across
 * proxies. Every error found is collected (HAProxy stops after the parsing phase when it found
 * errors, and so do we: cross-proxy checks run only on a file that parsed cleanly).
 */
import { readFileSync } from "node:fs";
import { ConfigError, ConfigErrors, type Position } from "../../lib/errors.ts";
import "./keywords/index.ts";
import { isTuneKeyword } from "./keywords/global.ts";
import { DEFAULTS, type GlobalConfig, type LbConfig, type ProxyConfig, type ServerConfig } from "./model.ts";
import {
  findKeyword,
  suggest,
  allKeywords,
  type KwContext,
  type ProxyDraft,
  type SectionKind,
} from "./registry.ts";
import { tokenizeLine } from "./tokenize.ts";

export interface ParseResult {
  config: LbConfig | undefined;
  errors: ConfigError[];
  warnings: ConfigError[];
}

export interface LoadResult {
  config: LbConfig;
  warnings: ConfigError[];
}

const SECTIONS = new Set<SectionKind>(["global", "defaults", "frontend", "backend", "listen"]);

/** Read, parse and validate a haproxy.cfg file; throws ConfigErrors listing every error. */
export function loadConfig(
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigErrors([
      new ConfigError(
        "ECFG_FILE",
        `Could not open configuration file ${file} : ${e.code === "ENOENT" ? "No such file or directory" : e.message}`,
        { file, line: 0 },
      ),
    ]);
  }
  const r = parseConfigText(text, file, env);
  if (r.errors.length > 0 || r.config === undefined) throw new ConfigErrors(r.errors);
  return { config: r.config, warnings: r.warnings };
}

export function newDraft(kind: ProxyConfig["kind"] | "defaults", name: string, pos: Position): ProxyDraft {
  return {
    name,
    kind: kind === "defaults" ? "listen" : kind,
    id: 0,
    isFrontend: kind === "frontend" || kind === "listen",
    isBackend: kind === "backend" || kind === "listen",
    mode: "tcp",
    binds: [],
    timeouts: {},
    maxconn: 0,
    acls: [],
    httpRequest: [],
    useBackends: [],
    forwardFor: false,
    logs: [],
    balance: { algorithm: "roundrobin" },
    servers: [],
    retries: DEFAULTS.retries,
    redispatch: false,
    pos,
    defaultServer: {},
    serverDrafts: [],
    uses: new Map(),
  };
}

/** A proxy starts as a copy of the current defaults section (HAProxy's inheritance). */
function fromDefaults(
  defaults: ProxyDraft,
  kind: ProxyConfig["kind"],
  name: string,
  pos: Position,
): ProxyDraft {
  const d = structuredClone(defaults);
  const fresh = newDraft(kind, name, pos);
  return {
    ...d,
    name,
    kind,
    isFrontend: fresh.isFrontend,
    isBackend: fresh.isBackend,
    pos,
    binds: [],
    acls: [],
    httpRequest: [],
    useBackends: [],
    servers: [],
    serverDrafts: [],
    uses: new Map(),
  };
}

export function parseConfigText(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>> = {},
): ParseResult {
  const errors: ConfigError[] = [];
  const warnings: ConfigError[] = [];
  const global: GlobalConfig = { maxconn: DEFAULTS.globalMaxconn, logs: [] };
  let defaults = newDraft("defaults", "", { file, line: 0 });
  const proxies: ProxyDraft[] = [];
  let section: SectionKind | undefined;
  let current: ProxyDraft | undefined;

  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const pos = { file, line: lineNo };
    const tl = tokenizeLine(lines[i]!, env);
    if (!tl.ok) {
      errors.push(new ConfigError("ECFG_SYNTAX", tl.error, { ...pos, col: tl.col }));
      continue;
    }
    const tokens = tl.tokens;
    if (tokens.length === 0) continue;
    const first = tokens[0]!.text;
    if (SECTIONS.has(first as SectionKind)) {
      section = first as SectionKind;
      const name = tokens[1]?.text;
      if (section === "global") {
        current = undefined;
        if (tokens.length > 1)
          errors.push(new ConfigError("ECFG_SYNTAX", `'global' section does not take any argument.`, pos));
        continue;
      }
      if (section === "defaults") {
        if (tokens.length > 2 || (name !== undefined && name.startsWith("from")))
          errors.push(
            new ConfigError(
              "EUNSUPPORTED",
              `named 'defaults' sections with arguments are not supported`,
              pos,
            ),
          );
        defaults = newDraft("defaults", name ?? "", pos);
        current = defaults;
        continue;
      }
      if (name === undefined) {
        errors.push(new ConfigError("ECFG_SYNTAX", `'${section}' expects <name> as an argument.`, pos));
        current = undefined;
        continue;
      }
      if (!/^[A-Za-z0-9_.:-]+$/.test(name)) {
        const bad = /[^A-Za-z0-9_.:-]/.exec(name)![0];
        errors.push(
          new ConfigError(
            "ECFG_NAME",
            `character '${bad}' is not permitted in '${section}' name '${name}'.`,
            pos,
          ),
        );
      }
      if (tokens.length > 2) {
        const extra = tokens[2]!.text;
        errors.push(
          new ConfigError(
            "EUNSUPPORTED",
            extra === "from"
              ? `'${section} ${name} from ...' (named defaults) is not supported`
              : `unexpected argument '${extra}' after '${section} ${name}'`,
            pos,
          ),
        );
      }
      const draft = fromDefaults(defaults, section, name, pos);
      for (const p of proxies) {
        const clash = (draft.isFrontend && p.isFrontend) || (draft.isBackend && p.isBackend);
        if (p.name === name && clash) {
          errors.push(
            new ConfigError(
              "ECFG_DUPLICATE",
              `${section} '${name}' has the same name as ${p.kind} '${name}' declared at ${p.pos.file}:${p.pos.line}.`,
              pos,
            ),
          );
        }
      }
      proxies.push(draft);
      current = draft;
      continue;
    }
    if (section === undefined) {
      errors.push(
        new ConfigError("ECFG_UNKNOWN_KEYWORD", `unknown keyword '${first}' out of section.`, {
          ...pos,
          col: tokens[0]!.col,
        }),
      );
      continue;
    }
    if (section !== "global" && current === undefined) continue; // a broken section header, already reported
    const words = tokens.map((t) => t.text);
    if (section === "global" && isTuneKeyword(first)) {
      warnings.push(
        new ConfigError(
          "WCFG",
          `'${first}' has no effect in netsvc (a single Node.js process); ignored.`,
          pos,
          "warning",
        ),
      );
      continue;
    }
    const found = findKeyword(words);
    if (found === undefined || !found.def.sections.includes(section)) {
      if (found !== undefined) {
        errors.push(
          new ConfigError("ECFG_SECTION", `'${found.def.name}' not allowed in '${section}' section.`, pos),
        );
        continue;
      }
      if (first === "option" && words[1] !== undefined) {
        const opts = allKeywords()
          .filter((k) => k.name.startsWith("option ") && k.sections.includes(section!))
          .map((k) => k.name.slice(7));
        const h = suggest(words[1], opts);
        errors.push(
          new ConfigError(
            "ECFG_UNKNOWN_KEYWORD",
            `unknown option '${words[1]}'${h !== undefined ? `; did you mean '${h}' maybe ?` : "."}`,
            pos,
          ),
        );
        continue;
      }
      const known = allKeywords()
        .filter((k) => k.sections.includes(section!))
        .map((k) => k.name);
      const hint = suggest(words.slice(0, 2).join(" "), known) ?? suggest(first, known);
      errors.push(
        new ConfigError(
          "ECFG_UNKNOWN_KEYWORD",
          `unknown keyword '${words.slice(0, first === "option" || first === "timeout" || first === "stats" || first === "http-check" || first === "http-request" ? 2 : 1).join(" ")}' in '${section}' section${hint !== undefined ? `; did you mean '${hint}' maybe ?` : ""}`,
          { ...pos, col: tokens[0]!.col },
        ),
      );
      continue;
    }
    const kwName = found.def.name;
    const ctx: KwContext = {
      section,
      kw: kwName,
      args: tokens.slice(found.used),
      pos,
      proxy: current,
      global,
      file,
      error: (code, message) => errors.push(new ConfigError(code, message, pos)),
      warn: (message) => warnings.push(new ConfigError("WCFG", message, pos, "warning")),
    };
    found.def.parse(ctx);
  }

  if (errors.length > 0) return { config: undefined, errors, warnings };
  const config = finalize(file, global, proxies, errors, warnings);
  return { config: errors.length > 0 ? undefined : config, errors, warnings };
}

function strip(d: ProxyDraft, id: number): ProxyConfig {
  const { defaultServer: _ds, serverDrafts, uses: _u, ...rest } = d;
  const servers: ServerConfig[] = serverDrafts.map(({ explicit: _e, ...s }) => s);
  return { ...rest, id, servers };
}

/** Cross-proxy checks (HAProxy's check_config_validity) and the final read-only model. */
function finalize(
  file: string,
  global: GlobalConfig,
  drafts: ProxyDraft[],
  errors: ConfigError[],
  warnings: ConfigError[],
): LbConfig {
  const proxies = drafts.map((d, i) => strip(d, i + 1));
  const byName = (name: string): ProxyConfig | undefined =>
    proxies.find((p) => p.isBackend && p.name === name);
  for (const [i, p] of proxies.entries()) {
    const d = drafts[i]!;
    if (p.isFrontend) {
      if (p.binds.length === 0)
        warnings.push(
          new ConfigError(
            "WCFG_NOBIND",
            `${p.kind} '${p.name}' has no 'bind' directive. Please declare it as a backend if this was intended.`,
            p.pos,
            "warning",
          ),
        );
      const targets: { name: string; pos: Position; rule: string }[] = p.useBackends.map((u) => ({
        name: u.backend,
        pos: u.pos,
        rule: "use_backend",
      }));
      if (p.defaultBackend !== undefined)
        targets.push({
          name: p.defaultBackend,
          pos: d.uses.get("default_backend") ?? p.pos,
          rule: "default_backend",
        });
      for (const t of targets) {
        const be = byName(t.name);
        if (be === undefined) {
          errors.push(
            new ConfigError(
              "ECFG_NO_BACKEND",
              `Proxy '${p.name}': unable to find required ${t.rule}: '${t.name}'.`,
              t.pos,
            ),
          );
        } else if (be.mode !== p.mode) {
          errors.push(
            new ConfigError(
              "ECFG_MODE",
              `${p.mode} ${p.kind} '${p.name}' (${p.pos.file}:${p.pos.line}) tries to use incompatible ${be.mode} backend '${be.name}' (${be.pos.file}:${be.pos.line}) in a '${t.rule}' rule (see 'mode').`,
              t.pos,
            ),
          );
        }
      }
    }
    if (p.isBackend) {
      const seen = new Map<string, ServerConfig>();
      for (const s of p.servers) {
        const prev = seen.get(s.name);
        if (prev !== undefined)
          errors.push(
            new ConfigError(
              "ECFG_DUPLICATE",
              `${p.kind} '${p.name}', another server named '${s.name}' was already defined at line ${prev.pos.line}, please use distinct names.`,
              s.pos,
            ),
          );
        seen.set(s.name, s);
      }
    }
    const missing: string[] = [];
    if (p.isFrontend && p.timeouts.client === undefined) missing.push("client");
    if (
      p.isBackend &&
      (p.timeouts.connect === undefined || p.timeouts.server === undefined) &&
      p.stats === undefined
    ) {
      if (p.timeouts.connect === undefined) missing.push("connect");
      if (p.timeouts.server === undefined) missing.push("server");
    }
    if (missing.length > 0 && p.mode !== undefined && (p.servers.length > 0 || p.isFrontend))
      warnings.push(
        new ConfigError(
          "WCFG_TIMEOUTS",
          `missing timeouts for ${p.kind} '${p.name}'. While not properly invalid, you will certainly encounter various problems with such a configuration. To fix this, please ensure that all following timeouts are set to a non-zero value: 'client', 'connect', 'server'.`,
          p.pos,
          "warning",
        ),
      );
  }
  if (!proxies.some((p) => p.binds.length > 0))
    warnings.push(
      new ConfigError(
        "WCFG_NOLISTENER",
        "Configuration file has no error but will not start (no listener).",
        { file, line: 0 },
        "warning",
      ),
    );
  return { file, global, proxies };
}

/** HAProxy's rendering: `parsing [file:line] : message`. */
export function formatHaproxy(e: ConfigError): string {
  if (e.line === 0) return e.message;
  return `parsing [${e.file}:${e.line}] : ${e.message}`;
}
