import type { ConfigError } from "../../lib/errors.ts";
import { loadZone, type LoadOptions } from "./parse.ts";
import type { Zone } from "./zone.ts";

export type { LoadOptions };

/**
 * Load a BIND master file into a Zone.
 *
 * Contract: resolves with the zone and the warnings (named-checkzone's non-fatal findings: data
 * outside the zone ignored, RRset TTL mismatch, missing glue below a delegation), or rejects with
 * ConfigErrors listing every error found, each `file:line: message` (toString) with a stable code
 * (EZONE_*), so a reload can keep serving the old zone. `origin` is the zone name as in named.conf
 * (`example.com` or `example.com.`). Relative $INCLUDE paths resolve against opts.directory
 * (pass named.conf's `directory`, as named does), else against the zone file's folder.
 */
export function loadZoneFile(
  file: string,
  origin: string,
  opts: LoadOptions = {},
): Promise<{ zone: Zone; warnings: ConfigError[] }> {
  return loadZone(file, origin, opts);
}
