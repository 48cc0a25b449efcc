import type { ConfigError } from "../../lib/errors.ts";
import type { Zone } from "./zone.ts";

/**
 * Load a BIND master file into a Zone.
 *
 * Contract: resolves with the zone and the warnings (named-checkzone's non-fatal findings), or
 * rejects with ConfigErrors listing every error found, each `file:line: message`, so a reload can
 * keep serving the old zone. `origin` is the zone name as in named.conf (`example.com` or
 * `example.com.`). $INCLUDE paths are relative to the including file's directory (named runs in
 * its `directory`; DNS-B passes absolute paths or paths relative to that directory).
 */
export async function loadZoneFile(
  file: string,
  origin: string,
): Promise<{ zone: Zone; warnings: ConfigError[] }> {
  const { loadZone } = await import("./parse.ts");
  return loadZone(file, origin);
}
