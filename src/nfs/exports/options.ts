import type { ExportOptions } from "./types.ts";

/**
 * The export options we implement, ONE descriptor per keyword (man 5 exports, "General Options"
 * and "User ID Mapping"). Anything not in this table is an error naming the option: we never
 * parse an option and ignore it.
 *
 * Defaults are exportfs's: ro, sync, root_squash, secure, no_subtree_check, anonuid=anongid=65534.
 */
export type MutableOptions = { -readonly [K in keyof ExportOptions]: ExportOptions[K] };

export const DEFAULT_OPTIONS: ExportOptions = {
  rw: false,
  sync: true,
  rootSquash: true,
  allSquash: false,
  anonuid: 65534,
  anongid: 65534,
  secure: true,
  subtreeCheck: false,
  fsid: undefined,
};

interface OptionDescriptor {
  /** Set the option; value is the text after `=` (undefined when absent). Returns an error. */
  apply(o: MutableOptions, value: string | undefined): string | undefined;
  /** Whether the option takes `=value`. */
  valued: boolean;
}

const flag = (set: (o: MutableOptions) => void): OptionDescriptor => ({
  valued: false,
  apply: (o) => {
    set(o);
    return undefined;
  },
});

const id = (set: (o: MutableOptions, v: number) => void, name: string): OptionDescriptor => ({
  valued: true,
  apply: (o, v) => {
    // exportfs accepts -1 (some setups write anonuid=-1) as 65535 in 16-bit days; we take 0..2^32-1.
    if (v === undefined || !/^\d+$/.test(v) || Number(v) > 0xffffffff)
      return `${name} needs a numeric id 0..4294967295, got '${v ?? ""}'`;
    set(o, Number(v));
    return undefined;
  },
});

export const OPTIONS: Readonly<Record<string, OptionDescriptor>> = {
  ro: flag((o) => (o.rw = false)),
  rw: flag((o) => (o.rw = true)),
  sync: flag((o) => (o.sync = true)),
  async: flag((o) => (o.sync = false)),
  root_squash: flag((o) => (o.rootSquash = true)),
  no_root_squash: flag((o) => (o.rootSquash = false)),
  all_squash: flag((o) => (o.allSquash = true)),
  no_all_squash: flag((o) => (o.allSquash = false)),
  anonuid: id((o, v) => (o.anonuid = v), "anonuid"),
  anongid: id((o, v) => (o.anongid = v), "anongid"),
  secure: flag((o) => (o.secure = true)),
  insecure: flag((o) => (o.secure = false)),
  subtree_check: flag((o) => (o.subtreeCheck = true)),
  no_subtree_check: flag((o) => (o.subtreeCheck = false)),
  // Writes are never delayed here, which is what no_wdelay asks for.
  no_wdelay: flag(() => undefined),
  fsid: {
    valued: true,
    apply: (o, v) => {
      if (v === undefined || !(/^\d+$/.test(v) || v === "root" || /^[0-9a-fA-F-]{8,}$/.test(v)))
        return `fsid needs a number, 'root' or a UUID, got '${v ?? ""}'`;
      o.fsid = v === "root" ? "0" : v;
      return undefined;
    },
  },
  sec: {
    valued: true,
    apply: (_o, v) =>
      v === "sys" ? undefined : `sec=${v ?? ""} is not supported (only sec=sys: AUTH_SYS and AUTH_NONE)`,
  },
};

/** Known Linux options we do not implement, with the reason given in the error. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  wdelay: "write gathering is not implemented (use no_wdelay)",
  nohide: "crossing into other file systems is not implemented",
  hide: "crossing into other file systems is not implemented",
  crossmnt: "crossing into other file systems is not implemented",
  mp: "mount point checks are not implemented",
  mountpoint: "mount point checks are not implemented",
  refer: "NFSv4 referrals are not implemented",
  replicas: "NFSv4 replicas are not implemented",
  pnfs: "pNFS is not implemented",
  no_pnfs: "pNFS is not implemented",
  security_label: "security labels are not implemented",
  insecure_locks: "NLM locking is not implemented",
  no_auth_nlm: "NLM locking is not implemented",
  secure_locks: "NLM locking is not implemented",
  auth_nlm: "NLM locking is not implemented",
  no_acl: "ACLs are not implemented",
  acl: "ACLs are not implemented",
};

/** Parse `rw,sync,anonuid=1000` on top of `base`. Errors carry the option's offset in `text`. */
export function parseOptions(
  text: string,
  base: ExportOptions = DEFAULT_OPTIONS,
): { options: ExportOptions; errors: { message: string; offset: number }[] } {
  const o: MutableOptions = { ...base };
  const errors: { message: string; offset: number }[] = [];
  let offset = 0;
  if (text === "") return { options: o, errors }; // `host()`: the defaults
  for (const item of text.split(",")) {
    const at = offset;
    offset += item.length + 1;
    if (item === "") {
      errors.push({ message: "empty option", offset: at });
      continue;
    }
    const eq = item.indexOf("=");
    const name = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? undefined : item.slice(eq + 1);
    const d = OPTIONS[name];
    if (d === undefined) {
      const why = UNSUPPORTED[name];
      errors.push({
        message: why !== undefined ? `unsupported option '${name}': ${why}` : `unknown option '${name}'`,
        offset: at,
      });
      continue;
    }
    if (!d.valued && value !== undefined) {
      errors.push({ message: `option '${name}' takes no value`, offset: at });
      continue;
    }
    const err = d.apply(o, value);
    if (err !== undefined) errors.push({ message: err, offset: at });
  }
  return { options: o, errors };
}

/** Options rendered as exportfs -v shows them (for logs, `showmount`-like output and goldens). */
export function formatOptions(o: ExportOptions): string {
  const parts = [
    o.rw ? "rw" : "ro",
    o.sync ? "sync" : "async",
    o.secure ? "secure" : "insecure",
    o.subtreeCheck ? "subtree_check" : "no_subtree_check",
    o.rootSquash ? "root_squash" : "no_root_squash",
  ];
  if (o.allSquash) parts.push("all_squash");
  if (o.anonuid !== 65534) parts.push(`anonuid=${o.anonuid}`);
  if (o.anongid !== 65534) parts.push(`anongid=${o.anongid}`);
  if (o.fsid !== undefined) parts.push(`fsid=${o.fsid}`);
  return parts.join(",");
}
