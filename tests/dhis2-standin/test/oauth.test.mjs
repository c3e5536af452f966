import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, authorize, pkce, token, signIn, basic, control, Jar } from './helpers.mjs';

let s;
before(async () => { s = await startServer([]); });
after(async () => { await s.stop(); });

const me = (t) => fetch(`${s.url}/api/me`, { headers: { authorization: `Bearer ${t}` } });

test('discovery on DHIS2 paths, issuer with trailing slash (§2.2, §2.3)', async () => {
  for (const p of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    const d = await (await fetch(`${s.url}${p}`)).json();
    assert.equal(d.issuer, `${s.url}/`);
    assert.equal(d.authorization_endpoint, `${s.url}/oauth2/authorize`);
    assert.equal(d.token_endpoint, `${s.url}/oauth2/token`);
    assert.equal(d.jwks_uri, `${s.url}/oauth2/jwks`);
    assert.equal(d.revocation_endpoint, `${s.url}/oauth2/revoke`);
    assert.equal(d.introspection_endpoint, `${s.url}/oauth2/introspect`);
    assert.equal(d.userinfo_endpoint, `${s.url}/userinfo`);
    assert.equal(d.end_session_endpoint, `${s.url}/connect/logout`);
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(d.scopes_supported, ['openid']);
  }
  const jwks = await (await fetch(`${s.url}/oauth2/jwks`)).json();
  assert.equal(jwks.keys[0].kty, 'RSA');
  assert.equal(jwks.keys[0].e, 'AQAB');
});

test('unauthenticated authorize redirects (302) to the version login page', async () => {
  const { challenge } = pkce();
  const q = new URLSearchParams({ response_type: 'code', client_id: 'dhis2w-desktop-public', redirect_uri: 'http://127.0.0.1:4000/oauth2/callback', scope: 'ALL', state: 'x', code_challenge: challenge, code_challenge_method: 'S256' });
  const r = await fetch(`${s.url}/oauth2/authorize?${q}`, { redirect: 'manual' });
  assert.equal(r.status, 302);
  assert.match(r.headers.get('location'), /\/login\/$/);
  const page = await (await fetch(`${s.url}/login/`)).text();
  for (const id of ['username', 'password', 'submit']) assert.match(page, new RegExp(`id="${id}"`));
});

test('login form shows #error on a wrong password', async () => {
  const r = await authorize(s.url, { redirectUri: 'http://127.0.0.1:4000/oauth2/callback', challenge: pkce().challenge, user: { username: 'admin', password: 'nope' } });
  assert.equal(r.status, 'login-error');
  assert.match(r.body, /id="error"/);
});

test('public client: full code+PKCE flow over plain HTTP, consent page, no refresh token (§2.5, §2.8)', async () => {
  const t = await signIn(s.url, s.fixtures, { scope: 'ALL', port: 54321 });
  assert.equal(t.status, 200);
  assert.equal(t.headers.get('cache-control'), 'no-store');
  assert.ok(t.authorize.sawLogin && t.authorize.sawConsent);
  assert.equal(t.json.token_type, 'Bearer');
  assert.ok(t.json.expires_in >= 299 && t.json.expires_in <= 300);
  assert.equal(t.json.refresh_token, undefined);
  assert.equal(t.authorize.params.state, 'st-123');
  const r = await me(t.json.access_token);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).username, 'admin');
});

test('confidential client: client_secret_basic and client_secret_post, non-rotating refresh token', async () => {
  for (const postAuth of [false, true]) {
    const t = await signIn(s.url, s.fixtures, { confidential: true, scope: 'openid profile username email', postAuth });
    assert.equal(t.status, 200, t.text);
    assert.ok(t.json.refresh_token);
    assert.ok(t.json.id_token);
    assert.equal((await me(t.json.access_token)).status, 200);
    const c = s.fixtures.clients.confidential;
    const r1 = await token(s.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: basic(c.clientId, c.clientSecret) });
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.json.refresh_token, t.json.refresh_token);
    const r2 = await token(s.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token, client_id: c.clientId, client_secret: c.clientSecret });
    assert.equal(r2.status, 200, r2.text);
    assert.equal((await me(r2.json.access_token)).status, 200);
  }
});

test('wrong client secret -> 401 {"error":"invalid_client"} without description (§2.12)', async () => {
  const c = s.fixtures.clients.confidential;
  const r = await token(s.url, { grant_type: 'refresh_token', refresh_token: 'x' }, { basicAuth: basic(c.clientId, 'wrong') });
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, { error: 'invalid_client' });
});

test('wrong verifier -> invalid_grant', async () => {
  const redirectUri = 'http://127.0.0.1:4100/oauth2/callback';
  const { challenge } = pkce();
  const a = await authorize(s.url, { redirectUri, challenge });
  const r = await token(s.url, { grant_type: 'authorization_code', code: a.params.code, redirect_uri: redirectUri, code_verifier: pkce().verifier, client_id: 'dhis2w-desktop-public' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_grant');
});

test('code replay -> invalid_grant; the grant is revoked, but its JWT access token works on /api/* until it expires (dhis2-dcr.md §7)', async () => {
  const t = await signIn(s.url, s.fixtures, { scope: 'ALL', port: 4200 });
  assert.equal((await me(t.json.access_token)).status, 200);
  const r = await token(s.url, { grant_type: 'authorization_code', code: t.code, redirect_uri: t.redirectUri, code_verifier: t.verifier, client_id: 'dhis2w-desktop-public' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_grant');
  assert.equal((await me(t.json.access_token)).status, 200);
  const st = await control(s.url, 'token-status', 'POST', { token: t.json.access_token });
  assert.deepEqual([st.known, st.active, st.revoked], [true, false, true]);
});

test('PKCE plain and missing challenge -> invalid_request by redirect with state', async () => {
  const redirectUri = 'http://127.0.0.1:4300/oauth2/callback';
  const p = await authorize(s.url, { redirectUri, challenge: pkce().verifier, method: 'plain' });
  assert.equal(p.params.error, 'invalid_request');
  assert.equal(p.params.state, 'st-123');
  const n = await authorize(s.url, { redirectUri, challenge: null });
  assert.equal(n.params.error, 'invalid_request');
});

test('redirect URI rules: loopback any port OK; localhost, unregistered path, unknown client -> 400 page, no redirect (§2.6)', async () => {
  const ok = await authorize(s.url, { redirectUri: 'http://127.0.0.1:61234/oauth2/callback', challenge: pkce().challenge });
  assert.ok(ok.params.code);
  const custom = await authorize(s.url, { redirectUri: 'org.dhis2w.desktop:/oauth2/callback', challenge: pkce().challenge });
  assert.ok(custom.params.code);
  for (const [clientId, redirectUri] of [
    ['dhis2w-desktop-public', 'http://localhost:61234/oauth2/callback'],
    ['dhis2w-desktop-public', 'http://127.0.0.1:61234/other'],
    ['nope', 'http://127.0.0.1:61234/oauth2/callback'],
  ]) {
    const q = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'ALL', state: 's', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    const r = await fetch(`${s.url}/oauth2/authorize?${q}`, { redirect: 'manual' });
    assert.equal(r.status, 400, `${clientId} ${redirectUri}`);
    assert.equal(r.headers.get('location'), null);
  }
});

test('consent: cancel -> access_denied; unticked scopes not granted; openid-only skips consent', async () => {
  const redirectUri = 'http://127.0.0.1:4400/oauth2/callback';
  const an = s.fixtures.users.analyst; // admin already consented to ALL in earlier tests (consent is remembered)
  const c = await authorize(s.url, { redirectUri, challenge: pkce().challenge, consent: 'cancel', scope: 'ALL', user: an });
  assert.ok(c.sawConsent);
  assert.equal(c.params.error, 'access_denied');
  assert.equal(c.params.state, 'st-123');
  const consentPage = await authorize(s.url, { redirectUri, challenge: pkce().challenge, scope: 'openid email username', consent: 'cancel' });
  assert.ok(consentPage.sawConsent);
  const t = await signIn(s.url, s.fixtures, { scope: 'openid email username', untick: ['username'] });
  assert.equal(t.json.scope.split(' ').includes('username'), false);
  const r = await me(t.json.access_token);
  assert.equal(r.status, 401);
  assert.match((await r.json()).devMessage, /^Found no matching DHIS2 user for the mapping claim: 'username' with the value: 'null'$/);
  const o = await authorize(s.url, { redirectUri, challenge: pkce().challenge, scope: 'openid' });
  assert.ok(o.params.code);
  assert.equal(o.sawConsent, false);
});

test('bearer errors: WWW-Authenticate and WebMessage (§2.11); mapping fault', async () => {
  const r = await me('garbage-token');
  assert.equal(r.status, 401);
  assert.match(r.headers.get('www-authenticate'), /^Bearer error="invalid_token", error_description="[^"]+", error_uri="https:\/\/tools\.ietf\.org\/html\/rfc6750#section-3\.1"$/);
  const b = await r.json();
  assert.equal(b.message, 'invalid_token');
  assert.ok(b.devMessage);
  const t = await signIn(s.url, s.fixtures, { scope: 'ALL' });
  await control(s.url, 'faults', 'POST', { mappingBroken: true });
  const m = await me(t.json.access_token);
  await control(s.url, 'faults', 'DELETE');
  assert.equal((await m.json()).devMessage, 'Invalid mapping claim');
  assert.equal((await me(t.json.access_token)).status, 200);
});

test('revocation and introspection need client auth; a revoked refresh token fails', async () => {
  const c = s.fixtures.clients.confidential;
  const t = await signIn(s.url, s.fixtures, { confidential: true, scope: 'ALL' });
  const intro = await fetch(`${s.url}/oauth2/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.clientId, c.clientSecret) }, body: `token=${t.json.access_token}` });
  assert.equal((await intro.json()).active, true);
  const pub = await fetch(`${s.url}/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${t.json.access_token}&client_id=dhis2w-desktop-public` });
  assert.equal(pub.status, 401);
  const rv = await fetch(`${s.url}/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.clientId, c.clientSecret) }, body: `token=${t.json.refresh_token}&token_type_hint=refresh_token` });
  assert.equal(rv.status, 200);
  const st = await control(s.url, 'token-status', 'POST', { token: t.json.refresh_token });
  assert.equal(st.revoked, true);
  const rf = await token(s.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: basic(c.clientId, c.clientSecret) });
  assert.equal(rf.json.error, 'invalid_grant');
});

test('userinfo at /userinfo and /oauth2/userinfo; /connect/logout exists', async () => {
  const t = await signIn(s.url, s.fixtures, { confidential: true, scope: 'openid profile username email' });
  for (const p of ['/userinfo', '/oauth2/userinfo']) {
    const r = await fetch(`${s.url}${p}`, { headers: { authorization: `Bearer ${t.json.access_token}` } });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).sub, 'admin');
  }
  const l = await fetch(`${s.url}/connect/logout`, { redirect: 'manual' });
  assert.notEqual(l.status, 404);
});

test('prompt=login is accepted and ignored; DHIS2\'s logout ends the browser\'s session, so the next authorize asks who you are (dhis2-dcr.md §7, dhis2-server.md §5.2)', async () => {
  const jar = new Jar();
  const redirectUri = 'http://127.0.0.1:5555/oauth2/callback';
  const clientId = s.fixtures.clients.public.clientId;
  const first = await authorize(s.url, { jar, clientId, redirectUri, challenge: pkce().challenge });
  assert.equal(first.status, 'redirect');
  assert.ok(first.sawLogin && first.params.code);
  const again = await authorize(s.url, { jar, clientId, redirectUri, challenge: pkce().challenge, extra: { prompt: 'login' } });
  assert.equal(again.status, 'redirect');
  assert.equal(again.sawLogin, false, 'the live session signs the same user in again');
  const out = await jar.fetch(`${s.url}/dhis-web-commons-security/logout.action`);
  assert.equal(out.status, 302);
  const other = { username: s.fixtures.users.analyst.username, password: s.fixtures.users.analyst.password };
  const { verifier, challenge } = pkce();
  const third = await authorize(s.url, { jar, clientId, redirectUri, challenge, user: other });
  assert.equal(third.status, 'redirect');
  assert.ok(third.sawLogin, 'after the logout the browser is asked to sign in');
  const t = await token(s.url, { grant_type: 'authorization_code', code: third.params.code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId });
  assert.equal(t.status, 200, t.text);
  assert.equal((await (await me(t.json.access_token)).json()).username, other.username);
});

test('control: expire-tokens -> 401 but refresh works; rotate-key -> 401; token-status', async () => {
  const c = s.fixtures.clients.confidential;
  const t = await signIn(s.url, s.fixtures, { confidential: true, scope: 'ALL' });
  assert.deepEqual(await control(s.url, 'token-status', 'POST', { token: t.json.access_token }), { known: true, active: true, revoked: false, kind: 'access_token' });
  await control(s.url, 'expire-tokens');
  const r = await me(t.json.access_token);
  assert.equal(r.status, 401);
  assert.match((await r.json()).devMessage, /Jwt expired at/);
  const rf = await token(s.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: basic(c.clientId, c.clientSecret) });
  assert.equal(rf.status, 200, rf.text);
  assert.equal((await me(rf.json.access_token)).status, 200);
  const kid1 = (await (await fetch(`${s.url}/oauth2/jwks`)).json()).keys[0].kid;
  await control(s.url, 'rotate-key');
  const kid2 = (await (await fetch(`${s.url}/oauth2/jwks`)).json()).keys[0].kid;
  assert.notEqual(kid1, kid2);
  assert.equal((await me(rf.json.access_token)).status, 401);
  const rf2 = await token(s.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: basic(c.clientId, c.clientSecret) });
  assert.equal(rf2.status, 200, rf2.text);
  assert.equal((await me(rf2.json.access_token)).status, 200);
  assert.equal((await control(s.url, 'token-status', 'POST', { token: 'unknown' })).known, false);
});

test('faults: token endpoint failure and refresh invalid_grant; request log records grant type', async () => {
  const c = s.fixtures.clients.confidential;
  const t = await signIn(s.url, s.fixtures, { confidential: true, scope: 'ALL' });
  await control(s.url, 'requests', 'DELETE');
  await control(s.url, 'faults', 'POST', { refreshInvalidGrant: true });
  const r = await token(s.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: basic(c.clientId, c.clientSecret) });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, { error: 'invalid_grant' });
  await control(s.url, 'faults', 'DELETE');
  await control(s.url, 'faults', 'POST', { tokenEndpointFailure: true });
  const f = await token(s.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: basic(c.clientId, c.clientSecret) });
  assert.equal(f.status, 500);
  await control(s.url, 'faults', 'DELETE');
  const log = (await control(s.url, 'requests', 'GET')).requests;
  const tok = log.filter((e) => e.path === '/oauth2/token');
  assert.equal(tok.length, 2);
  assert.equal(tok[0].grantType, 'refresh_token');
  assert.equal(tok[0].auth, 'basic');
  assert.equal(tok[0].status, 400);
  assert.ok(!JSON.stringify(log).includes(t.json.refresh_token));
  assert.ok(!JSON.stringify(log).includes(c.clientSecret));
});

test('POST/GET /api/oAuth2Clients: 201, 409 duplicate and bad grant type, BCrypt secret works, 403 for analyst (§2.4)', async () => {
  const bcrypt = (await import('bcryptjs')).default;
  const admin = { authorization: basic('admin', 'district'), 'content-type': 'application/json' };
  const payload = {
    name: 'Test client', clientId: 'test-client', clientSecret: bcrypt.hashSync('s3cret', 4),
    clientAuthenticationMethods: 'client_secret_basic,client_secret_post', authorizationGrantTypes: 'authorization_code,refresh_token',
    redirectUris: 'http://127.0.0.1/oauth2/callback', scopes: 'ALL',
  };
  const r = await fetch(`${s.url}/api/oAuth2Clients`, { method: 'POST', headers: admin, body: JSON.stringify(payload) });
  assert.equal(r.status, 201);
  const body = await r.json();
  assert.equal(body.httpStatusCode, 201);
  assert.ok(body.response.uid);
  const dup = await fetch(`${s.url}/api/oAuth2Clients`, { method: 'POST', headers: admin, body: JSON.stringify(payload) });
  assert.equal(dup.status, 409);
  const bad = await fetch(`${s.url}/api/oAuth2Clients`, { method: 'POST', headers: admin, body: JSON.stringify({ ...payload, clientId: 'x2', authorizationGrantTypes: 'password' }) });
  assert.equal(bad.status, 409);
  assert.match((await bad.json()).message, /^Invalid authorization grant type: password\. Only authorization_code and refresh_token are allowed\.$/);
  const list = await (await fetch(`${s.url}/api/oAuth2Clients?fields=clientId,redirectUris`, { headers: admin })).json();
  assert.ok(list.oAuth2Clients.some((c) => c.clientId === 'test-client' && c.redirectUris === 'http://127.0.0.1/oauth2/callback'));
  const t = await signIn(s.url, { clients: { confidential: { clientId: 'test-client', clientSecret: 's3cret' } } }, { confidential: true, scope: 'ALL', postAuth: true });
  assert.equal(t.status, 200, t.text);
  const an = s.fixtures.users.analyst;
  const f = await fetch(`${s.url}/api/oAuth2Clients`, { headers: { authorization: basic(an.username, an.password) } });
  assert.equal(f.status, 403);
});
