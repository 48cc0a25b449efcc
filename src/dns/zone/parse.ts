import { NetsvcError, type ConfigError } from "../../lib/errors.ts";
import type { Zone } from "./zone.ts";

// Interface-first commit: the real parser lands in the next commits.
export function loadZone(_file: string, _origin: string): Promise<{ zone: Zone; warnings: ConfigError[] }> {
  return Promise.reject(new NetsvcError("ENOTYET", "zone loading is being written"));
}
