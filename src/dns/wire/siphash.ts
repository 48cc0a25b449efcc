/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash, the MAC RFC 9018 uses for
 * interoperable DNS server cookies. 128-bit key, output as 8 bytes (the little-endian 64-bit value,
 * as the reference implementation writes it). Written on 64-bit BigInts: a cookie takes one hash
 * of 28-40 bytes, a few microseconds.
 */
const MASK = (1n << 64n) - 1n;

function rotl(x: bigint, b: bigint): bigint {
  return ((x << b) | (x >> (64n - b))) & MASK;
}

export function siphash24(key: Uint8Array, msg: Uint8Array): Buffer {
  if (key.length !== 16) throw new RangeError("SipHash key must be 16 bytes");
  const k = Buffer.from(key.buffer, key.byteOffset, 16);
  const k0 = k.readBigUInt64LE(0);
  const k1 = k.readBigUInt64LE(8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & MASK;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & MASK;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & MASK;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const m = Buffer.from(msg.buffer, msg.byteOffset, msg.length);
  const whole = m.length - (m.length % 8);
  for (let i = 0; i < whole; i += 8) {
    const w = m.readBigUInt64LE(i);
    v3 ^= w;
    round();
    round();
    v0 ^= w;
  }
  // the last block: the remaining bytes, and the length's low byte on top
  let last = BigInt(m.length & 0xff) << 56n;
  for (let i = whole; i < m.length; i++) last |= BigInt(m[i]!) << BigInt(8 * (i - whole));
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xffn;
  round();
  round();
  round();
  round();
  const out = Buffer.allocUnsafe(8);
  out.writeBigUInt64LE(v0 ^ v1 ^ v2 ^ v3, 0);
  return out;
}
