import type { LiveExports } from "../exports/table.ts";
import type { ClientInfo } from "../rpc/types.ts";
import type { MountBackend } from "./backend.ts";
import type { MountList } from "./state.ts";

/** What the MOUNT procedures work with (built by the server). */
export interface MountDeps {
  exports: LiveExports;
  backend: MountBackend;
  mounts: MountList;
  /** The name recorded in the mount list for a client (its reverse name, else its address). */
  hostname(client: ClientInfo): string;
  /** Resolve the client's reverse name before matching (host-name and wildcard specs need it). */
  resolveNames?(address: string): Promise<void>;
}
