import { readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { endianness } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { buildListeners, type Listener, type ProcessInfo } from "./listeners.ts";
import { isListening, NET_PROTOS, parseProcNet, type Endianness, type ProcSocket } from "./procnet.ts";
import { programName, recogniseNetsvc, socketInode, splitCmdline } from "./processes.ts";
import { builtinServices, parseServices, type ServiceTable } from "./services.ts";

/**
 * The thin shell of `netsvc ports`: reads /proc and /etc/services and hands the text to the pure
 * parsers. Every read of another process's files may fail (it exited, or belongs to another user
 * and we are not root): such a process is skipped, and its sockets show no PID, as with netstat.
 */

export interface ScanOptions {
  /** Where procfs is mounted (tests point it at a fixture tree). */
  proc?: string;
  servicesFile?: string;
  endian?: Endianness;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Every socket of /proc/net/{tcp,tcp6,udp,udp6}; a missing file (no IPv6) contributes nothing. */
export function readSockets(proc: string, endian: Endianness): ProcSocket[] {
  const out: ProcSocket[] = [];
  for (const proto of NET_PROTOS) {
    const file = join(proc, "net", proto);
    const text = readOrUndefined(file);
    if (text !== undefined) out.push(...parseProcNet(text, proto, endian, file));
  }
  return out;
}

/** /etc/services, or the built-in copy when the file cannot be read. */
export function loadServices(file: string): ServiceTable {
  const text = readOrUndefined(file);
  return text === undefined ? builtinServices() : parseServices(text).table;
}

/**
 * Does this argv entry name a script of the netsvc package? True when the nearest package.json
 * above the file says `"name": "netsvc"` (an installed package or a development checkout).
 */
function netsvcScriptTester(): (path: string, cwd: string | undefined) => boolean {
  const byDir = new Map<string, boolean>();
  const packageIsNetsvc = (start: string): boolean => {
    const seen: string[] = [];
    let dir = start;
    let answer = false;
    for (;;) {
      const known = byDir.get(dir);
      if (known !== undefined) {
        answer = known;
        break;
      }
      seen.push(dir);
      const pkg = readOrUndefined(join(dir, "package.json"));
      if (pkg !== undefined) {
        try {
          answer = (JSON.parse(pkg) as { name?: unknown }).name === "netsvc";
        } catch {
          answer = false;
        }
        break;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    for (const d of seen) byDir.set(d, answer);
    return answer;
  };
  return (path, cwd) => {
    if (!/\.[cm]?[jt]s$/.test(path)) return false;
    if (!isAbsolute(path) && cwd === undefined) return false;
    try {
      return packageIsNetsvc(dirname(realpathSync(isAbsolute(path) ? path : resolve(cwd!, path))));
    } catch {
      return false;
    }
  };
}

/**
 * Map each wanted socket inode to the processes holding it, walking /proc/<pid>/fd in PID order.
 * Only processes holding a wanted socket have their cmdline and comm read.
 */
export interface Owners {
  owners: Map<number, ProcessInfo[]>;
  /** Processes whose fd folder we were not allowed to read (another user's, without root). */
  denied: number;
}

export function readOwners(proc: string, wanted: ReadonlySet<number>): Owners {
  const owners = new Map<number, ProcessInfo[]>();
  let denied = 0;
  const isScript = netsvcScriptTester();
  let pids: number[];
  try {
    pids = readdirSync(proc)
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return { owners, denied };
  }
  for (const pid of pids) {
    const base = join(proc, String(pid));
    let fds: string[];
    try {
      fds = readdirSync(join(base, "fd"));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EACCES" || code === "EPERM") denied++;
      continue;
    }
    const inodes = new Set<number>();
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(join(base, "fd", fd));
      } catch {
        continue;
      }
      const inode = socketInode(target);
      if (inode !== undefined && wanted.has(inode)) inodes.add(inode);
    }
    if (inodes.size === 0) continue;
    const cmdline = readOrUndefined(join(base, "cmdline")) ?? "";
    const comm = readOrUndefined(join(base, "comm")) ?? "";
    let cwd: string | undefined;
    try {
      cwd = readlinkSync(join(base, "cwd"));
    } catch {
      cwd = undefined;
    }
    const info: ProcessInfo = {
      pid,
      program: programName(cmdline, comm),
      netsvc: recogniseNetsvc(splitCmdline(cmdline), (p) => isScript(p, cwd)),
    };
    for (const inode of inodes) {
      const list = owners.get(inode);
      if (list === undefined) owners.set(inode, [info]);
      else list.push(info);
    }
  }
  return { owners, denied };
}

export interface ScanResult {
  listeners: Listener[];
  /** Some processes could not be inspected: their sockets show no PID (netstat warns then). */
  incomplete: boolean;
}

/** Everything `netsvc ports` shows. */
export function scanListeners(opts: ScanOptions = {}): ScanResult {
  const proc = opts.proc ?? "/proc";
  const sockets = readSockets(proc, opts.endian ?? endianness());
  const wanted = new Set(sockets.filter(isListening).map((s) => s.inode));
  wanted.delete(0);
  const { owners, denied } = readOwners(proc, wanted);
  const services = loadServices(opts.servicesFile ?? "/etc/services");
  return { listeners: buildListeners(sockets, owners, services), incomplete: denied > 0 };
}
