import { parseConfigText } from "../../../src/lb/config/load.ts";
import type { ProxyConfig } from "../../../src/lb/config/model.ts";
import { createBackendState, type BackendState } from "../../../src/lb/engine/backend.ts";
import type { RequestInfo } from "../../../src/lb/engine/balance/algorithm.ts";

/** A manual clock for engine tests. */
export class TestClock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

/** Build a backend from haproxy.cfg lines (the body of `backend b`). */
export function backendFrom(
  lines: string[],
  clock = new TestClock(),
  random = Math.random,
  share?: { index: number; count: number },
): BackendState {
  const text = [
    "defaults",
    "  mode http",
    "  timeout connect 1s",
    "  timeout server 1s",
    "backend b",
    ...lines.map((l) => `  ${l}`),
  ].join("\n");
  const r = parseConfigText(text, "test.cfg");
  if (r.config === undefined) throw new Error(r.errors.map((e) => e.message).join("\n"));
  return createBackendState(r.config.proxies[0]!, {
    clock,
    env: share === undefined ? { random } : { random, share },
  });
}

export function proxyFrom(lines: string[]): ProxyConfig {
  const r = parseConfigText(
    ["defaults", "  mode http", "backend b", ...lines.map((l) => `  ${l}`)].join("\n"),
    "test.cfg",
  );
  if (r.config === undefined) throw new Error(r.errors.map((e) => e.message).join("\n"));
  return r.config.proxies[0]!;
}

export function req(over: Partial<RequestInfo> = {}): RequestInfo {
  return { src: "127.0.0.1", method: "GET", uri: "/", headers: {}, ...over };
}

export function servers(n: number, extra = ""): string[] {
  return Array.from({ length: n }, (_, i) => `server s${i} 127.0.0.1:${8000 + i} ${extra}`.trim());
}
