// Personal Access Tokens: formats and checksums (dhis2-server.md §4.2, §4.3).
import { ALNUM } from './util.mjs';

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// §4.3: Java's UTF_8.encode(CharBuffer) backing array is floor(n * 1.1) bytes long, so the CRC covers
// the ASCII code followed by NUL padding (4 NULs for a 44-char V2 code, 3 for a 32-char V1 code).
function paddedCrc(code) {
  const len = Math.floor(code.length * 1.1);
  const buf = Buffer.alloc(len);
  buf.write(code, 'ascii');
  return crc32(buf);
}

export function base62(n, width) {
  let s = '';
  let v = n;
  do { s = ALNUM[v % 62] + s; v = Math.floor(v / 62); } while (v > 0);
  return s.padStart(width, '0');
}

export function v2Checksum(code) { return base62(paddedCrc(code), 6); }
export function v1Checksum(code, plain = false) {
  const crc = plain ? crc32(Buffer.from(code, 'ascii')) : paddedCrc(code);
  return String(crc).padStart(10, '0');
}

export function makeV2(code) { return `d2p_${code}${v2Checksum(code)}`; }
export function makeV1(code, plain = false) { return `d2pat_${code}${v1Checksum(code, plain)}`; }

// Returns { ok: true, type } or { ok: false } for a checksum / prefix failure.
// plainV1: the 2.40 profile validates V1 with a plain CRC32 and knows no V2 tokens.
export function validateChecksum(token, { plainV1 = false } = {}) {
  if (token.startsWith('d2p_') && !plainV1) {
    const body = token.slice(4);
    if (body.length !== 50 || !/^[0-9A-Za-z]+$/.test(body)) return { ok: false };
    const code = body.slice(0, 44);
    return { ok: v2Checksum(code) === body.slice(44), type: 'PERSONAL_ACCESS_TOKEN_V2' };
  }
  if (token.startsWith('d2pat_')) {
    const body = token.slice(6);
    if (body.length !== 42 || !/^[0-9A-Za-z]+$/.test(body)) return { ok: false };
    const code = body.slice(0, 32);
    return { ok: v1Checksum(code, plainV1) === body.slice(32), type: plainV1 ? 'PERSONAL_ACCESS_TOKEN' : 'PERSONAL_ACCESS_TOKEN_V1' };
  }
  return { ok: false };
}
