import { Reader } from "../../lib/bytes/reader.ts";
import { Writer } from "../../lib/bytes/writer.ts";
import { WireError } from "../../lib/errors.ts";
import { Compressor, readName, ROOT } from "./name.ts";
import { packRdata, unpackRdata } from "./rdata.ts";
import { RRType } from "./rrtypes.ts";

/**
 * DNS messages (RFC 1035 4.1) with EDNS(0) (RFC 6891). Names and rdata are carried uncompressed
 * (see name.ts, rdata.ts); the encoder compresses, the decoder decompresses. The OPT record is not
 * kept in `additional`: it is decoded into `edns`, and the 12-bit RCODE is split/joined here.
 */

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

// RFC 1035 4.1.1, RFC 6891 9
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  NOTAUTH: 9,
  BADVERS: 16,
} as const;

export interface Question {
  name: Buffer;
  type: number;
  cls: number;
}

export interface RR {
  name: Buffer;
  type: number;
  cls: number;
  ttl: number;
  rdata: Buffer;
}

export interface EdnsOption {
  code: number;
  data: Buffer;
}

export interface Edns {
  udpSize: number;
  version: number;
  do: boolean;
  /** The remaining 15 Z bits of the OPT TTL. */
  z: number;
  options: EdnsOption[];
}

export interface Message {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** The Z bit (must be zero, RFC 1035). */
  z: boolean;
  ad: boolean;
  cd: boolean;
  /** The full RCODE (12 bits when EDNS is present). */
  rcode: number;
  question: Question[];
  answer: RR[];
  authority: RR[];
  additional: RR[];
  edns: Edns | undefined;
}

export function emptyMessage(): Message {
  return {
    id: 0,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: false,
    ra: false,
    z: false,
    ad: false,
    cd: false,
    rcode: 0,
    question: [],
    answer: [],
    authority: [],
    additional: [],
    edns: undefined,
  };
}

// ---------------------------------------------------------------------------- decode

function readRR(r: Reader): RR {
  const name = readName(r);
  const type = r.u16();
  const cls = r.u16();
  const ttl = r.u32();
  const rdlength = r.u16();
  const rdata = unpackRdata(r, type, rdlength);
  return { name, type, cls, ttl, rdata };
}

function readOptions(data: Buffer, base: number): EdnsOption[] {
  const r = new Reader(data);
  const out: EdnsOption[] = [];
  try {
    while (r.remaining > 0) {
      const code = r.u16();
      const len = r.u16();
      out.push({ code, data: Buffer.from(r.bytes(len, "EDNS option")) });
    }
  } catch (e) {
    if (e instanceof WireError) throw new WireError("truncated EDNS option", base + r.pos);
    throw e;
  }
  return out;
}

/**
 * Decode a whole message. Throws WireError (with the offset) on anything malformed: truncation,
 * bad labels, pointer loops, rdata not matching its type, several OPT records or an OPT outside
 * the additional section or not owned by the root, trailing bytes.
 */
export function decodeMessage(buf: Buffer): Message {
  const r = new Reader(buf);
  const m = emptyMessage();
  m.id = r.u16();
  const flags = r.u16();
  m.qr = (flags & 0x8000) !== 0;
  m.opcode = (flags >> 11) & 0xf;
  m.aa = (flags & 0x0400) !== 0;
  m.tc = (flags & 0x0200) !== 0;
  m.rd = (flags & 0x0100) !== 0;
  m.ra = (flags & 0x0080) !== 0;
  m.z = (flags & 0x0040) !== 0;
  m.ad = (flags & 0x0020) !== 0;
  m.cd = (flags & 0x0010) !== 0;
  m.rcode = flags & 0xf;
  const qd = r.u16();
  const an = r.u16();
  const ns = r.u16();
  const ar = r.u16();
  for (let i = 0; i < qd; i++) m.question.push({ name: readName(r), type: r.u16(), cls: r.u16() });
  for (let i = 0; i < an; i++) {
    const at = r.pos;
    const rr = readRR(r);
    if (rr.type === RRType.OPT) throw new WireError("OPT record outside the additional section", at);
    m.answer.push(rr);
  }
  for (let i = 0; i < ns; i++) {
    const at = r.pos;
    const rr = readRR(r);
    if (rr.type === RRType.OPT) throw new WireError("OPT record outside the additional section", at);
    m.authority.push(rr);
  }
  for (let i = 0; i < ar; i++) {
    const at = r.pos;
    const rr = readRR(r);
    if (rr.type !== RRType.OPT) {
      m.additional.push(rr);
      continue;
    }
    if (m.edns !== undefined) throw new WireError("more than one OPT record", at);
    if (rr.name.length !== 1) throw new WireError("OPT record not owned by the root", at);
    m.edns = {
      udpSize: rr.cls,
      version: (rr.ttl >>> 16) & 0xff,
      do: (rr.ttl & 0x8000) !== 0,
      z: rr.ttl & 0x7fff,
      options: readOptions(rr.rdata, r.pos - rr.rdata.length),
    };
    m.rcode |= (rr.ttl >>> 24) << 4;
  }
  if (r.remaining !== 0) throw new WireError(`${r.remaining} bytes after the message`, r.pos);
  return m;
}

// ---------------------------------------------------------------------------- encode

export interface EncodeOptions {
  /** Size limit (UDP). Past it, see `truncated` below. Default 65535. */
  maxSize?: number;
  /** Compress names (default true). */
  compress?: boolean;
}

export interface Encoded {
  buf: Buffer;
  /**
   * True when the answer or authority section did not fit: the result is then header + question
   * (+ OPT) with TC=1, as BIND sends. RRsets of the additional section that do not fit are dropped
   * whole without TC (RFC 2181 9).
   */
  truncated: boolean;
}

const writer = new Writer(4096);
const comp = new Compressor();

function headerFlags(m: Message, tc: boolean): number {
  return (
    (m.qr ? 0x8000 : 0) |
    ((m.opcode & 0xf) << 11) |
    (m.aa ? 0x0400 : 0) |
    (tc ? 0x0200 : 0) |
    (m.rd ? 0x0100 : 0) |
    (m.ra ? 0x0080 : 0) |
    (m.z ? 0x0040 : 0) |
    (m.ad ? 0x0020 : 0) |
    (m.cd ? 0x0010 : 0) |
    (m.rcode & 0xf)
  );
}

function writeRR(w: Writer, c: Compressor | null, rr: RR): void {
  if (c === null) w.bytes(rr.name);
  else c.write(w, rr.name);
  w.u16(rr.type);
  w.u16(rr.cls);
  w.u32(rr.ttl);
  const at = w.pos;
  w.u16(0);
  packRdata(w, c, rr.type, rr.rdata);
  w.patchU16(at, w.pos - at - 2);
}

function optSize(e: Edns): number {
  let n = 11;
  for (const o of e.options) n += 4 + o.data.length;
  return n;
}

function writeOpt(w: Writer, m: Message, e: Edns): void {
  w.u8(0);
  w.u16(RRType.OPT);
  w.u16(e.udpSize);
  w.u32((((m.rcode >> 4) & 0xff) << 24) | ((e.version & 0xff) << 16) | (e.do ? 0x8000 : 0) | (e.z & 0x7fff));
  let len = 0;
  for (const o of e.options) len += 4 + o.data.length;
  w.u16(len);
  for (const o of e.options) {
    w.u16(o.code);
    w.u16(o.data.length);
    w.bytes(o.data);
  }
}

function sameSet(a: RR, b: RR): boolean {
  return a.type === b.type && a.name.equals(b.name);
}

/** Encode a message. Never throws for a well-formed Message (names <= 255, rdata <= 65535). */
export function encodeMessage(m: Message, opts: EncodeOptions = {}): Encoded {
  const max = Math.min(opts.maxSize ?? 65535, 65535);
  const c = opts.compress === false ? null : comp;
  c?.reset();
  const w = writer;
  w.reset();
  const reserve = m.edns === undefined ? 0 : optSize(m.edns);
  const limit = max - reserve;
  w.u16(m.id);
  const flagsAt = w.pos;
  w.u16(0);
  w.u16(m.question.length);
  const countsAt = w.pos;
  w.zeros(6);
  for (const q of m.question) {
    if (c === null) w.bytes(q.name);
    else c.write(w, q.name);
    w.u16(q.type);
    w.u16(q.cls);
  }
  const questionEnd = w.pos;
  let truncated = questionEnd > limit;
  const counts = [0, 0, 0];
  const sections = [m.answer, m.authority, m.additional];
  for (let s = 0; s < 3 && !truncated; s++) {
    const rrs = sections[s]!;
    let setStart = w.pos;
    let setCount = counts[s]!;
    for (let i = 0; i < rrs.length; i++) {
      const rr = rrs[i]!;
      if (i === 0 || !sameSet(rr, rrs[i - 1]!)) {
        setStart = w.pos;
        setCount = counts[s]!;
      }
      writeRR(w, c, rr);
      counts[s]!++;
      if (w.pos > limit) {
        if (s < 2) truncated = true;
        else {
          // drop the partial additional RRset and everything after it
          w.pos = setStart;
          counts[s] = setCount;
        }
        break;
      }
    }
  }
  if (truncated) {
    w.pos = questionEnd;
    counts[0] = counts[1] = counts[2] = 0;
    // a question alone larger than the limit cannot happen for a limit >= 512
  }
  if (m.edns !== undefined) {
    writeOpt(w, m, m.edns);
    counts[2]!++;
  }
  w.patchU16(flagsAt, headerFlags(m, m.tc || truncated));
  w.patchU16(countsAt, counts[0]!);
  w.patchU16(countsAt + 2, counts[1]!);
  w.patchU16(countsAt + 4, counts[2]!);
  return { buf: w.finish(), truncated };
}

export { ROOT };
