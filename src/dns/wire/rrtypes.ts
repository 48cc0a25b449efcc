/**
 * THE descriptor table of RR types (STYLE habit 2; miekg/dns types.go, Knot descriptor.c): code,
 * mnemonic and rdata field kinds. rdata.ts packs, unpacks and prints every type from it; a type
 * missing here is still carried and printed in RFC 3597 form (`TYPE65534 \# 3 abcdef`).
 *
 * Field kinds:
 *   cname   domain name that may be compressed on output (RFC 3597 §4: NS CNAME SOA PTR MX MINFO..)
 *   name    domain name never compressed on output (decompressed on input, RFC 3597 §4 liberal)
 *   u8 u16 u32   integers; ttl: u32 whose text may use units (1h30m), as BIND allows in SOA
 *   a aaaa  addresses
 *   str     one <character-string>; strs: one or more up to the end (TXT)
 *   hex     hex to the end (may be split by spaces); b64: base64 to the end; b32: u8 length +
 *           base32hex (NSEC3 next owner); salt: u8 length + hex or "-" (NSEC3)
 *   bitmap  NSEC type bitmap to the end; type: u16 as a type mnemonic; time: RRSIG YYYYMMDDHHmmSS
 *   tag     u8 length + text without quotes (CAA tag); rest: text to the end, quoted (CAA value, URI)
 */
export type FieldKind =
  | "cname"
  | "name"
  | "u8"
  | "u16"
  | "u32"
  | "ttl"
  | "a"
  | "aaaa"
  | "str"
  | "strs"
  | "hex"
  | "b64"
  | "b32"
  | "salt"
  | "bitmap"
  | "type"
  | "time"
  | "tag"
  | "rest";

export interface RRTypeInfo {
  code: number;
  mnemonic: string;
  fields: readonly FieldKind[];
}

// RFC 1035 3.2.2, RFC 3596, RFC 2782, RFC 3403, RFC 6672, RFC 4034, RFC 5155, RFC 4255, RFC 6698,
// RFC 8659, RFC 7553, RFC 7344, RFC 7929, RFC 7477, RFC 8976, RFC 1183, RFC 2230.
const TABLE: readonly RRTypeInfo[] = [
  { code: 1, mnemonic: "A", fields: ["a"] },
  { code: 2, mnemonic: "NS", fields: ["cname"] },
  { code: 5, mnemonic: "CNAME", fields: ["cname"] },
  { code: 6, mnemonic: "SOA", fields: ["cname", "cname", "u32", "ttl", "ttl", "ttl", "ttl"] },
  { code: 7, mnemonic: "MB", fields: ["cname"] },
  { code: 8, mnemonic: "MG", fields: ["cname"] },
  { code: 9, mnemonic: "MR", fields: ["cname"] },
  { code: 12, mnemonic: "PTR", fields: ["cname"] },
  { code: 13, mnemonic: "HINFO", fields: ["str", "str"] },
  { code: 14, mnemonic: "MINFO", fields: ["cname", "cname"] },
  { code: 15, mnemonic: "MX", fields: ["u16", "cname"] },
  { code: 16, mnemonic: "TXT", fields: ["strs"] },
  { code: 17, mnemonic: "RP", fields: ["name", "name"] },
  { code: 18, mnemonic: "AFSDB", fields: ["u16", "name"] },
  { code: 28, mnemonic: "AAAA", fields: ["aaaa"] },
  { code: 33, mnemonic: "SRV", fields: ["u16", "u16", "u16", "name"] },
  { code: 35, mnemonic: "NAPTR", fields: ["u16", "u16", "str", "str", "str", "name"] },
  { code: 36, mnemonic: "KX", fields: ["u16", "name"] },
  { code: 39, mnemonic: "DNAME", fields: ["name"] },
  { code: 43, mnemonic: "DS", fields: ["u16", "u8", "u8", "hex"] },
  { code: 44, mnemonic: "SSHFP", fields: ["u8", "u8", "hex"] },
  { code: 46, mnemonic: "RRSIG", fields: ["type", "u8", "u8", "u32", "time", "time", "u16", "name", "b64"] },
  { code: 47, mnemonic: "NSEC", fields: ["name", "bitmap"] },
  { code: 48, mnemonic: "DNSKEY", fields: ["u16", "u8", "u8", "b64"] },
  { code: 50, mnemonic: "NSEC3", fields: ["u8", "u8", "u16", "salt", "b32", "bitmap"] },
  { code: 51, mnemonic: "NSEC3PARAM", fields: ["u8", "u8", "u16", "salt"] },
  { code: 52, mnemonic: "TLSA", fields: ["u8", "u8", "u8", "hex"] },
  { code: 53, mnemonic: "SMIMEA", fields: ["u8", "u8", "u8", "hex"] },
  { code: 59, mnemonic: "CDS", fields: ["u16", "u8", "u8", "hex"] },
  { code: 60, mnemonic: "CDNSKEY", fields: ["u16", "u8", "u8", "b64"] },
  { code: 61, mnemonic: "OPENPGPKEY", fields: ["b64"] },
  { code: 62, mnemonic: "CSYNC", fields: ["u32", "u16", "bitmap"] },
  { code: 63, mnemonic: "ZONEMD", fields: ["u32", "u8", "u8", "hex"] },
  { code: 99, mnemonic: "SPF", fields: ["strs"] },
  { code: 256, mnemonic: "URI", fields: ["u16", "u16", "rest"] },
  { code: 257, mnemonic: "CAA", fields: ["u8", "tag", "rest"] },
];

/** Types that only appear in questions or are handled apart (RFC 1035 3.2.3, RFC 6891, RFC 1995). */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
} as const;

const META: readonly [number, string][] = [
  [41, "OPT"],
  [251, "IXFR"],
  [252, "AXFR"],
  [253, "MAILB"],
  [254, "MAILA"],
  [255, "ANY"],
];

const byCode = new Map<number, RRTypeInfo>();
const byMnemonic = new Map<string, number>();
for (const t of TABLE) {
  byCode.set(t.code, t);
  byMnemonic.set(t.mnemonic, t.code);
}
for (const [code, m] of META) byMnemonic.set(m, code);

export function typeInfo(code: number): RRTypeInfo | undefined {
  return byCode.get(code);
}

/** `A`, `TYPE65534` for a type without a mnemonic (RFC 3597 §5). */
export function typeToText(code: number): string {
  const t = byCode.get(code);
  if (t !== undefined) return t.mnemonic;
  for (const [c, m] of META) if (c === code) return m;
  return `TYPE${code}`;
}

/** Parse a type mnemonic or `TYPEnnn` (case-insensitive); undefined when it is neither. */
export function typeFromText(text: string): number | undefined {
  const up = text.toUpperCase();
  const c = byMnemonic.get(up);
  if (c !== undefined) return c;
  const m = /^TYPE(\d{1,5})$/.exec(up);
  if (m === null) return undefined;
  const v = Number(m[1]);
  return v <= 0xffff ? v : undefined;
}

/** Whether a type's rdata holds a name that may be compressed on output. */
export function hasCompressibleName(code: number): boolean {
  return byCode.get(code)?.fields.includes("cname") ?? false;
}

/** Whether a type's rdata holds any domain name (decompressed on input). */
export function hasName(code: number): boolean {
  const f = byCode.get(code)?.fields;
  return f !== undefined && (f.includes("cname") || f.includes("name"));
}

export const CLASS = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export function classToText(c: number): string {
  for (const [k, v] of Object.entries(CLASS)) if (v === c) return k;
  return `CLASS${c}`;
}

export function classFromText(text: string): number | undefined {
  const up = text.toUpperCase();
  if (up in CLASS) return CLASS[up as keyof typeof CLASS];
  const m = /^CLASS(\d{1,5})$/.exec(up);
  return m === null || Number(m[1]) > 0xffff ? undefined : Number(m[1]);
}
