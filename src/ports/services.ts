/**
 * /etc/services (services(5)): one service per line,
 *
 *   service-name   port/protocol   [aliases ...]   [# comment]
 *
 * fields separated by blanks (spaces or tabs), `#` starting a comment anywhere on a line. Like
 * glibc's files backend, a line that does not fit is skipped (the file is not ours to reject), and
 * the first line naming a port/protocol wins a lookup by port (getservbyport).
 *
 * BUILTIN_SERVICES is the fallback when the file is missing: the common entries only, copied from
 * Debian's netbase (plus mountd 20048, which IANA assigns but netbase leaves out). The lab's own
 * ports (7000, 7001, 8080-8085) are deliberately not given names here.
 */

export interface ServiceEntry {
  name: string;
  port: number;
  proto: string;
  aliases: string[];
  /** 1-based line in the source text. */
  line: number;
}

export interface SkippedLine {
  line: number;
  reason: string;
}

export class ServiceTable {
  readonly entries: readonly ServiceEntry[];
  private readonly byPort = new Map<string, ServiceEntry>();
  private readonly byName = new Map<string, ServiceEntry>();

  constructor(entries: readonly ServiceEntry[]) {
    this.entries = entries;
    for (const e of entries) {
      const k = `${e.port}/${e.proto}`;
      if (!this.byPort.has(k)) this.byPort.set(k, e);
      for (const n of [e.name, ...e.aliases]) {
        const nk = `${n}/${e.proto}`;
        if (!this.byName.has(nk)) this.byName.set(nk, e);
      }
    }
  }

  /** getservbyport(port, proto): the first entry for this port and protocol ("tcp", "udp"). */
  byPortProto(port: number, proto: string): ServiceEntry | undefined {
    return this.byPort.get(`${port}/${proto}`);
  }

  /** getservbyname(name, proto): by name or alias. */
  byNameProto(name: string, proto: string): ServiceEntry | undefined {
    return this.byName.get(`${name}/${proto}`);
  }
}

export interface ParsedServices {
  table: ServiceTable;
  /** Lines that were not service entries (reported for tests and diagnostics, never fatal). */
  skipped: SkippedLine[];
}

const NAME = /^[^\s#/]+$/;

export function parseServices(text: string): ParsedServices {
  const entries: ServiceEntry[] = [];
  const skipped: SkippedLine[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i]!.indexOf("#");
    const code = (hash < 0 ? lines[i]! : lines[i]!.slice(0, hash)).trim();
    if (code === "") continue;
    const [name, portProto, ...aliases] = code.split(/\s+/);
    const line = i + 1;
    const m = /^(\d{1,5})\/([^\s/]+)$/.exec(portProto ?? "");
    if (!m) {
      skipped.push({ line, reason: `expected port/protocol after '${name!}'` });
      continue;
    }
    const port = Number(m[1]);
    if (port > 65535) {
      skipped.push({ line, reason: `port ${m[1]!} out of range` });
      continue;
    }
    if (!NAME.test(name!) || aliases.some((a) => !NAME.test(a))) {
      skipped.push({ line, reason: "bad service name or alias" });
      continue;
    }
    entries.push({ name: name!, port, proto: m[2]!, aliases, line });
  }
  return { table: new ServiceTable(entries), skipped };
}

/** The fallback for a system without /etc/services (same format, same parser). */
export const BUILTIN_SERVICES = `# netsvc's built-in copy of the common /etc/services entries (Debian netbase).
ftp-data	20/tcp
ftp		21/tcp
ssh		22/tcp				# SSH Remote Login Protocol
telnet		23/tcp
smtp		25/tcp		mail
domain		53/tcp				# Domain Name Server
domain		53/udp
bootps		67/udp
bootpc		68/udp
tftp		69/udp
http		80/tcp		www		# WorldWideWeb HTTP
kerberos	88/tcp		kerberos5 krb5 kerberos-sec	# Kerberos v5
kerberos	88/udp		kerberos5 krb5 kerberos-sec	# Kerberos v5
pop3		110/tcp		pop-3		# POP version 3
sunrpc		111/tcp		portmapper	# RPC 4.0 portmapper
sunrpc		111/udp		portmapper
ntp		123/udp				# Network Time Protocol
imap2		143/tcp		imap		# Interim Mail Access P 2 and 4
snmp		161/udp				# Simple Net Mgmt Protocol
ldap		389/tcp			# Lightweight Directory Access Protocol
https		443/tcp				# http protocol over TLS/SSL
https		443/udp				# HTTP/3
submissions	465/tcp		ssmtp smtps urd # Submission over TLS [RFC8314]
syslog		514/udp
submission	587/tcp				# Submission [RFC4409]
ldaps		636/tcp				# LDAP over SSL
domain-s	853/tcp				# DNS over TLS [RFC7858]
domain-s	853/udp				# DNS over DTLS [RFC8094]
rsync		873/tcp
imaps		993/tcp				# IMAP over SSL
pop3s		995/tcp				# POP-3 over SSL
nfs		2049/tcp			# Network File System
nfs		2049/udp			# Network File System
mysql		3306/tcp
postgresql	5432/tcp			# PostgreSQL Database
mountd		20048/tcp			# NFS mount protocol (IANA)
mountd		20048/udp			# NFS mount protocol (IANA)
`;

export function builtinServices(): ServiceTable {
  return parseServices(BUILTIN_SERVICES).table;
}
