/**
 * Base64 for weights files, free of Buffer/btoa so that it runs the same in Node, workers and pages,
 * and strict on input: a bad character or length is reported, never skipped.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const chunk = 3 * 4096;
  for (let start = 0; start < bytes.length; start += chunk) {
    const end = Math.min(start + chunk, bytes.length);
    let s = '';
    for (let i = start; i < end; i += 3) {
      const b0 = bytes[i];
      const b1 = i + 1 < end ? bytes[i + 1] : 0;
      const b2 = i + 2 < end ? bytes[i + 2] : 0;
      const n = (b0 << 16) | (b1 << 8) | b2;
      s += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63];
      s += i + 1 < end ? ALPHABET[(n >> 6) & 63] : '=';
      s += i + 2 < end ? ALPHABET[n & 63] : '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

export class Base64Error extends Error {
  override name = 'Base64Error';
}

/** A character as a message shows it: itself when printable, else its code point (U+007F). */
function shown(code: number): string {
  const printable = code > 0x20 && code < 0x7f;
  return printable
    ? JSON.stringify(String.fromCharCode(code))
    : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) {
    throw new Base64Error(`length ${text.length} is not a multiple of 4`);
  }
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const pos = i + k;
      const code = text.charCodeAt(pos);
      let v: number;
      if (code === 61 /* '=' */ && pos >= text.length - pad) v = 0;
      else {
        v = code < 128 ? DECODE[code] : -1;
        if (v < 0) throw new Base64Error(`invalid character ${shown(code)} at offset ${pos}`);
      }
      n = (n << 6) | v;
    }
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
