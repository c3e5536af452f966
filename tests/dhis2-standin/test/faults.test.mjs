// The fault switches for the client's fault matrix (issue 14; lib/faults.mjs): the token endpoint failing,
// hanging or answering HTML, a rotated signing key, proxy 502/503 with Retry-After, a body cut short, a
// body that never ends, redirects away from the instance; each one counted or cleared, then normal again.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { startServer, control, signIn, token, basic, rawGet } from './helpers.mjs';

const s = await startServer(['--context-path', '/dhis']);
test.after(() => s.stop());
const admin = { authorization: basic('admin', 'district') };
const faults = (body) => control(s.url, 'faults', body ? 'POST' : 'DELETE', body);
const me = (headers = admin) => fetch(`${s.url}/api/me`, { headers, redirect: 'manual' });
const confidential = () => basic(s.fixtures.clients.confidential.clientId, s.fixtures.clients.confidential.clientSecret);
const refresh = (rt, base = s.url) => token(base, { grant_type: 'refresh_token', refresh_token: rt }, { basicAuth: confidential() });
const lastLog = async (path) => (await control(s.url, 'requests', 'GET')).requests.filter((e) => e.path === path).at(-1);

// One request on its own connection (no pooling), resolved at the response headers.
function send(url, { method = 'GET', headers = {}, body, timeoutMs } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => resolve({ req, res }));
    if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

// Reads a body to its end or its cut: {body, complete, error}.
function readAll(res) {
  return new Promise((resolve) => {
    const chunks = [];
    let error = null;
    res.on('data', (c) => chunks.push(c));
    res.on('error', (e) => { error = e; });
    res.on('close', () => resolve({ body: Buffer.concat(chunks), complete: res.complete, error }));
  });
}

const until = async (what, fn, ms = 3000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await fn()) return; await new Promise((r) => setTimeout(r, 20)); }
  assert.fail(`timed out waiting for ${what}`);
};

test('tokenEndpoint "5xx": 500 {"error":"server_error"}, counted; tokenEndpointFailure is its older name', async () => {
  const t = await signIn(s.url, s.fixtures, { confidential: true });
  assert.deepEqual((await faults({ tokenEndpoint: { mode: '5xx', count: 2 } })).faults.tokenEndpoint, { mode: '5xx', count: 2 });
  for (let i = 0; i < 2; i++) {
    const r = await refresh(t.json.refresh_token);
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, { error: 'server_error' });
  }
  assert.equal((await lastLog('/dhis/oauth2/token')).fault, 'tokenEndpoint:5xx');
  assert.equal((await faults({})).faults.tokenEndpoint, undefined, 'the count ran out');
  assert.equal((await refresh(t.json.refresh_token)).status, 200);
  await faults({ tokenEndpoint: { mode: '5xx', status: 503 } });
  assert.equal((await refresh(t.json.refresh_token)).status, 503);
  await faults();
  await faults({ tokenEndpointFailure: true });
  assert.equal((await refresh(t.json.refresh_token)).status, 500);
  await faults();
  const ok = await refresh(t.json.refresh_token);
  assert.equal(ok.status, 200);
  assert.equal((await lastLog('/dhis/oauth2/token')).fault, null);
});

test('tokenEndpoint "html": 200 text/html, not JSON, until cleared', async () => {
  const t = await signIn(s.url, s.fixtures, { confidential: true });
  await faults({ tokenEndpoint: 'html' });
  for (let i = 0; i < 2; i++) {
    const r = await refresh(t.json.refresh_token);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.equal(r.json, null);
    assert.match(r.text, /<html/);
  }
  await faults();
  assert.ok((await refresh(t.json.refresh_token)).json.access_token);
});

test('tokenEndpoint "timeout": the request is read and never answered; the client gives up, the server lets go', async () => {
  const t = await signIn(s.url, s.fixtures, { confidential: true });
  await faults({ tokenEndpoint: { mode: 'timeout', count: 1 } });
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: t.json.refresh_token }).toString();
  const started = Date.now();
  await assert.rejects(send(`${s.url}/oauth2/token`, {
    method: 'POST', timeoutMs: 300, body: form,
    headers: { authorization: confidential(), 'content-type': 'application/x-www-form-urlencoded' },
  }), /client timeout/);
  assert.ok(Date.now() - started >= 290);
  await until('the held response to be released', async () => (await faults({})).held === 0);
  const log = await lastLog('/dhis/oauth2/token');
  assert.equal(log.fault, 'tokenEndpoint:timeout');
  assert.equal(log.status, null, 'never answered');
  assert.equal((await refresh(t.json.refresh_token)).status, 200, 'count 1: the next one is answered');
});

test('rotateSigningKey: earlier access tokens → 401 invalid_token on /api/*, refresh and new tokens work (§2.9, §9.2)', async () => {
  const t = await signIn(s.url, s.fixtures, { confidential: true });
  const bearer = (at) => ({ authorization: `Bearer ${at}` });
  assert.equal((await me(bearer(t.json.access_token))).status, 200);
  const kid1 = (await (await fetch(`${s.url}/oauth2/jwks`)).json()).keys[0].kid;
  const set = await faults({ rotateSigningKey: true });
  assert.equal(set.faults.rotateSigningKey.refresh, 'works');
  assert.notEqual(set.faults.rotateSigningKey.kid, kid1);
  assert.equal((await (await fetch(`${s.url}/oauth2/jwks`)).json()).keys[0].kid, set.faults.rotateSigningKey.kid);
  const old = await me(bearer(t.json.access_token));
  assert.equal(old.status, 401);
  assert.match(old.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
  assert.equal((await old.json()).message, 'invalid_token');
  const r = await refresh(t.json.refresh_token);
  assert.equal(r.status, 200, r.text);
  assert.equal((await me(bearer(r.json.access_token))).status, 200);
  // Clearing the faults does not bring the old key back.
  await faults();
  assert.equal((await me(bearer(t.json.access_token))).status, 401);
  assert.equal((await me(bearer(r.json.access_token))).status, 200);
  // The other observed outcome: refresh tokens from before the restart give invalid_grant.
  await faults({ rotateSigningKey: { refresh: 'invalid_grant' } });
  assert.equal((await me(bearer(r.json.access_token))).status, 401);
  const bad = await refresh(t.json.refresh_token);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error, 'invalid_grant');
  await faults();
  const again = await signIn(s.url, s.fixtures, { confidential: true });
  assert.equal((await me(bearer(again.json.access_token))).status, 200);
  assert.equal((await refresh(again.json.refresh_token)).status, 200);
});

test('apiStatus: a proxy 503/502 page with Retry-After for the next N /api/* calls, then normal', async () => {
  await faults({ apiStatus: { status: 503, retryAfter: 2, count: 2 } });
  for (let i = 0; i < 2; i++) {
    const r = await me();
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.match(await r.text(), /<h1>503 Service Unavailable<\/h1>/);
  }
  assert.equal((await lastLog('/dhis/api/me')).fault, 'apiStatus:503');
  assert.equal((await me()).status, 200);
  const date = 'Wed, 21 Oct 2037 07:28:00 GMT';
  await faults({ apiStatus: { status: 502, retryAfter: date, body: 'text' } });
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${s.url}/api/system/info`); // no credentials needed: the proxy answers first
    assert.equal(r.status, 502);
    assert.equal(r.headers.get('retry-after'), date);
    assert.equal(await r.text(), '502 Bad Gateway\n');
  }
  await faults();
  await faults({ apiStatus: 502 });
  const r = await me();
  assert.equal(r.status, 502);
  assert.equal(r.headers.get('retry-after'), null, 'no retryAfter, no header');
  await faults();
  assert.equal((await me()).status, 200);
});

test('resetMidBody: 200 with the full Content-Length, part of the body, then the connection ends', async () => {
  await faults({ resetMidBody: { count: 1 } });
  const { res } = await send(`${s.url}/api/organisationUnits`, { headers: admin });
  assert.equal(res.statusCode, 200);
  const total = Number(res.headers['content-length']);
  const got = await readAll(res);
  assert.equal(got.complete, false);
  assert.ok(got.body.length > 0 && got.body.length < total, `${got.body.length} of ${total}`);
  assert.equal((await me()).status, 200, 'count 1: the next call is whole');
  // reset: a TCP RST after `after` bytes, which a prompt reader sees after the part it got.
  await faults({ resetMidBody: { after: 10, reset: true } });
  for (let i = 0; i < 2; i++) {
    const { res: r2 } = await send(`${s.url}/api/me`, { headers: admin });
    const cut = await readAll(r2);
    assert.equal(cut.complete, false);
    assert.ok(cut.body.length <= 10);
  }
  await faults();
  assert.equal((await me()).status, 200);
});

test('slowDrip: headers, then a byte every intervalMs, never the end; the next call is normal', async () => {
  // Paces are checked from before the request was sent: timers may be late on a busy machine, never early.
  await faults({ slowDrip: { count: 1, intervalMs: 50 } });
  const sent = Date.now();
  const { req, res } = await send(`${s.url}/api/organisationUnits`, { headers: admin });
  assert.equal(res.statusCode, 200);
  let body = '';
  let ended = false;
  res.on('data', (c) => { body += c; });
  res.on('end', () => { ended = true; });
  await until('three bytes', () => body.length >= 3);
  assert.ok(Date.now() - sent >= 140, 'not faster than one byte per 50 ms');
  assert.equal(body.trim(), '', 'JSON whitespace');
  assert.equal(ended, false);
  assert.equal((await faults({})).held, 1);
  req.destroy();
  await until('the drip to stop', async () => (await faults({})).held === 0);
  assert.equal((await me()).status, 200);
  // The default pace: about one byte per 500 ms.
  await faults({ slowDrip: true });
  const t0 = Date.now();
  const d = await send(`${s.url}/api/me`, { headers: admin });
  await once(d.res, 'data');
  assert.ok(Date.now() - t0 >= 450, 'not before ~500 ms');
  d.req.destroy();
  await faults();
  assert.equal((await me()).status, 200);
});

test('redirect: /api/* answers 302 to another host, to http://, or to a given URL', async () => {
  const port = new URL(s.url).port;
  await faults({ redirect: { to: 'cross-host', count: 1 } });
  const cross = await fetch(`${s.url}/api/me?fields=id`, { headers: admin, redirect: 'manual' });
  assert.equal(cross.status, 302);
  assert.equal(cross.headers.get('location'), `http://localhost:${port}/dhis/api/me?fields=id`);
  assert.equal((await lastLog('/dhis/api/me')).fault, 'redirect');
  assert.equal((await me()).status, 200, 'count 1');
  // The localhost alias answers 301 back (§7); the request log shows whether credentials were sent there.
  const back = await rawGet(`${s.url}/api/me?fields=id`, { host: `localhost:${port}` }); // fetch cannot set Host
  assert.equal(back.status, 301);
  const hop = (await control(s.url, 'requests', 'GET')).requests.filter((e) => e.host === `localhost:${port}`).at(-1);
  assert.equal(hop.auth, 'none');

  await faults({ redirect: { to: 'https-to-http', status: 301 } });
  const down = await fetch(`${s.url}/api/system/info`, { redirect: 'manual' });
  assert.equal(down.status, 301);
  assert.equal(down.headers.get('location'), `http://127.0.0.1:${port}/dhis/api/system/info`);
  await faults();
  await faults({ redirect: 'http://elsewhere.invalid/dhis/api/me' });
  for (let i = 0; i < 2; i++) assert.equal((await me()).headers.get('location'), 'http://elsewhere.invalid/dhis/api/me');
  await faults();
  assert.equal((await me()).status, 200);
});

test('faults: a wrong shape is refused with 400 and nothing is set', async () => {
  await faults();
  for (const body of [{ tokenEndpoint: 'slow' }, { apiStatus: { status: 200 } }, { apiStatus: { status: 503, count: 0 } },
    { redirect: { to: 'ftp://x' } }, { slowDrip: { intervalMs: 1 } }, { resetMidBody: { after: -1 } },
    { rotateSigningKey: { refresh: 'maybe' } }, [1, 2]]) {
    const r = await fetch(`${s.url}/__standin/faults`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match((await r.json()).message, /^Fault not set: /);
  }
  assert.deepEqual((await faults({})).faults, {});
});

test('2.40 (/uaa): tokenEndpoint and rotateSigningKey apply to the legacy token endpoint too', async (t) => {
  const o = await startServer(['--profile', '2.40']);
  t.after(o.stop);
  const c = o.fixtures.clients.confidential;
  const post = (form) => fetch(`${o.url}/uaa/oauth/token`, {
    method: 'POST', body: new URLSearchParams(form).toString(),
    headers: { authorization: basic(c.clientId, c.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
  });
  const pw = await (await post({ grant_type: 'password', username: 'admin', password: 'district' })).json();
  await control(o.url, 'faults', 'POST', { tokenEndpoint: { mode: 'html', count: 1 } });
  const html = await post({ grant_type: 'refresh_token', refresh_token: pw.refresh_token });
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-type'), /^text\/html/);
  await control(o.url, 'faults', 'POST', { rotateSigningKey: true });
  const old = await fetch(`${o.url}/api/me`, { headers: { authorization: `Bearer ${pw.access_token}` } });
  assert.equal(old.status, 401);
  assert.equal((await old.json()).error, 'invalid_token');
  const r = await (await post({ grant_type: 'refresh_token', refresh_token: pw.refresh_token })).json();
  assert.equal((await fetch(`${o.url}/api/me`, { headers: { authorization: `Bearer ${r.access_token}` } })).status, 200);
});

test('SIGTERM with a hanging token request and a dripping body open: the server exits 0 at once', async (t) => {
  const o = await startServer([]);
  t.after(o.stop);
  await control(o.url, 'faults', 'POST', { tokenEndpoint: 'timeout', slowDrip: { intervalMs: 50 } });
  const hang = new Promise((resolve) => {
    const req = http.request(`${o.url}/oauth2/token`, { method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    req.on('response', () => resolve('answered'));
    req.on('error', (e) => resolve(e.code || e.message));
    req.end('grant_type=refresh_token&refresh_token=x');
  });
  const { res } = await send(`${o.url}/api/me`, { headers: admin });
  const dripEnd = readAll(res);
  await until('both responses to be held', async () => (await control(o.url, 'faults', 'GET')).held === 2);
  const t0 = Date.now();
  assert.equal(await o.stop(), 0);
  assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`);
  assert.doesNotMatch(o.stderr(), /forced exit/);
  assert.notEqual(await hang, 'answered');
  assert.equal((await dripEnd).complete, false);
});
