import { execFileSync } from "node:child_process";
import type { TestContext } from "node:test";

/**
 * Real clients (dig, kdig, curl, the libnfs tools, chromium...) are what the tests speak with.
 * When one is missing the test skips on a developer's machine, but fails in CI (CI set), where
 * .ci/run must have installed it.
 */
export function hasTool(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Returns true when the tool is there; otherwise skips the test (or throws under CI). */
export function needTool(t: TestContext, name: string): boolean {
  if (hasTool(name)) return true;
  if (process.env.CI) throw new Error(`${name} is required in CI but is not installed`);
  t.skip(`${name} is not installed`);
  return false;
}
