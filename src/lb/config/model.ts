/**
 * The validated haproxy.cfg model: what `loadConfig()` returns and what the LB runtime consumes.
 *
 * Contract (shared by the config layer, the engine, the checks, the stats and the runtime):
 * - Every value is already validated and has its defaults applied (`defaults` sections are folded
 *   into each proxy that follows them), so the runtime never re-parses text or guesses defaults.
 * - Times are milliseconds (`undefined` = not set, which for a timeout means "no timeout").
 * - Names are unique per kind (HAProxy's rule): proxy names, server names inside a backend, ACL
 *   names inside a proxy may repeat (several `acl X` lines OR together, as in HAProxy).
 * - `pos` is where the object was declared, for messages at run time.
 * - Objects are plain data (no methods), treat them as read-only; a reload builds a new model.
 */
import type { Position } from "../../lib/errors.ts";

export type Mode = "http" | "tcp";

/** `balance` algorithms, one file each under src/lb/engine/balance/. */
export type BalanceAlgorithm =
  "roundrobin" | "static-rr" | "leastconn" | "first" | "source" | "uri" | "hdr" | "random";

export interface Balance {
  algorithm: BalanceAlgorithm;
  /** `hdr(NAME)`: the header name, lower-cased. */
  header?: string;
  /** `random(N)`: number of draws (HAProxy's default 2, power of two choices). */
  draws?: number;
  /** `uri whole`: hash the query string too (default: the path only). */
  whole?: boolean;
}

export interface Bind {
  /** Literal address ("0.0.0.0", "::", "127.0.0.1"); `*` / empty become "0.0.0.0". */
  host: string;
  /** 0 = let the OS choose (the ready line reports the real port). */
  port: number;
  /** `ssl crt FILE`: TLS termination with a PEM holding cert and key (read by the runtime). */
  ssl?: { crt: string };
  /** `v6only` / `v4v6` are not supported; `::` listens on both, as HAProxy on Linux. */
  pos: Position;
}

/** All `timeout X` values, ms. */
export interface Timeouts {
  connect?: number;
  client?: number;
  server?: number;
  check?: number;
  queue?: number;
  httpRequest?: number;
  httpKeepAlive?: number;
}

/** ACL fetches we support, with HAProxy's names. */
export type AclFetch = "hdr" | "hdr_beg" | "hdr_end" | "hdr_sub" | "path" | "path_beg" | "path_end" | "src";

export interface Acl {
  name: string;
  fetch: AclFetch;
  /** `hdr(host)`: header name, lower-cased (hdr* fetches only). */
  header?: string;
  /** `-i`: case-insensitive match. */
  ignoreCase: boolean;
  /** Patterns; for `src`, CIDR strings (parsed by the engine with lib/acl). */
  patterns: string[];
  pos: Position;
}

/**
 * A condition after `if` / `unless`: HAProxy's grammar, an OR (`||` / `or`) of AND-ed terms, each
 * term an ACL name possibly negated with `!`. Anonymous ACLs (`{ ... }`) are not supported.
 */
export interface Condition {
  /** `unless` inverts the whole result. */
  unless: boolean;
  /** OR of ANDs. */
  anyOf: { acl: string; negate: boolean }[][];
  pos: Position;
}

export type HttpRequestRule =
  | { action: "deny"; status: number; cond?: Condition; pos: Position }
  | {
      action: "return";
      status: number;
      contentType?: string;
      /** `string TEXT` / `lf-string TEXT` (lf: log-format, only literal text and %% supported). */
      body?: string;
      cond?: Condition;
      pos: Position;
    }
  | { action: "set-header"; name: string; value: string; cond?: Condition; pos: Position }
  | {
      action: "redirect";
      kind: "location" | "prefix" | "scheme";
      target: string;
      /** 301, 302 (default), 303, 307, 308. */
      code: number;
      cond?: Condition;
      pos: Position;
    };

export interface UseBackend {
  backend: string;
  /** Absent: unconditional (`use_backend NAME`). */
  cond?: Condition;
  pos: Position;
}

/** `option httpchk` + `http-check expect`. Absent = TCP connect checks. */
export interface HttpCheck {
  method: string;
  uri: string;
  /** "HTTP/1.0" unless given (HAProxy's default). */
  version: string;
  /** Host header when given as `option httpchk GET / HTTP/1.1\r\nHost:\ x` or `http-check send hdr`. */
  headers: [string, string][];
  /** Absent = any 2xx or 3xx passes (HAProxy's default). */
  expect?:
    { kind: "status"; codes: number[]; negate: boolean } | { kind: "string"; text: string; negate: boolean };
}

export interface ServerConfig {
  name: string;
  /** Server id (HAProxy's `sid` / puid): 1, 2, ... in declaration order unless `id N`. */
  id: number;
  host: string;
  port: number;
  /** `check`: health checks enabled. Without it the server is always operationally UP. */
  check: boolean;
  /** `port N`: health check port (default: the traffic port). */
  checkPort?: number;
  /** `addr A`: not supported (an error). */
  inter: number;
  /** Defaults to `inter`. */
  fastinter: number;
  /** Defaults to `inter`. */
  downinter: number;
  rise: number;
  fall: number;
  /** 0..256, default 1. 0 = takes no load-balanced traffic. */
  weight: number;
  backup: boolean;
  /** 0 = unlimited. */
  maxconn: number;
  /** `disabled`: starts in MAINT admin state. */
  disabled: boolean;
  pos: Position;
}

export interface StatsAuth {
  user: string;
  /** Plain password (`stats auth user:password`). */
  password: string;
}

export interface StatsConfig {
  /** Default "/haproxy?stats". */
  uri: string;
  hideVersion: boolean;
  /** `stats refresh`: ms, page auto-refresh. */
  refresh?: number;
  /** Default "HAProxy Statistics". */
  realm: string;
  /** Empty = no authentication. */
  auth: StatsAuth[];
  /** `stats admin if COND`: clients for which COND holds may change server states. */
  admin?: Condition;
}

export interface LogConfig {
  /** `log stdout` (with `format raw|rfc3164|...` which we print as-is) or `log global`. */
  target: "stdout";
  format: string;
  facility: string;
}

export interface ProxyConfig {
  name: string;
  /** `frontend`, `backend` or `listen` (both). */
  kind: "frontend" | "backend" | "listen";
  /** Proxy id (HAProxy's `iid`): 1, 2, ... in declaration order. */
  id: number;
  /** Has a frontend side (frontend, listen). */
  isFrontend: boolean;
  /** Has a backend side (backend, listen). */
  isBackend: boolean;
  mode: Mode;
  binds: Bind[];
  timeouts: Timeouts;
  /** Frontend `maxconn` (0 = global's). */
  maxconn: number;
  acls: Acl[];
  httpRequest: HttpRequestRule[];
  useBackends: UseBackend[];
  defaultBackend?: string;
  /** `option forwardfor`: add X-Forwarded-For. */
  forwardFor: boolean;
  /** `option httplog` / `option tcplog`; undefined = HAProxy's minimal default. */
  logFormat?: "httplog" | "tcplog";
  /** Where request logs go (from `log` lines, `log global` resolved). Empty = no request logs. */
  logs: LogConfig[];
  /** Stats served by this proxy (`stats enable` or any `stats` keyword). */
  stats?: StatsConfig;
  // --- backend side ---
  balance: Balance;
  servers: ServerConfig[];
  httpCheck?: HttpCheck;
  /** Default 3. */
  retries: number;
  /** `option redispatch`: a retry may go to another server. */
  redispatch: boolean;
  pos: Position;
}

export interface GlobalConfig {
  /** Process-wide `maxconn` (HAProxy's default depends on ulimit; we use 4096 when unset). */
  maxconn: number;
  logs: LogConfig[];
}

export interface LbConfig {
  file: string;
  global: GlobalConfig;
  /** In declaration order. */
  proxies: ProxyConfig[];
}

/** Constants the model's defaults come from (HAProxy's). */
export const DEFAULTS = {
  inter: 2000,
  rise: 2,
  fall: 3,
  weight: 1,
  retries: 3,
  statsUri: "/haproxy?stats",
  statsRealm: "HAProxy Statistics",
  globalMaxconn: 4096,
} as const;

export function findProxy(config: LbConfig, name: string): ProxyConfig | undefined {
  return config.proxies.find((p) => p.name === name);
}
