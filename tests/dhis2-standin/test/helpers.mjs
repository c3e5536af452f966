// Test helpers: spawn a stand-in, a tiny cookie-jar HTTP client, and the OAuth code+PKCE driver.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import http from 'node:http';

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'server.mjs');

export async function startServer(args = [], { timeoutMs = 15000 } = {}) {
  const proc = spawn(process.execPath, [SERVER, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const started = Date.now();
  const url = await new Promise((resolve, reject) => {
    // A stand-in that never gets ready is killed: left running, it would keep this test process alive.
    const t = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`stand-in did not start in ${timeoutMs} ms: ${err}`)); }, timeoutMs);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /^DHIS2_STANDIN_URL=(\S+)\n/m.exec(out);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(t); reject(new Error(`stand-in exited ${code}: ${err}`)); });
  });
  const startMs = Date.now() - started;
  const fixtures = await (await fetch(`${url}/__standin/fixtures`)).json();
  const stop = async () => {
    if (proc.exitCode !== null) return proc.exitCode;
    proc.kill('SIGTERM');
    const [code] = await once(proc, 'exit');
    return code;
  };
  return { url, fixtures, proc, stop, startMs, stdout: () => out, stderr: () => err };
}

export const basic = (u, p) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

export async function control(url, what, method = 'POST', body) {
  const r = await fetch(`${url}/__standin/${what}`, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  return r.json();
}

// A client with a cookie jar and manual redirects.
export class Jar {
  constructor() { this.cookies = new Map(); }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
  store(res) {
    for (const c of res.headers.getSetCookie()) {
      const [nv, ...attrs] = c.split(';');
      const i = nv.indexOf('=');
      const name = nv.slice(0, i).trim();
      const value = nv.slice(i + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a.trim()) || (/^expires=/i.test(a.trim()) && new Date(a.trim().slice(8)) < new Date()));
      if (expired || value === '') this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }
  async fetch(url, opts = {}) {
    const headers = { ...(opts.headers || {}) };
    if (this.cookies.size) headers.cookie = this.header();
    const res = await fetch(url, { ...opts, headers, redirect: 'manual' });
    this.store(res);
    return res;
  }
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export const formBody = (o) => new URLSearchParams(o).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function parseForm(html) {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
  const inputs = {};
  for (const m of html.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (name && !/type="checkbox"/.test(m[0])) inputs[name] = value;
  }
  const checkboxes = [...html.matchAll(/<input[^>]*type="checkbox"[^>]*>/g)].map((m) => ({
    id: /id="([^"]+)"/.exec(m[0])?.[1], value: /value="([^"]*)"/.exec(m[0])?.[1],
  }));
  return { action, inputs, checkboxes };
}

// Drives /oauth2/authorize through the login and consent forms. Stops at the first redirect to
// the client's redirect_uri (or at any non-redirect response) and returns what happened.
export async function authorize(base, {
  jar = new Jar(), clientId = 'dhis2w-desktop-public', redirectUri, scope = 'ALL', state = 'st-123',
  challenge, method = 'S256', user = { username: 'admin', password: 'district' }, consent = 'approve', untick = [],
  extra = {}, log = [],
} = {}) {
  const origin = new URL(base).origin;
  const params = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope, state, ...extra };
  if (challenge !== null) { params.code_challenge = challenge; if (method) params.code_challenge_method = method; }
  for (const k of Object.keys(params)) if (params[k] === undefined) delete params[k];
  let res = await jar.fetch(`${base}/oauth2/authorize?${formBody(params)}`);
  let sawLogin = false;
  let sawConsent = false;
  for (let hops = 0; hops < 20; hops++) {
    log.push(`${res.status} ${res.headers.get('location') || ''}`);
    if ([301, 302, 303, 307].includes(res.status)) {
      const loc = new URL(res.headers.get('location'), origin).href;
      if (redirectUri && (loc.startsWith(redirectUri.split('?')[0]) || !loc.startsWith(origin))) {
        const u = new URL(loc);
        return { status: 'redirect', location: loc, params: Object.fromEntries(u.searchParams), sawLogin, sawConsent, jar };
      }
      res = await jar.fetch(loc);
      continue;
    }
    if (res.status !== 200) return { status: 'error', httpStatus: res.status, body: await res.text(), sawLogin, sawConsent, jar };
    const html = await res.text();
    const form = parseForm(html);
    if (html.includes('id="submit-consent"')) {
      sawConsent = true;
      const sp = new URLSearchParams(form.inputs);
      for (const cb of form.checkboxes) if (!untick.includes(cb.value)) sp.append('scope', cb.value);
      sp.set('action', consent === 'approve' ? 'approve' : 'cancel');
      res = await jar.fetch(new URL(form.action, origin).href, { method: 'POST', headers: FORM, body: sp.toString() });
      continue;
    }
    if (html.includes('id="password"')) {
      if (sawLogin && html.includes('id="error"')) return { status: 'login-error', body: html, sawLogin, jar };
      sawLogin = true;
      const body = { ...form.inputs, username: user.username, password: user.password };
      if (user.twoFactorCode && 'twoFactorCode' in form.inputs) body.twoFactorCode = user.twoFactorCode;
      res = await jar.fetch(new URL(form.action, origin).href, { method: 'POST', headers: FORM, body: formBody(body) });
      continue;
    }
    return { status: 'page', body: html, sawLogin, sawConsent, jar };
  }
  throw new Error(`too many hops: ${log.join(' | ')}`);
}

export async function token(base, form, { basicAuth } = {}) {
  const headers = { ...FORM };
  if (basicAuth) headers.authorization = basicAuth;
  const r = await fetch(`${base}/oauth2/token`, { method: 'POST', headers, body: formBody(form) });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = null; }
  return { status: r.status, json, headers: r.headers, text };
}

// Full happy path; returns the token response.
export async function signIn(base, fx, { confidential = false, scope = 'ALL', port = 54321, postAuth = false, untick = [] } = {}) {
  const c = confidential ? fx.clients.confidential : fx.clients.public;
  const redirectUri = `http://127.0.0.1:${port}/oauth2/callback`;
  const { verifier, challenge } = pkce();
  const r = await authorize(base, { clientId: c.clientId, redirectUri, scope, challenge, untick });
  if (r.status !== 'redirect' || !r.params.code) throw new Error(`authorize failed: ${JSON.stringify(r).slice(0, 500)}`);
  const form = { grant_type: 'authorization_code', code: r.params.code, redirect_uri: redirectUri, code_verifier: verifier };
  let basicAuth;
  if (confidential && postAuth) Object.assign(form, { client_id: c.clientId, client_secret: c.clientSecret });
  else if (confidential) basicAuth = basic(c.clientId, c.clientSecret);
  else form.client_id = c.clientId;
  const t = await token(base, form, { basicAuth });
  return { ...t, code: r.params.code, verifier, redirectUri, authorize: r };
}

// Raw HTTP GET with an arbitrary Host header (fetch forbids overriding Host).
export function rawGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
