/**
 * BIND's `$GENERATE range lhs [ttl] [class] type rhs` text substitution (BIND ARM, "BIND Primary
 * File Extension: the $GENERATE Directive"): in lhs and rhs, `$` is the iterator, `${offset}`,
 * `${offset,width}` and `${offset,width,base}` format it (base d o x X n N; n/N are nibbles in
 * reverse order, as for ip6.arpa), `\$` is a literal `$`.
 */

export interface Range {
  start: number;
  stop: number;
  step: number;
}

export function parseRange(text: string): Range | undefined {
  const m = /^(\d+)-(\d+)(?:\/(\d+))?$/.exec(text);
  if (m === null) return undefined;
  const r = { start: Number(m[1]), stop: Number(m[2]), step: m[3] === undefined ? 1 : Number(m[3]) };
  if (r.start > r.stop || r.step === 0 || r.stop > 0xffffffff) return undefined;
  return r;
}

function format(value: number, width: number, base: string): string | undefined {
  let s: string;
  switch (base) {
    case "d":
      s = value.toString(10);
      break;
    case "o":
      s = value.toString(8);
      break;
    case "x":
      s = value.toString(16);
      break;
    case "X":
      s = value.toString(16).toUpperCase();
      break;
    case "n":
    case "N":
      return nibbles(value, width, base === "N");
    default:
      return undefined;
  }
  return s.padStart(width, "0");
}

/**
 * BIND's nibble format (lib/dns/master.c nibbles()): hex digits from the least significant, each
 * followed by a label separator while width remains or digits remain; width counts the dots.
 */
function nibbles(value: number, width: number, upper: boolean): string {
  const hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  let out = "";
  let v = value;
  let w = width;
  do {
    out += hex.charAt(v & 0x0f);
    v = Math.floor(v / 16);
    if (w > 0) w--;
    if (w > 0 || v !== 0) {
      out += ".";
      if (w > 0) w--;
    }
  } while (v !== 0 || w > 0);
  return out;
}

/** Substitute the iterator into a template; undefined when a `${...}` modifier is invalid. */
export function substitute(template: string, i: number): string | undefined {
  let out = "";
  for (let p = 0; p < template.length; p++) {
    const c = template[p]!;
    if (c === "\\" && template[p + 1] === "$") {
      out += "\\$";
      p++;
      continue;
    }
    if (c !== "$") {
      out += c;
      continue;
    }
    if (template[p + 1] === "{") {
      const close = template.indexOf("}", p);
      if (close < 0) return undefined;
      const m = /^([+-]?\d+)(?:,(\d+)(?:,([doxXnN]))?)?$/.exec(template.slice(p + 2, close));
      if (m === null) return undefined;
      const v = format(i + Number(m[1]), m[2] === undefined ? 0 : Number(m[2]), m[3] ?? "d");
      if (v === undefined) return undefined;
      out += v;
      p = close;
      continue;
    }
    out += String(i);
  }
  return out;
}
