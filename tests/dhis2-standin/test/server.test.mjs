import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, basic, control, rawGet, signIn } from './helpers.mjs';

test('ready line is the only stdout, exits cleanly on SIGTERM (start-up time: npm run bench)', async () => {
  const s = await startServer([]);
  assert.match(s.stdout(), /^DHIS2_STANDIN_URL=http:\/\/127\.0\.0\.1:\d+\n$/);
  assert.equal(await s.stop(), 0);
  assert.equal(s.stdout().split('\n').filter(Boolean).length, 1);
});

test('fixtures document the seeded users, PATs and clients (contract)', async () => {
  const s = await startServer([]);
  try {
    const f = s.fixtures;
    assert.equal(f.baseUrl, s.url);
    assert.equal(f.aliasUrl, s.url.replace('127.0.0.1', 'localhost'));
    assert.deepEqual([f.profile, f.version, f.loginPath], ['2.43', '2.43.1', '/login/']);
    assert.deepEqual(f.users.admin, { username: 'admin', password: 'district', displayName: 'John Traore', id: 'xE7jOejl9FI', superuser: true });
    for (const k of ['analyst', 'locked', 'disabled', 'twofa']) assert.ok(f.users[k].username, k);
    for (const k of ['valid', 'expired', 'getOnly', 'ipLimited', 'referrer', 'referrerValue', 'v1', 'lockedOwner', 'twofaOwner']) assert.ok(f.pats[k], k);
    assert.match(f.pats.v1, /^d2pat_/);
    assert.equal(f.clients.confidential.clientId, 'dhis2w-desktop');
    assert.ok(f.clients.confidential.clientSecret);
    assert.equal(f.clients.public.clientId, 'dhis2w-desktop-public');
    assert.deepEqual(f.clients.public.redirectUris, ['http://127.0.0.1/oauth2/callback', 'org.dhis2w.desktop:/oauth2/callback']);
    const again = await startServer([]);
    assert.deepEqual(again.fixtures.pats, f.pats); // deterministic across runs
    await again.stop();
  } finally { await s.stop(); }
});

test('localhost alias answers 301 to 127.0.0.1 (§7)', async () => {
  const s = await startServer([]);
  try {
    const port = new URL(s.url).port;
    const r = await rawGet(`${s.url}/api/system/info?x=1`, { host: `localhost:${port}`, authorization: basic('admin', 'district') });
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `http://127.0.0.1:${port}/api/system/info?x=1`);
  } finally { await s.stop(); }
});

test('context path /dhis: API, login page, OAuth issuer and control API live under it', async () => {
  const s = await startServer(['--context-path', '/dhis']);
  try {
    assert.match(s.url, /\/dhis$/);
    const r = await fetch(`${s.url}/api/system/info`, { headers: { authorization: basic('admin', 'district') } });
    assert.equal((await r.json()).version, '2.43.1');
    const origin = new URL(s.url).origin;
    assert.equal((await fetch(`${origin}/api/system/info`)).status, 404);
    const d = await (await fetch(`${s.url}/.well-known/openid-configuration`)).json();
    assert.equal(d.issuer, `${s.url}/`);
    assert.equal(d.token_endpoint, `${s.url}/oauth2/token`);
    const nc = await fetch(`${s.url}/api/me`, { redirect: 'manual' });
    assert.equal(nc.headers.get('location'), `${s.url}/login/`);
    const t = await signIn(s.url, s.fixtures, { scope: 'ALL' });
    assert.equal(t.status, 200, t.text);
    const me = await fetch(`${s.url}/api/me`, { headers: { authorization: `Bearer ${t.json.access_token}` } });
    assert.equal(me.status, 200);
  } finally { await s.stop(); }
});

test('request log: method, path, host, auth scheme, status; never the secret', async () => {
  const s = await startServer([]);
  try {
    await fetch(`${s.url}/api/me?secret=1`, { headers: { authorization: basic('admin', 'district') } });
    await fetch(`${s.url}/api/me`, { headers: { authorization: `ApiToken ${s.fixtures.pats.valid}` } });
    await fetch(`${s.url}/api/me`, { headers: { authorization: 'Bearer abc' } });
    await fetch(`${s.url}/api/ping`);
    const { requests } = await control(s.url, 'requests', 'GET');
    assert.deepEqual(requests.map((e) => [e.method, e.path, e.auth, e.status]), [
      ['GET', '/api/me', 'basic', 200], ['GET', '/api/me', 'apitoken', 200], ['GET', '/api/me', 'bearer', 401], ['GET', '/api/ping', 'none', 200]]);
    assert.equal(requests[0].seq, 1);
    assert.equal(requests[0].host, new URL(s.url).host);
    assert.ok(!JSON.stringify(requests).includes(s.fixtures.pats.valid));
    assert.ok(!JSON.stringify(requests).includes('district'));
    await control(s.url, 'requests', 'DELETE');
    assert.equal((await control(s.url, 'requests', 'GET')).requests.length, 0);
  } finally { await s.stop(); }
});

test('--access-ttl sets expires_in; tokens expire by themselves', async () => {
  const s = await startServer(['--access-ttl', '1', '--refresh-ttl', '60']);
  try {
    const t = await signIn(s.url, s.fixtures, { confidential: true, scope: 'ALL' });
    assert.ok(t.json.expires_in <= 1);
    await new Promise((r) => setTimeout(r, 1300));
    const r = await fetch(`${s.url}/api/me`, { headers: { authorization: `Bearer ${t.json.access_token}` } });
    assert.equal(r.status, 401);
    assert.match((await r.json()).devMessage, /Jwt expired at/);
  } finally { await s.stop(); }
});
