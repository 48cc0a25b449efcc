import ipaddr from "ipaddr.js";
import { Reader } from "../../lib/bytes/reader.ts";
import type { Writer } from "../../lib/bytes/writer.ts";
import { NetsvcError, WireError } from "../../lib/errors.ts";
import { type Compressor, nameToText, readName } from "./name.ts";
import { type FieldKind, typeInfo, typeToText } from "./rrtypes.ts";

/**
 * rdata pack/unpack/text, driven only by the descriptor table in rrtypes.ts. rdata is kept as its
 * uncompressed wire form; names inside it are decompressed on input and (for `cname` fields)
 * compressed on output. Unknown types travel as opaque bytes, printed in RFC 3597 form.
 */

/** A token of a master-file record: raw text with escapes still in it; `quoted` for "...". */
export interface Token {
  text: string;
  quoted: boolean;
}

/** Bad rdata text; the zone parser adds file:line. */
export class RdataError extends NetsvcError {
  constructor(message: string) {
    super("EBADRDATA", message);
    this.name = "RdataError";
  }
}

// ---------------------------------------------------------------------------- wire

/** Read rdlength bytes of rdata at r.pos (names decompressed against the whole message). */
export function unpackRdata(r: Reader, type: number, rdlength: number): Buffer {
  const start = r.pos;
  r.need(rdlength, "rdata");
  const end = start + rdlength;
  const info = typeInfo(type);
  if (info === undefined) return Buffer.from(r.bytes(rdlength));
  const sub = new Reader(r.buf, start, end);
  const parts: Buffer[] = [];
  for (const f of info.fields) {
    const at = sub.pos;
    if (f === "cname" || f === "name") {
      parts.push(readName(sub));
      continue;
    }
    skipField(sub, f);
    parts.push(r.buf.subarray(at, sub.pos));
  }
  if (sub.pos !== end)
    throw new WireError(`${info.mnemonic} rdata has ${end - sub.pos} extra bytes`, sub.pos);
  r.pos = end;
  return Buffer.concat(parts);
}

/** Move past one non-name field, checking its shape. */
function skipField(r: Reader, f: FieldKind): void {
  switch (f) {
    case "u8":
      r.skip(1);
      return;
    case "u16":
    case "type":
      r.skip(2);
      return;
    case "u32":
    case "ttl":
    case "time":
    case "a":
      r.skip(4);
      return;
    case "aaaa":
      r.skip(16);
      return;
    case "str":
    case "tag":
    case "salt":
    case "b32":
      r.skip(r.u8());
      return;
    case "strs":
      if (r.remaining === 0) throw new WireError("TXT rdata without a string", r.pos);
      while (r.remaining > 0) r.skip(r.u8());
      return;
    case "bitmap":
      while (r.remaining > 0) {
        r.u8();
        const len = r.u8();
        if (len === 0 || len > 32) throw new WireError("bad NSEC bitmap window length", r.pos - 1);
        r.skip(len);
      }
      return;
    case "hex":
    case "b64":
    case "rest":
      r.skip(r.remaining);
      return;
    case "cname":
    case "name":
      readName(r);
      return;
  }
}

/** Write rdata (uncompressed wire) into a message, compressing `cname` fields. */
export function packRdata(w: Writer, comp: Compressor | null, type: number, rdata: Buffer): void {
  const info = comp === null ? undefined : typeInfo(type);
  if (info === undefined || !info.fields.includes("cname")) {
    w.bytes(rdata);
    return;
  }
  const r = new Reader(rdata);
  for (const f of info.fields) {
    const at = r.pos;
    if (f === "cname") {
      const name = readName(r);
      comp!.write(w, name);
      continue;
    }
    skipField(r, f);
    w.bytes(rdata.subarray(at, r.pos));
  }
}

// ---------------------------------------------------------------------------- text out

function strToText(b: Uint8Array): string {
  let s = '"';
  for (const c of b) {
    if (c === 0x22 || c === 0x5c) s += "\\" + String.fromCharCode(c);
    else if (c < 0x20 || c >= 0x7f) s += "\\" + String(c).padStart(3, "0");
    else s += String.fromCharCode(c);
  }
  return s + '"';
}

/** The base32hex alphabet (RFC 4648 7), for NSEC3 owner hashes. */
export const B32 = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

function b32ToText(b: Uint8Array): string {
  let out = "";
  let bits = 0;
  let acc = 0;
  for (const c of b) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += B32.charAt((acc >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += B32.charAt((acc << (5 - bits)) & 31);
  return out;
}

function bitmapToText(b: Buffer): string {
  const types: string[] = [];
  let i = 0;
  while (i + 2 <= b.length) {
    const win = b[i]!;
    const len = b[i + 1]!;
    for (let j = 0; j < len; j++) {
      const byte = b[i + 2 + j] ?? 0;
      for (let bit = 0; bit < 8; bit++)
        if (byte & (0x80 >> bit)) types.push(typeToText(win * 256 + j * 8 + bit));
    }
    i += 2 + len;
  }
  return types.join(" ");
}

function timeToText(t: number): string {
  const d = new Date(t * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export function genericToText(rdata: Buffer): string {
  return rdata.length === 0 ? "\\# 0" : `\\# ${rdata.length} ${rdata.toString("hex").toUpperCase()}`;
}

/** Presentation form of rdata (RFC 3597 form for types outside the table or malformed rdata). */
export function rdataToText(type: number, rdata: Buffer): string {
  const info = typeInfo(type);
  if (info === undefined) return genericToText(rdata);
  try {
    const r = new Reader(rdata);
    const out: string[] = [];
    for (const f of info.fields) out.push(fieldToText(r, f, rdata));
    if (r.remaining !== 0) return genericToText(rdata);
    return out.filter((s) => s !== "").join(" ");
  } catch {
    return genericToText(rdata);
  }
}

function fieldToText(r: Reader, f: FieldKind, rdata: Buffer): string {
  switch (f) {
    case "cname":
    case "name":
      return nameToText(readName(r));
    case "u8":
      return String(r.u8());
    case "u16":
      return String(r.u16());
    case "u32":
    case "ttl":
      return String(r.u32());
    case "type":
      return typeToText(r.u16());
    case "time":
      return timeToText(r.u32());
    case "a":
      return [...r.bytes(4)].join(".");
    case "aaaa": {
      const b = r.bytes(16);
      // ::ffff:a.b.c.d and ::a.b.c.d keep the dotted tail, as BIND prints them
      if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
        return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      return ipaddr.fromByteArray([...b]).toString();
    }
    case "str":
      return strToText(r.bytes(r.u8()));
    case "strs": {
      const out: string[] = [];
      while (r.remaining > 0) out.push(strToText(r.bytes(r.u8())));
      return out.join(" ");
    }
    case "tag":
      return r.bytes(r.u8()).toString("latin1");
    case "rest":
      return strToText(r.bytes(r.remaining));
    case "hex":
      return r.bytes(r.remaining).toString("hex").toUpperCase();
    case "b64":
      return r.bytes(r.remaining).toString("base64");
    case "salt": {
      const n = r.u8();
      return n === 0 ? "-" : r.bytes(n).toString("hex").toUpperCase();
    }
    case "b32":
      return b32ToText(r.bytes(r.u8()));
    case "bitmap":
      return bitmapToText(rdata.subarray(r.pos, (r.pos = r.end)));
  }
}

export { rdataFromText, ttlFromText, unescapeText } from "./rdata-text.ts";
