import type { Listener } from "./listeners.ts";

/**
 * Output of `netsvc ports`: the table of `netstat -plunt` (net-tools 2.10, netstat.c tcp_do_one /
 * udp_do_one / finish_this_one) with one more column, Service; or JSON.
 *
 * Same column widths as netstat; two differences on purpose: addresses are never cut short (netstat
 * trims them to 23 characters unless -W), and an IPv4-mapped address on a tcp6/udp6 socket keeps its
 * `::ffff:` prefix (as ss prints it) where netstat shows the bare IPv4 address.
 */

export const TABLE_TITLE = "Active Internet connections (only servers)";
/** What netstat prints on stderr when it could not read some processes' descriptors. */
export const INCOMPLETE_NOTE =
  "(Not all processes could be identified, non-owned process info\n" +
  " will not be shown, you would have to be root to see it all.)\n";
/** netstat prints `PID/program` into a 20-byte buffer: at most 19 characters. */
export const PROGRAM_WIDTH = 19;

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function padLeft(text: string, width: number): string {
  return text.length >= width ? text : " ".repeat(width - text.length) + text;
}

/** `addr:port`, IPv6 without brackets (netstat's way); `*` for port 0 on the foreign side. */
export function endpointText(address: string, port: number, foreign: boolean): string {
  return `${address}:${foreign && port === 0 ? "*" : String(port)}`;
}

/** The Service column: the /etc/services name, the netsvc mark, or both: `domain (netsvc dns)`. */
export function serviceText(l: Listener): string {
  if (l.netsvc !== null && l.service !== null) return `${l.service} (${l.netsvc})`;
  return l.netsvc ?? l.service ?? "";
}

function row(cols: {
  proto: string;
  recvQ: string;
  sendQ: string;
  local: string;
  foreign: string;
  state: string;
  program: string;
  service: string;
}): string {
  const line =
    `${pad(cols.proto, 5)} ${padLeft(cols.recvQ, 6)} ${padLeft(cols.sendQ, 6)} ` +
    `${pad(cols.local, 23)} ${pad(cols.foreign, 23)} ${pad(cols.state, 11)} ` +
    `${pad(cols.program, PROGRAM_WIDTH + 1)} ${cols.service}`;
  return line.trimEnd();
}

export function formatTable(listeners: readonly Listener[]): string {
  const lines = [
    TABLE_TITLE,
    row({
      proto: "Proto",
      recvQ: "Recv-Q",
      sendQ: "Send-Q",
      local: "Local Address",
      foreign: "Foreign Address",
      state: "State",
      program: "PID/Program name",
      service: "Service",
    }),
  ];
  for (const l of listeners) {
    lines.push(
      row({
        proto: l.proto,
        recvQ: String(l.recvQ),
        sendQ: String(l.sendQ),
        local: endpointText(l.localAddress, l.localPort, false),
        foreign: endpointText(l.foreignAddress, l.foreignPort, true),
        // netstat leaves the state of an unconnected UDP socket empty.
        state: l.state === "LISTEN" ? "LISTEN" : "",
        program: l.pid === null ? "-" : `${l.pid}/${l.program ?? ""}`.slice(0, PROGRAM_WIDTH),
        service: serviceText(l),
      }),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** `--json`: an array of listener objects (the Listener fields), one per socket. */
export function formatJson(listeners: readonly Listener[]): string {
  return `${JSON.stringify(listeners, null, 2)}\n`;
}
