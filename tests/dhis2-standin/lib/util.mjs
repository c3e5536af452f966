// Shared helpers: WebMessages, JSON responses, dates, deterministic randomness.
import { createHash } from 'node:crypto';

const REASONS = {
  200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 409: 'Conflict', 500: 'Internal Server Error', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout', 429: 'Too Many Requests',
};
export const reason = (code) => REASONS[code] || 'Unknown';

// dhis2-server.md §6.1: WebMessage key order httpStatus, httpStatusCode, status, code, message,
// devMessage, response, errorCode; null fields left out (NON_NULL).
export function webMessage(code, { status, message, devMessage, response, errorCode, wmCode } = {}) {
  const wm = { httpStatus: reason(code), httpStatusCode: code, status: status || (code < 400 ? 'OK' : 'ERROR') };
  if (wmCode != null) wm.code = wmCode;
  if (message != null) wm.message = message;
  if (devMessage != null) wm.devMessage = devMessage;
  if (response != null) wm.response = response;
  if (errorCode != null) wm.errorCode = errorCode;
  return wm;
}

export function sendJson(res, code, body, headers = {}) {
  const text = JSON.stringify(body);
  const h = { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...headers };
  // dhis2-server.md §5.1: 4xx/5xx WebMessages carry Cache-Control: no-cache, private.
  if (code >= 400 && !h['Cache-Control']) h['Cache-Control'] = 'no-cache, private';
  res.writeHead(code, h);
  res.end(text);
}

export function sendWebMessage(res, code, opts = {}, headers = {}) {
  sendJson(res, code, webMessage(code, opts), headers);
}

export function sendText(res, code, text, type = 'text/plain;charset=UTF-8', headers = {}) {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function redirect(res, code, location, headers = {}) {
  res.writeHead(code, { Location: location, 'Content-Length': 0, ...headers });
  res.end();
}

// dhis2-server.md §6.1: yyyy-MM-dd'T'HH:mm:ss.SSS, no time zone.
export function dhisDate(d) {
  return new Date(d).toISOString().replace('Z', '');
}

export function readBody(req, limit = 1 << 20) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on('data', (c) => {
      n += c.length;
      if (n > limit) { reject(new Error('body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function readJson(req) {
  const text = await readBody(req);
  if (!text.trim()) return {};
  return JSON.parse(text);
}

export function parseCookies(header) {
  const out = {};
  for (const part of (header || '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

export function htmlEscape(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// Deterministic PRNG (mulberry32) so seeded data and tokens are stable across runs.
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// DHIS2 UID: 11 characters, a letter first, then letters/digits.
export function uidFrom(rand) {
  let s = LETTERS[Math.floor(rand() * LETTERS.length)];
  for (let i = 0; i < 10; i++) s += ALNUM[Math.floor(rand() * ALNUM.length)];
  return s;
}
export const UID_RE = /^[A-Za-z][A-Za-z0-9]{10}$/;

// Deterministic string from a label (for seeded secrets/tokens).
export function seededChars(label, n) {
  let out = '';
  let counter = 0;
  while (out.length < n) {
    const h = createHash('sha256').update(`dhis2-standin:${label}:${counter++}`).digest();
    for (const b of h) {
      if (b < 248) out += ALNUM[b % 62];
      if (out.length === n) break;
    }
  }
  return out;
}

export const sha256hex = (s) => createHash('sha256').update(s).digest('hex');

export function isLoopback(addr) {
  if (!addr) return false;
  const a = addr.replace(/^::ffff:/, '');
  return a.startsWith('127.') || a === '::1';
}
