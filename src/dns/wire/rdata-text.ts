import { Reader } from "../../lib/bytes/reader.ts";
import { Writer } from "../../lib/bytes/writer.ts";
import { nameFromText } from "./name.ts";
import { B32, RdataError, type Token, unpackRdata } from "./rdata.ts";
import { typeFromText, typeInfo, typeToText } from "./rrtypes.ts";

/**
 * rdata from master-file text (RFC 1035 5.1, RFC 3597 5), driven by the descriptor table in
 * rrtypes.ts like the wire side in rdata.ts. Everything is written into one reusable Writer, so
 * loading a big zone makes one Buffer per record.
 */
/** Append the bytes of a token with `\X` and `\DDD` escapes decoded; returns the count. */
function unescapeInto(text: string, w: Writer): number {
  const begin = w.pos;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c && i + 1 < text.length) {
      const d1 = text.charCodeAt(i + 1) - 48;
      const d2 = text.charCodeAt(i + 2) - 48;
      const d3 = text.charCodeAt(i + 3) - 48;
      if (d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9 && d3 >= 0 && d3 <= 9) {
        const v = d1 * 100 + d2 * 10 + d3;
        if (v > 255) throw new RdataError(`bad escape '\\${text.slice(i + 1, i + 4)}'`);
        w.u8(v);
        i += 3;
      } else {
        w.u8(text.charCodeAt(i + 1) & 0xff);
        i++;
      }
    } else if (ch === 0x5c) throw new RdataError("trailing backslash");
    else if (ch > 0xff)
      w.bytes(Buffer.from(text[i]!, "utf8")); // UTF-8 in a quoted string: its bytes
    else w.u8(ch);
  }
  return w.pos - begin;
}

/** Decode `\X` and `\DDD` escapes of a token into bytes. */
export function unescapeText(text: string): Buffer {
  const w = new Writer(text.length + 8);
  unescapeInto(text, w);
  return w.finish();
}

const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A TTL: plain seconds or BIND's units (`1h30m`, `2w`, `1W2D`); undefined when invalid. */
export function ttlFromText(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    return v <= 0xffffffff ? v : undefined;
  }
  if (!/^(\d+[smhdwSMHDW])+\d*$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)([smhdwSMHDW]?)/g))
    total += Number(m[1]) * (TTL_UNITS[m[2]!.toLowerCase()] ?? 1);
  return total <= 0xffffffff ? total : undefined;
}

const textWriter = new Writer(1024);

function intField(t: Token, max: number, what: string): number {
  if (t.quoted || !/^\d+$/.test(t.text) || Number(t.text) > max)
    throw new RdataError(`bad ${what} '${t.text}'`);
  return Number(t.text);
}

function hexBytes(text: string, what: string): Buffer {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new RdataError(`bad ${what} hex '${text}'`);
  return Buffer.from(text, "hex");
}

function b32FromText(text: string): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of text.toUpperCase()) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new RdataError(`bad base32hex '${text}'`);
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function bitmapFromText(tokens: Token[]): Buffer {
  const types = tokens.map((t) => {
    const c = typeFromText(t.text);
    if (c === undefined) throw new RdataError(`unknown type '${t.text}' in bitmap`);
    return c;
  });
  const windows = new Map<number, Uint8Array>();
  for (const c of types) {
    const w = c >> 8;
    const bytes = windows.get(w) ?? new Uint8Array(32);
    bytes[(c & 0xff) >> 3]! |= 0x80 >> (c & 7);
    windows.set(w, bytes);
  }
  const out: number[] = [];
  for (const w of [...windows.keys()].sort((a, b) => a - b)) {
    const bytes = windows.get(w)!;
    let len = 32;
    while (len > 0 && bytes[len - 1] === 0) len--;
    out.push(w, len, ...bytes.subarray(0, len));
  }
  return Buffer.from(out);
}

function timeFromText(text: string): number {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(text);
  if (m !== null) {
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    return (Date.UTC(y, mo - 1, d, h, mi, s) / 1000) >>> 0;
  }
  if (/^\d{1,10}$/.test(text) && Number(text) <= 0xffffffff) return Number(text);
  throw new RdataError(`bad time '${text}'`);
}

function charString(t: Token, w: Writer): void {
  const at = w.pos;
  w.u8(0);
  const n = unescapeInto(t.text, w);
  if (n > 255) throw new RdataError("string longer than 255 bytes");
  w.buf[at] = n;
}

/** RFC 4291 2.2 text forms (with an optional dotted IPv4 tail) into 16 bytes; false if invalid. */
function ipv6Into(t: string, w: Writer): boolean {
  if (t.length < 2 || t.length > 45) return false;
  const words: number[] = [];
  let gap = -1;
  const parts = t.split(":");
  let i = 0;
  if (parts[0] === "" && parts[1] === "") {
    gap = 0;
    i = 2;
    if (parts.length === 3 && parts[2] === "") i = 3;
  } else if (parts[0] === "") return false;
  for (; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === "") {
      if (i === parts.length - 1 && parts[i - 1] !== "") return false; // "1:"
      if (gap >= 0 && !(i === parts.length - 1 && parts[i - 1] === "" && gap === words.length)) return false;
      if (gap < 0) gap = words.length;
      continue;
    }
    if (i === parts.length - 1 && p.includes(".")) {
      const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(p);
      if (m === null) return false;
      const o = m.slice(1).map(Number);
      if (o.some((x) => x > 255)) return false;
      words.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
    words.push(parseInt(p, 16));
  }
  if (gap < 0 ? words.length !== 8 : words.length > 7) return false;
  const fill = 8 - words.length;
  for (let k = 0; k < 8; k++) {
    if (gap >= 0 && k >= gap && k < gap + fill) w.u16(0);
    else w.u16(words[gap >= 0 && k >= gap + fill ? k - fill : k]!);
  }
  return true;
}

/**
 * Parse rdata text into uncompressed wire rdata. Relative names are completed with `origin` (wire).
 * Accepts RFC 3597's `\# len hex` for every type.
 */
export function rdataFromText(type: number, tokens: Token[], origin: Buffer): Buffer {
  if (tokens.length > 0 && !tokens[0]!.quoted && tokens[0]!.text === "\\#") {
    const len = tokens[1];
    if (len === undefined || !/^\d+$/.test(len.text)) throw new RdataError("bad RFC 3597 length");
    const data = hexBytes(
      tokens
        .slice(2)
        .map((t) => t.text)
        .join(""),
      "RFC 3597",
    );
    if (data.length !== Number(len.text))
      throw new RdataError(`RFC 3597 length ${len.text} does not match ${data.length} bytes of data`);
    const info = typeInfo(type);
    if (info !== undefined) {
      try {
        unpackRdata(new Reader(data), type, data.length);
      } catch (e) {
        throw new RdataError(`bad ${info.mnemonic} rdata in RFC 3597 form: ${(e as Error).message}`);
      }
    }
    return data;
  }
  const info = typeInfo(type);
  if (info === undefined) throw new RdataError(`type ${typeToText(type)} needs RFC 3597 rdata (\\# len hex)`);
  const w = textWriter;
  w.reset();
  let i = 0;
  const next = (what: string): Token => {
    const t = tokens[i++];
    if (t === undefined) throw new RdataError(`${info.mnemonic}: missing ${what}`);
    return t;
  };
  const rest = (): Token[] => {
    const r = tokens.slice(i);
    i = tokens.length;
    return r;
  };
  for (const f of info.fields) {
    switch (f) {
      case "cname":
      case "name": {
        const t = next("name");
        try {
          w.bytes(t.text === "@" ? origin : nameFromText(t.text, origin));
        } catch (e) {
          throw new RdataError((e as Error).message);
        }
        break;
      }
      case "u8":
        w.u8(intField(next("number"), 0xff, "8-bit number"));
        break;
      case "u16":
        w.u16(intField(next("number"), 0xffff, "16-bit number"));
        break;
      case "u32":
      case "ttl": {
        const t = next("number");
        const v = f === "ttl" && !t.quoted ? ttlFromText(t.text) : intField(t, 0xffffffff, "32-bit number");
        if (v === undefined) throw new RdataError(`bad time value '${t.text}'`);
        w.u32(v);
        break;
      }
      case "type": {
        const t = next("type");
        const c = typeFromText(t.text);
        if (c === undefined) throw new RdataError(`unknown type '${t.text}'`);
        w.u16(c);
        break;
      }
      case "time":
        w.u32(timeFromText(next("time").text));
        break;
      case "a": {
        const t = next("address").text;
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
        if (m === null) throw new RdataError(`bad IPv4 address '${t}'`);
        for (let k = 1; k <= 4; k++) {
          const o = Number(m[k]);
          if (o > 255) throw new RdataError(`bad IPv4 address '${t}'`);
          w.u8(o);
        }
        break;
      }
      case "aaaa": {
        const t = next("address").text;
        if (!ipv6Into(t, w)) throw new RdataError(`bad IPv6 address '${t}'`);
        break;
      }
      case "str":
        charString(next("string"), w);
        break;
      case "strs": {
        const ts = rest();
        if (ts.length === 0) throw new RdataError(`${info.mnemonic}: missing string`);
        for (const t of ts) charString(t, w);
        break;
      }
      case "tag": {
        const t = next("tag");
        if (t.quoted || !/^[A-Za-z0-9]{1,255}$/.test(t.text)) throw new RdataError(`bad tag '${t.text}'`);
        w.u8(t.text.length);
        w.bytes(Buffer.from(t.text, "latin1"));
        break;
      }
      case "rest":
        unescapeInto(next("value").text, w);
        break;
      case "hex":
        w.bytes(
          hexBytes(
            rest()
              .map((t) => t.text)
              .join(""),
            info.mnemonic,
          ),
        );
        break;
      case "b64": {
        const s = rest()
          .map((t) => t.text)
          .join("");
        if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new RdataError("bad base64 data");
        w.bytes(Buffer.from(s, "base64"));
        break;
      }
      case "salt": {
        const t = next("salt").text;
        const b = t === "-" ? Buffer.alloc(0) : hexBytes(t, "salt");
        w.u8(b.length);
        w.bytes(b);
        break;
      }
      case "b32": {
        const b = b32FromText(next("hash").text);
        w.u8(b.length);
        w.bytes(b);
        break;
      }
      case "bitmap":
        w.bytes(bitmapFromText(rest()));
        break;
    }
  }
  if (w.pos > 0xffff) throw new RdataError(`${info.mnemonic}: rdata longer than 65535 bytes`);
  if (i < tokens.length) throw new RdataError(`${info.mnemonic}: extra data '${tokens[i]!.text}'`);
  return w.finish();
}
