import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, basic } from './helpers.mjs';
import { validateChecksum, makeV2, makeV1 } from '../lib/pat.mjs';

let s;
before(async () => { s = await startServer([]); });
after(async () => { await s.stop(); });

const get = (p, headers = {}, method = 'GET') => fetch(`${s.url}${p}`, { headers, method, redirect: 'manual' });
const U = () => s.fixtures.users;

test('Basic: wrong credentials -> 401 WebMessage without WWW-Authenticate (§5.1)', async () => {
  const r = await get('/api/me', { authorization: basic('admin', 'wrong') });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('www-authenticate'), null);
  assert.equal(r.headers.get('cache-control'), 'no-cache, private');
  assert.equal(await r.text(), '{"httpStatus":"Unauthorized","httpStatusCode":401,"status":"ERROR","message":"Unauthorized"}');
});

test('Basic: Account locked / Account disabled / 2FA user refused', async () => {
  const l = await get('/api/me', { authorization: basic(U().locked.username, U().locked.password) });
  assert.equal((await l.json()).message, 'Account locked');
  const d = await get('/api/me', { authorization: basic(U().disabled.username, U().disabled.password) });
  assert.equal((await d.json()).message, 'Account disabled');
  const t = await get('/api/me', { authorization: basic(U().twofa.username, U().twofa.password) });
  assert.equal(t.status, 401);
});

test('no credentials -> 302 to login page; XMLHttpRequest -> 401 JSON', async () => {
  const r = await get('/api/me');
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), `${s.url}/login/`);
  const x = await get('/api/me', { 'x-requested-with': 'XMLHttpRequest' });
  assert.equal(x.status, 401);
  assert.equal((await x.json()).message, 'Unauthorized');
});

test('Basic success sets JSESSIONID and the cookie alone then authenticates (§5.2)', async () => {
  const r = await get('/api/me', { authorization: basic('admin', 'district') });
  assert.equal(r.status, 200);
  const c = r.headers.get('set-cookie');
  assert.match(c, /^JSESSIONID=[0-9A-F]+; Path=\/; HttpOnly; SameSite=Lax$/);
  const r2 = await get('/api/me', { cookie: c.split(';')[0] });
  assert.equal(r2.status, 200);
  assert.equal((await r2.json()).username, 'admin');
});

test('/api/auth/login JSON and form login create a session', async () => {
  const bad = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'x' }) });
  assert.equal(bad.status, 401);
  assert.equal((await bad.json()).message, 'Bad credentials');
  const ok = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'district' }) });
  const b = await ok.json();
  assert.equal(b.loginStatus, 'SUCCESS');
  assert.match(b.redirectUrl, /dhis-web-dashboard/);
  const locked = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'locked', password: U().locked.password }) });
  assert.equal((await locked.json()).loginStatus, 'ACCOUNT_LOCKED');
  const f = await fetch(`${s.url}/login/`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=twofa&password=TwoFactor123&twoFactorCode=123456' });
  assert.equal(f.status, 302);
  const cookie = f.headers.get('set-cookie').split(';')[0];
  const me = await get('/api/me', { cookie });
  assert.equal((await me.json()).twoFactorType, 'TOTP_ENABLED');
});

test('/api/ping public and empty; /api/system/ping needs auth and says pong (§5.2)', async () => {
  const p = await get('/api/ping');
  assert.equal(p.status, 200);
  assert.equal(await p.text(), '');
  assert.equal((await get('/api/system/ping')).status, 302);
  const sp = await get('/api/system/ping', { authorization: basic('admin', 'district') });
  assert.equal(await sp.text(), 'pong');
});

test('PAT checksum rule incl. the test vectors (§4.3)', () => {
  for (const t of ['d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Mei', 'd2p_z9T7lpwaWUcvi8yBWt5zvB0LMUfUayHChm7SWGeNrYOJ38vtdY',
    'd2p_ncHEvom5vkYYb6Rr2Jg4LbpS8L7khNzk8YDPw1KqZKD54Z8410', 'd2pat_e0b5Y9bXWtUcfEY8BMHHj9aJZkXCQ7O50174669582',
    'd2pat_rxIbXljF8Pj5oFRTos4bDmPTnnRu8f4M2723141895', 'd2pat_kUZDgXG5BbA3xXxgVTsx1SxiIVTRHA653675120217']) {
    assert.ok(validateChecksum(t).ok, t);
  }
  assert.equal(validateChecksum('d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa1jU4oK').ok, false); // plain CRC
  assert.ok(validateChecksum('d2pat_5xVA12xyUbWNedQxy4ohH77WlxRGVvZZ1151814092', { plainV1: true }).ok);
  assert.equal(makeV2('iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa'), 'd2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Mei');
  assert.equal(makeV1('e0b5Y9bXWtUcfEY8BMHHj9aJZkXCQ7O5'), 'd2pat_e0b5Y9bXWtUcfEY8BMHHj9aJZkXCQ7O50174669582');
  for (const [k, v] of Object.entries(s.fixtures.pats)) if (k !== 'referrerValue') assert.ok(validateChecksum(v).ok, k);
});

test('PAT error table with WWW-Authenticate: ApiToken (§4.5)', async () => {
  const P = s.fixtures.pats;
  const cases = [
    ['ApiToken not!valid', 400, 'Api token is malformed'],
    ['ApiToken d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Mex', 400, 'Checksum validation failed'],
    ['ApiToken d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Mei', 401, 'The API token does not exists'],
    [`ApiToken ${P.expired}`, 401, 'Failed to authenticate API token, token has expired.'],
    [`ApiToken ${P.ipLimited}`, 401, 'Failed to authenticate API token, request ip address is not allowed.'],
    [`ApiToken ${P.referrer}`, 401, 'Failed to authenticate API token, request http referrer is missing or not allowed.'],
    [`ApiToken ${P.lockedOwner}`, 401, 'The API token is disabled, locked or 2FA is enabled.'],
    [`ApiToken ${P.twofaOwner}`, 401, 'The API token is disabled, locked or 2FA is enabled.'],
  ];
  for (const [h, code, message] of cases) {
    const r = await get('/api/me', { authorization: h });
    assert.equal(r.status, code, h);
    assert.equal(r.headers.get('www-authenticate'), 'ApiToken');
    assert.deepEqual(await r.json(), { httpStatus: code === 400 ? 'Bad Request' : 'Unauthorized', httpStatusCode: code, status: 'ERROR', message });
  }
  const m = await get('/api/me', { authorization: `ApiToken ${P.getOnly}` }, 'DELETE');
  assert.equal((await m.json()).message, 'Failed to authenticate API token, request http method is not allowed.');
  assert.equal((await get('/api/me', { authorization: `ApiToken ${P.getOnly}` })).status, 200);
  assert.equal((await get('/api/me', { authorization: `ApiToken ${P.referrer}`, referer: P.referrerValue })).status, 200);
  assert.equal((await get('/api/me', { authorization: `ApiToken ${P.ipLimited}`, 'x-forwarded-for': '203.0.113.7' })).status, 200);
  for (const k of ['valid', 'v1']) {
    const r = await get('/api/me', { authorization: `ApiToken ${P[k]}` });
    assert.equal(r.status, 200, k);
    assert.equal(r.headers.get('set-cookie'), null); // PAT requests are stateless
  }
});

test('POST /api/apiToken: key shown once, SHA-256 kept, 201 + Location; 409 on bad attributes (§4.1)', async () => {
  const h = { authorization: basic('admin', 'district'), 'content-type': 'application/json' };
  const r = await fetch(`${s.url}/api/apiToken`, { method: 'POST', headers: h, body: '{}' });
  assert.equal(r.status, 201);
  const b = await r.json();
  assert.match(b.response.key, /^d2p_[0-9A-Za-z]{50}$/);
  assert.ok(validateChecksum(b.response.key).ok);
  assert.equal(r.headers.get('location'), `${s.url}/api/apiToken/${b.response.uid}`);
  const me = await get('/api/me', { authorization: `ApiToken ${b.response.key}` });
  assert.equal(me.status, 200);
  const one = await (await get(`/api/apiToken/${b.response.uid}`, h)).json();
  assert.ok(!JSON.stringify(one).includes(b.response.key));
  const bad = await fetch(`${s.url}/api/apiToken`, { method: 'POST', headers: h, body: JSON.stringify({ attributes: [{ type: 'IpAllowedList', allowedIps: ['not-an-ip'] }] }) });
  assert.equal(bad.status, 409);
  assert.match((await bad.json()).message, /^Failed to validate the token's attributes, message: /);
});
