import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { NetsvcError } from "../lib/errors.ts";

/**
 * Where the lab's files live. The package ships `lab/` (configs and `data/`), possibly read-only;
 * `netsvc up` runs the configs from there (or from `--dir`) and keeps everything it writes in a
 * state folder: the exports' data (`data/`, the public tree refreshed from the lab on every start,
 * the users' private folders created once and never overwritten), generated configs (`run/`) and
 * the services' logs (`logs/`).
 */

/** The lab files shipped with the package: `<package>/lab`. */
export const EMBEDDED_LAB = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "../../lab" : "../../../lab", import.meta.url),
);

/** The config files a lab folder holds (data/ besides). */
export const LAB_FILES = [
  "named.conf",
  "named.conf.options",
  "named.conf.local",
  "db.example.com",
  "db.root.loopback",
  "haproxy.cfg",
  "exports",
] as const;

/** Export paths whose line is the template of the per-user exports. */
export const PRIVATE_ROOT = "/opt/lab7/private";
/** The user whose private folder in the lab's data/ seeds a new user's folder. */
export const TEMPLATE_USER = "student";

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== ""
      ? env.XDG_STATE_HOME
      : join(env.HOME ?? homedir(), ".local", "state");
  return join(base, "netsvc", "lab");
}

/** `netsvc up --init DIR`: copy the lab's files to DIR for editing (never over existing files). */
export function initLabDir(dest: string, from = EMBEDDED_LAB): string[] {
  const target = resolve(dest);
  const clash = [...LAB_FILES, "data"].filter((f) => existsSync(join(target, f)));
  if (clash.length > 0)
    throw new NetsvcError(
      "EEXIST",
      `${target} already holds ${clash.join(", ")}: choose an empty or new folder (nothing was written)`,
    );
  mkdirSync(target, { recursive: true });
  for (const f of LAB_FILES) cpSync(join(from, f), join(target, f));
  cpSync(join(from, "data"), join(target, "data"), { recursive: true });
  return [...LAB_FILES, "data/"];
}

/** Check that DIR is a lab folder; returns its absolute path. */
export function checkLabDir(dir: string): string {
  const d = resolve(dir);
  const missing = ["named.conf", "haproxy.cfg", "exports"].filter((f) => !existsSync(join(d, f)));
  if (missing.length > 0)
    throw new NetsvcError(
      "ENOENT",
      `${d} is not a lab folder (missing ${missing.join(", ")}); create one with: netsvc up --init ${dir}`,
    );
  return d;
}

export interface LabUser {
  name: string;
  uid: number;
  gid: number;
}

const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;

export function parseUsers(text: string): string[] {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 0) throw new NetsvcError("EUSAGE", "--users: give at least one user name");
  for (const n of names)
    if (!USER_RE.test(n))
      throw new NetsvcError("EUSAGE", `--users: '${n}' is not a user name (lower-case letters, digits, _ -)`);
  return [...new Set(names)];
}

/** uid/gid of system users, from /etc/passwd. */
function passwd(): Map<string, { uid: number; gid: number }> {
  const out = new Map<string, { uid: number; gid: number }>();
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const f = line.split(":");
      if (f.length >= 4) out.set(f[0]!, { uid: Number(f[2]), gid: Number(f[3]) });
    }
  } catch {
    // No /etc/passwd: every user gets a lab uid.
  }
  return out;
}

/**
 * Who owns each private folder. Run as root, a user's folder belongs to the system user of that
 * name when there is one, else to uid/gid 1000 + its index (the NFS client says which uid it is:
 * `?uid=1000&gid=1000` in libnfs URLs). Run as anyone else, the folders are that user's.
 */
export function labUsers(names: string[]): LabUser[] {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid !== 0) return names.map((name) => ({ name, uid, gid }));
  const sys = passwd();
  return names.map((name, i) => {
    const u = sys.get(name);
    return u !== undefined && u.uid !== 0 ? { name, ...u } : { name, uid: 1000 + i, gid: 1000 + i };
  });
}

/**
 * Prepare the state folder: `data/` from the lab's data/ (everything but the private root is
 * refreshed; each user's private folder is created once, seeded from the lab's data for that user
 * or for `student`, and chowned to the user when running as root), `run/` and `logs/`.
 */
export function prepareState(state: string, labDir: string, users: LabUser[]): void {
  const data = join(state, "data");
  const src = join(labDir, "data");
  mkdirSync(join(state, "run"), { recursive: true });
  mkdirSync(join(state, "logs"), { recursive: true });
  mkdirSync(data, { recursive: true });
  const privRel = PRIVATE_ROOT.slice(1);
  if (existsSync(src)) refresh(src, data, privRel, "");
  const priv = join(data, privRel);
  mkdirSync(priv, { recursive: true });
  for (const u of users) {
    const dir = join(priv, u.name);
    if (!existsSync(dir)) {
      const seed = [join(src, privRel, u.name), join(src, privRel, TEMPLATE_USER)].find((d) => existsSync(d));
      if (seed !== undefined) cpSync(seed, dir, { recursive: true });
      else mkdirSync(dir);
      if (process.getuid?.() === 0) chownTree(dir, u.uid, u.gid);
    }
  }
}

/** Copy src over dst, except the subtree `skip` (relative), which is left to the users. */
function refresh(src: string, dst: string, skip: string, rel: string): void {
  for (const name of readdirSync(src)) {
    const r = rel === "" ? name : `${rel}/${name}`;
    const s = join(src, name);
    const d = join(dst, name);
    if (r === skip) continue;
    if (statSync(s).isDirectory() && (skip.startsWith(`${r}/`) || r === skip)) {
      mkdirSync(d, { recursive: true });
      refresh(s, d, skip, r);
    } else {
      rmSync(d, { recursive: true, force: true });
      cpSync(s, d, { recursive: true });
    }
  }
}

function chownTree(p: string, uid: number, gid: number): void {
  chownSync(p, uid, gid);
  if (statSync(p).isDirectory()) for (const n of readdirSync(p)) chownTree(join(p, n), uid, gid);
}
