/**
 * Who owns a socket, from what /proc shows of a process: the `socket:[INODE]` links under
 * /proc/<pid>/fd, the program name, and whether the process is one of netsvc's servers.
 * Pure: the shell (scan.ts) reads the files and passes their text here.
 */

/** `readlink /proc/<pid>/fd/<n>` of a socket is `socket:[12345]`; anything else is not a socket. */
export function socketInode(linkTarget: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(linkTarget);
  return m ? Number(m[1]) : undefined;
}

/** /proc/<pid>/cmdline is argv joined by NUL bytes (with a trailing NUL). */
export function splitCmdline(raw: string): string[] {
  const parts = raw.split("\0");
  // A process that set its title (process.title, setproctitle) leaves NUL padding behind.
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/**
 * The program name netstat prints: argv[0], reduced to its last path component when it is an
 * absolute path (a process that rewrote its argv, like `nginx: master process ...`, keeps its
 * text). Kernel threads and zombies have an empty cmdline: then /proc/<pid>/comm, as ps does.
 */
export function programName(cmdlineRaw: string, comm: string): string {
  const argv0 = splitCmdline(cmdlineRaw)[0] ?? "";
  if (argv0 === "") return comm.replace(/\n$/, "");
  if (argv0.startsWith("/")) return argv0.slice(argv0.lastIndexOf("/") + 1);
  return argv0;
}

/** The CLI commands that run a netsvc server (DESIGN.md CLI contract). */
export const NETSVC_SERVERS = ["dns", "lb", "nfs", "workers", "up"] as const;
export type NetsvcServer = (typeof NETSVC_SERVERS)[number];

export interface NetsvcProcess {
  command: NetsvcServer;
  /** `up --port-offset N`: the lab ports are shifted by N (0 when absent). */
  portOffset: number;
  /** `up --dir DIR`: a lab other than the embedded one, whose ports netsvc cannot know. */
  customLab: boolean;
}

/**
 * Recognise a netsvc server from its argv: `.../netsvc CMD ...` (the installed bin, run by node
 * through its shebang, or argv[0] itself), or any script the caller's `isNetsvcScript` recognises
 * (the shell checks that the path belongs to the netsvc package, which covers a development checkout
 * run as `node dist/src/cli/main.js dns`). The command is the word right after the script. A
 * process that set its title to `netsvc dns ...` (process.title) has that one string as its cmdline.
 */
export function recogniseNetsvc(
  cmdline: readonly string[],
  isNetsvcScript: (path: string) => boolean = () => false,
): NetsvcProcess | undefined {
  const argv = cmdline.length === 1 && cmdline[0]!.includes(" ") ? cmdline[0]!.split(/\s+/) : cmdline;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const base = a.slice(a.lastIndexOf("/") + 1);
    if (base !== "netsvc" && !(a.startsWith("-") ? false : isNetsvcScript(a))) continue;
    const command = argv[i + 1];
    if (command === undefined || !(NETSVC_SERVERS as readonly string[]).includes(command)) return undefined;
    const rest = argv.slice(i + 2);
    let portOffset = 0;
    let customLab = false;
    for (let j = 0; j < rest.length; j++) {
      const r = rest[j]!;
      const eq = r.indexOf("=");
      const [flag, inline] = eq > 0 ? [r.slice(0, eq), r.slice(eq + 1)] : [r, undefined];
      if (flag === "--port-offset") {
        const v = inline ?? rest[j + 1];
        if (v !== undefined && /^\d+$/.test(v)) portOffset = Number(v);
      } else if (flag === "--dir") customLab = true;
    }
    return { command: command as NetsvcServer, portOffset, customLab };
  }
  return undefined;
}

/**
 * The lab's ports (DESIGN.md, "The lab"): which service of `netsvc up` listens on each. Only used
 * to say `netsvc up/dns` instead of `netsvc up` for the embedded lab.
 */
export const LAB_PORTS: ReadonlyMap<number, Exclude<NetsvcServer, "up">> = new Map([
  [53, "dns"],
  [111, "nfs"],
  [2049, "nfs"],
  [20048, "nfs"],
  [7000, "lb"],
  [7001, "lb"],
  [8080, "workers"],
  [8081, "workers"],
  [8082, "workers"],
  [8083, "workers"],
  [8084, "workers"],
  [8085, "workers"],
]);

/** The label of a netsvc listener: `netsvc dns`, or for `up` the service when the port says it. */
export function netsvcLabel(p: NetsvcProcess, port: number): string {
  if (p.command !== "up") return `netsvc ${p.command}`;
  if (!p.customLab) {
    const service = LAB_PORTS.get(port - p.portOffset);
    if (service !== undefined) return `netsvc up/${service}`;
  }
  return "netsvc up";
}
