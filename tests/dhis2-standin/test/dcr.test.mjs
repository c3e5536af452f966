// Device enrolment, DCR, private_key_jwt and refresh rotation (dhis2-dcr.md §1-§4, §6; lib/dcr.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPrivateKey, sign, randomUUID } from 'node:crypto';
import { startServer, authorize, pkce, token, basic, control, Jar, formBody } from './helpers.mjs';

const ALLOW = 'http://127.0.0.1:*/oauth2/callback,org.dhis2w.desktop:/oauth2/callback';
const A = { authorization: basic('admin', 'district') };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

// One RSA-2048 key for the file (as Android and DHIS2's own tests use, dhis2-dcr.md §2 "Key types").
// The key job writes JWKs itself (see lib/oauth.mjs makeProvider on exporting KeyObjects).
const { privateKey: PRIV, publicKey: PUB } = generateKeyPairSync('rsa', {
  modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'jwk' }, publicKeyEncoding: { type: 'spki', format: 'jwk' },
});
const KID = randomUUID();
const JWKS = { keys: [{ ...PUB, kid: KID, alg: 'RS256', use: 'sig' }] };

function jwt(privJwk, claims, header = {}) {
  const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b({ alg: 'RS256', typ: 'JWT', ...header })}.${b(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey({ key: privJwk, format: 'jwk' })).toString('base64url')}`;
}
const decode = (t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());

// The client assertion as DHIS2's own test makes it: iss = sub = client_id, aud = issuer (dhis2-dcr.md §3).
function assertion(clientId, aud, { key = PRIV, exp = 60 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return jwt(key, { iss: clientId, sub: clientId, aud, jti: randomUUID(), iat: now, exp: now + exp }, { kid: KID });
}

// GET enrollDevice in a browser (cookie jar): login form, back to enrollDevice, 302 to the app.
async function enroll(base, { jar = new Jar(), redirectUri, state = 'st-enrol', user = { username: 'admin', password: 'district' }, loginPath = '/login/' } = {}) {
  const q = new URLSearchParams({ redirectUri, state, deviceType: 'desktop' });
  let r = await jar.fetch(`${base}/api/auth/enrollDevice?${q}`);
  const log = [];
  for (let i = 0; i < 6; i++) {
    log.push(`${r.status} ${r.headers.get('location') || ''}`);
    if (r.status !== 302) return { status: r.status, body: await r.text(), jar, log };
    const loc = r.headers.get('location');
    if (loc.startsWith(redirectUri)) return { status: 302, location: loc, params: Object.fromEntries(new URL(loc).searchParams), jar, headers: r.headers, log };
    if (loc.endsWith(loginPath)) {
      r = await jar.fetch(loc.startsWith('http') ? loc : `${new URL(base).origin}${loc}`, { method: 'POST', headers: FORM, body: formBody(user) });
      continue;
    }
    r = await jar.fetch(loc.startsWith('http') ? loc : `${new URL(base).origin}${loc}`);
  }
  return { status: 'loop', jar, log };
}

async function register(base, iat, body) {
  const r = await fetch(`${base}/connect/register`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(iat ? { authorization: `Bearer ${iat}` } : {}) }, body: JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text, headers: r.headers };
}

const regBody = (redirectUri, extra = {}) => ({
  client_name: 'dhis2w Desktop - test', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'], token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256',
  jwks_uri: 'https://dhis2.org/jwks.json', jwks: JWKS, ...extra,
});

// Enrol, register, then the code + PKCE flow with private_key_jwt. Returns the token response.
async function enrolAndSignIn(s, { port = 47001, scope = 'openid profile username', reg = {} } = {}) {
  const redirectUri = `http://127.0.0.1:${port}/oauth2/callback`;
  const e = await enroll(s.url, { redirectUri, loginPath: s.fixtures.loginPath });
  assert.equal(e.status, 302, e.log.join(' | '));
  const rg = await register(s.url, e.params.iat, regBody(redirectUri, reg));
  assert.equal(rg.status, 201, rg.text);
  const clientId = rg.json.client_id;
  const { verifier, challenge } = pkce();
  const a = await authorize(s.url, { jar: e.jar, clientId, redirectUri, scope, challenge });
  assert.equal(a.status, 'redirect', JSON.stringify(a).slice(0, 300));
  assert.ok(a.params.code, a.location);
  const t = await token(s.url, {
    grant_type: 'authorization_code', code: a.params.code, redirect_uri: redirectUri, code_verifier: verifier,
    client_id: clientId, client_assertion_type: JWT_BEARER, client_assertion: assertion(clientId, s.fixtures.issuer),
  });
  return { ...t, clientId, enrol: e, reg: rg, authorize: a, redirectUri };
}

const refresh = (s, clientId, rt, opts) => token(s.url, {
  grant_type: 'refresh_token', refresh_token: rt, client_id: clientId, client_assertion_type: JWT_BEARER,
  client_assertion: assertion(clientId, `${s.fixtures.issuer}oauth2/token`, opts),
});
const me = (s, at) => fetch(`${s.url}/api/me`, { headers: { authorization: `Bearer ${at}` } });

let s44;
before(async () => { s44 = await startServer(['--profile', '2.44', '--enrollment-allowlist', ALLOW]); });
after(async () => { await s44.stop(); });

test('2.44: discovery names the registration endpoint; fixtures describe enrolment', async () => {
  const d = await (await fetch(`${s44.url}/.well-known/openid-configuration`)).json();
  assert.equal(d.registration_endpoint, `${s44.url}/connect/register`);
  assert.equal(s44.fixtures.version, '2.44.0');
  assert.equal(s44.fixtures.enrollment.rotatingRefresh, true);
  assert.equal(s44.fixtures.enrollment.refreshTtl, 2592000);
  assert.equal(s44.fixtures.enrollment.settings.deviceEnrollmentRedirectAllowlist, ALLOW);
});

test('2.44: enrolment end to end: login, IAT, registration, code+PKCE with private_key_jwt, API call (§1-§3)', async () => {
  const t = await enrolAndSignIn(s44);
  const { enrol: e, reg } = t;
  // §1: 302 with the no-cache header; state echoed; the IAT's claims.
  assert.equal(e.headers.get('cache-control'), 'no-cache, no-store, max-age=0, must-revalidate');
  assert.equal(e.params.state, 'st-enrol');
  const c = decode(e.params.iat);
  assert.equal(c.iss, s44.fixtures.issuer);
  assert.deepEqual(c.aud, [s44.fixtures.issuer]);
  assert.equal(c.sub, 'admin');
  assert.equal(c.scope, 'client.create');
  assert.equal(c.redirect_url, t.redirectUri);
  assert.equal(c.exp - c.iat, 60);
  assert.match(c.jti, /^[0-9a-f-]{36}$/);
  // §2: 201, no secret; scope defaults on 2.44 (a client-sent scope is refused there).
  assert.equal(reg.json.client_secret, undefined);
  assert.equal(reg.json.token_endpoint_auth_method, 'private_key_jwt');
  assert.equal(reg.json.scope, 'openid profile username');
  assert.deepEqual(reg.json.jwks, JWKS);
  assert.equal(reg.json.registration_client_uri, `${s44.fixtures.issuer}connect/register?client_id=${t.clientId}`);
  assert.ok(reg.json.registration_access_token);
  // The IAT is single use.
  const again = await register(s44.url, e.params.iat, regBody(t.redirectUri));
  assert.equal(again.status, 401);
  assert.equal(again.json.error, 'invalid_token');
  // §3: consent off for DCR clients; the tokens work on /api/*.
  assert.equal(t.authorize.sawConsent, false);
  assert.equal(t.status, 200, t.text);
  assert.ok(t.json.refresh_token);
  assert.equal((await me(s44, t.json.access_token)).status, 200);
  // The registration can be read back with its registration access token.
  const rr = await fetch(reg.json.registration_client_uri, { headers: { authorization: `Bearer ${reg.json.registration_access_token}` } });
  assert.equal(rr.status, 200);
  assert.equal((await rr.json()).client_id, t.clientId);
  // /api/oAuth2Clients lists it, owned by the enrolling user (§2 "Response").
  const list = await (await fetch(`${s44.url}/api/oAuth2Clients?fields=clientId,clientAuthenticationMethods,createdBy&paging=false`, { headers: A })).json();
  const mine = list.oAuth2Clients.find((x) => x.clientId === t.clientId);
  assert.equal(mine.clientAuthenticationMethods, 'private_key_jwt');
});

test('2.44: refresh with private_key_jwt rotates; a replayed refresh token → invalid_grant; the newest keeps working (§4)', async () => {
  const t = await enrolAndSignIn(s44, { port: 47002 });
  const r1 = await refresh(s44, t.clientId, t.json.refresh_token);
  assert.equal(r1.status, 200, r1.text);
  assert.ok(r1.json.refresh_token);
  assert.notEqual(r1.json.refresh_token, t.json.refresh_token);
  assert.equal((await me(s44, r1.json.access_token)).status, 200);
  const replay = await refresh(s44, t.clientId, t.json.refresh_token);
  assert.equal(replay.status, 400);
  assert.deepEqual(replay.json, { error: 'invalid_grant' });
  // SAS only refuses the superseded token: the newest one still refreshes.
  const r2 = await refresh(s44, t.clientId, r1.json.refresh_token);
  assert.equal(r2.status, 200, r2.text);
  const st = await control(s44.url, 'token-status', 'POST', { token: r2.json.refresh_token });
  assert.equal(st.active, true);
  // The control endpoint agrees with the token endpoint: a superseded refresh token is not active.
  const old = await control(s44.url, 'token-status', 'POST', { token: r1.json.refresh_token });
  assert.equal(old.active, false);
  // 20 concurrent refreshes with one token: exactly one succeeds.
  const all = await Promise.all(Array.from({ length: 20 }, () => refresh(s44, t.clientId, r2.json.refresh_token)));
  assert.equal(all.filter((x) => x.status === 200).length, 1);
  assert.ok(all.filter((x) => x.status !== 200).every((x) => x.status === 400 && x.json.error === 'invalid_grant'));
});

test('2.44: DCR access token is a JWT for the client; revocation and introspection need private_key_jwt; a revoked one works on /api/* (dhis2-dcr.md §7, 15)', async () => {
  const t = await enrolAndSignIn(s44, { port: 47010 });
  const at = t.json.access_token;
  const c = decode(at);
  assert.deepEqual(c.aud, [t.clientId]);
  assert.equal(c.sub, 'admin');
  assert.equal(c.username, 'admin');
  assert.deepEqual([...c.scope].sort(), ['openid', 'profile', 'username']);
  assert.equal('email' in c, false);
  const send = (path, body) => fetch(`${s44.url}${path}`, { method: 'POST', headers: FORM, body: formBody(body) });
  const auth = (path) => ({ client_id: t.clientId, client_assertion_type: JWT_BEARER, client_assertion: assertion(t.clientId, `${s44.fixtures.issuer}${path.slice(1)}`) });
  for (const path of ['/oauth2/introspect', '/oauth2/revoke']) {
    for (const body of [{ token: at }, { token: at, client_id: t.clientId }, { token: at, client_id: t.clientId, client_secret: 'guess' }]) {
      const r = await send(path, body);
      assert.equal(r.status, 401, `${path} ${Object.keys(body)}`);
      assert.deepEqual(await r.json(), { error: 'invalid_client' });
    }
  }
  assert.equal((await (await send('/oauth2/introspect', { token: at, ...auth('/oauth2/introspect') })).json()).active, true);
  assert.equal((await send('/oauth2/revoke', { token: at, token_type_hint: 'access_token', ...auth('/oauth2/revoke') })).status, 200);
  assert.equal((await (await send('/oauth2/introspect', { token: at, ...auth('/oauth2/introspect') })).json()).active, false);
  assert.equal((await control(s44.url, 'token-status', 'POST', { token: at })).revoked, true);
  assert.equal((await me(s44, at)).status, 200);
});

test('2.44: client assertion checks: wrong key, wrong aud, expired, missing client_id → 401 invalid_client (§3)', async () => {
  const t = await enrolAndSignIn(s44, { port: 47003 });
  const { privateKey: other } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'jwk' }, publicKeyEncoding: { type: 'spki', format: 'jwk' } });
  const bad = [
    await refresh(s44, t.clientId, t.json.refresh_token, { key: other }),
    await refresh(s44, t.clientId, t.json.refresh_token, { exp: -120 }),
    await token(s44.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token, client_id: t.clientId, client_assertion_type: JWT_BEARER, client_assertion: assertion(t.clientId, 'https://elsewhere.example/') }),
    await token(s44.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token, client_assertion_type: JWT_BEARER, client_assertion: assertion(t.clientId, s44.fixtures.issuer) }),
  ];
  for (const r of bad) assert.deepEqual([r.status, r.json], [401, { error: 'invalid_client' }]);
  // None of them used up the refresh token; aud = …/oauth2/token is accepted.
  assert.equal((await refresh(s44, t.clientId, t.json.refresh_token)).status, 200);
});

test('2.44: registration refusals: scope, jwks_uri, http jwks_uri, missing jwks, bad IAT; a failed one keeps the IAT (§2)', async () => {
  const redirectUri = 'http://127.0.0.1:47004/oauth2/callback';
  const e = await enroll(s44.url, { redirectUri });
  const iat = e.params.iat;
  const r1 = await register(s44.url, iat, regBody(redirectUri, { scope: 'openid profile username' }));
  assert.deepEqual([r1.status, r1.json.error], [400, 'invalid_scope']);
  const r2 = await register(s44.url, iat, regBody(redirectUri, { jwks_uri: undefined }));
  assert.deepEqual([r2.status, r2.json.error], [400, 'invalid_client_metadata']);
  const r3 = await register(s44.url, iat, regBody(redirectUri, { jwks_uri: 'http://dhis2.org/jwks.json' }));
  assert.deepEqual([r3.status, r3.json.error_description], [400, 'Invalid Client Registration: jwks_uri']);
  const r4 = await register(s44.url, iat, regBody(redirectUri, { jwks: undefined }));
  assert.equal(r4.status, 500);
  const r5 = await register(s44.url, iat, regBody(redirectUri, { redirect_uris: ['javascript:alert(1)'] }));
  assert.deepEqual([r5.status, r5.json.error], [400, 'invalid_redirect_uri']);
  assert.equal((await register(s44.url, null, regBody(redirectUri))).status, 401);
  assert.equal((await register(s44.url, `${iat.slice(0, -4)}AAAA`, regBody(redirectUri))).status, 401);
  // A client-made token with the right claims but not signed by the server is refused too.
  const forged = jwt(PRIV, { ...decode(iat), jti: randomUUID() });
  assert.equal((await register(s44.url, forged, regBody(redirectUri))).status, 401);
  assert.equal((await register(s44.url, iat, regBody(redirectUri))).status, 201);
});

test('2.44: an EC key registers but cannot authenticate (RSA only, §2 "Key types")', async () => {
  const { privateKey: ecPriv, publicKey: ecPub } = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'jwk' }, publicKeyEncoding: { type: 'spki', format: 'jwk' } });
  const redirectUri = 'http://127.0.0.1:47005/oauth2/callback';
  const e = await enroll(s44.url, { redirectUri });
  const rg = await register(s44.url, e.params.iat, regBody(redirectUri, { jwks: { keys: [{ ...ecPub, kid: 'ec1' }] } }));
  assert.equal(rg.status, 201, rg.text);
  const now = Math.floor(Date.now() / 1000);
  const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b({ alg: 'ES256', kid: 'ec1' })}.${b({ iss: rg.json.client_id, sub: rg.json.client_id, aud: s44.fixtures.issuer, exp: now + 60 })}`;
  const sig = sign('sha256', Buffer.from(input), { key: createPrivateKey({ key: ecPriv, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }).toString('base64url');
  const t = await token(s44.url, { grant_type: 'refresh_token', refresh_token: 'x', client_id: rg.json.client_id, client_assertion_type: JWT_BEARER, client_assertion: `${input}.${sig}` });
  assert.deepEqual([t.status, t.json], [401, { error: 'invalid_client' }]);
});

test('enrolment refusals: redirect not allowed (400), user not in group (403, checked first), DCR off (404), missing state (400), XHR (401) (§1)', async () => {
  const jar = new Jar();
  const ok = await enroll(s44.url, { jar, redirectUri: 'http://127.0.0.1:47006/oauth2/callback' });
  assert.equal(ok.status, 302);
  const get = (q, headers = {}) => jar.fetch(`${s44.url}/api/auth/enrollDevice?${new URLSearchParams(q)}`, { headers });
  let r = await get({ redirectUri: 'https://evil.example/cb', state: 'x' });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /invalid_redirect_uri/);
  // The candidate is lower-cased before matching; the allowlist's glob matches the whole string.
  assert.equal((await get({ redirectUri: 'HTTP://127.0.0.1:1/oauth2/callback', state: 'x' })).status, 302);
  assert.equal((await get({ redirectUri: 'http://127.0.0.1:1/oauth2/callback/more', state: 'x' })).status, 400);
  r = await get({ redirectUri: 'http://127.0.0.1:1/oauth2/callback' });
  assert.equal(r.status, 400);
  assert.match((await r.json()).message, /Required request parameter 'state'/);
  // Allowed groups: admin is not in Kk12LkEWtXp → 403 forbidden_user, even for a bad redirect.
  const set = await fetch(`${s44.url}/api/systemSettings/deviceEnrollmentAllowedUserGroups?value=Kk12LkEWtXp`, { method: 'POST', headers: A });
  assert.equal(set.status, 200);
  try {
    r = await get({ redirectUri: 'https://evil.example/cb', state: 'x' });
    assert.equal(r.status, 403);
    assert.match(await r.text(), /forbidden_user/);
    // The analyst is in that group.
    const a = await enroll(s44.url, { redirectUri: 'http://127.0.0.1:47007/oauth2/callback', user: { username: 'android', password: 'Android123' } });
    assert.equal(a.status, 302);
    assert.equal(decode(a.params.iat).sub, 'android');
  } finally {
    await fetch(`${s44.url}/api/systemSettings/deviceEnrollmentAllowedUserGroups?value=`, { method: 'POST', headers: A });
  }
  // XHR without a session: 401 WebMessage, no redirect.
  r = await fetch(`${s44.url}/api/auth/enrollDevice?redirectUri=x&state=y`, { headers: { 'x-requested-with': 'XMLHttpRequest' }, redirect: 'manual' });
  assert.equal(r.status, 401);
  // DCR off: 404 for enrollDevice and /connect/register, no registration_endpoint.
  await control(s44.url, 'faults', 'POST', { dcrOff: true });
  try {
    assert.equal((await get({ redirectUri: 'http://127.0.0.1:1/oauth2/callback', state: 'x' })).status, 404);
    assert.equal((await register(s44.url, 'x', {})).status, 404);
    const d = await (await fetch(`${s44.url}/.well-known/openid-configuration`)).json();
    assert.equal(d.registration_endpoint, undefined);
  } finally { await control(s44.url, 'faults', 'DELETE'); }
});

test('2.44 /api/oAuth2Clients: per-version validation, tokenSettings honoured (§6)', async () => {
  const post = async (b) => {
    const r = await fetch(`${s44.url}/api/oAuth2Clients`, { method: 'POST', headers: { ...A, 'content-type': 'application/json' }, body: JSON.stringify(b) });
    return { status: r.status, json: await r.json() };
  };
  const base = { clientAuthenticationMethods: 'none', authorizationGrantTypes: 'authorization_code,refresh_token', redirectUris: 'http://127.0.0.1/oauth2/callback', scopes: 'openid,profile,username,email' };
  let r = await post({ ...base, clientId: 'c-all', scopes: 'ALL' });
  assert.equal(r.status, 409);
  assert.equal(r.json.errorCode, 'E1004');
  assert.equal(r.json.message, "Invalid scope: 'ALL'. Allowed scopes are: email, openid, profile, username.");
  r = await post({ ...base, clientId: 'c-pkce', clientSettings: '{"settings.client.require-proof-key":false,"settings.client.require-authorization-consent":true}' });
  assert.deepEqual([r.status, r.json.message], [409, 'PKCE cannot be disabled: settings.client.require-proof-key must be true.']);
  r = await post({ ...base, clientId: 'c-half', clientSettings: '{"settings.client.require-proof-key":true}' });
  assert.equal(r.status, 409);
  r = await post({ ...base, clientId: 'c-scheme', redirectUris: 'com.example.app:/cb' });
  assert.deepEqual([r.status, r.json.message], [409, 'Redirect URI not in deviceEnrollmentRedirectAllowlist: com.example.app:/cb']);
  r = await post({ ...base, clientId: 'c-grant', authorizationGrantTypes: 'client_credentials' });
  assert.deepEqual([r.status, r.json.errorCode], [409, 'E1004']);
  // A confidential client with 30-day rotating refresh tokens through tokenSettings.
  const ts = '{"@class":"java.util.Collections$UnmodifiableMap","settings.token.reuse-refresh-tokens":false,"settings.token.access-token-time-to-live":["java.time.Duration",300.000000000],"settings.token.refresh-token-time-to-live":["java.time.Duration",2592000.000000000]}';
  r = await post({ ...base, clientId: 'c-ok', clientAuthenticationMethods: 'client_secret_basic', clientSecret: '$2a$10$u22N.3G40lxthRLVnkRv2uIoEI8dZJ/T6mE7rGvfI06zvZ7/lncx2', redirectUris: 'http://127.0.0.1/oauth2/callback,org.dhis2w.desktop:/oauth2/callback', tokenSettings: ts });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const redirectUri = 'http://127.0.0.1:47008/oauth2/callback';
  const { verifier, challenge } = pkce();
  const a = await authorize(s44.url, { clientId: 'c-ok', redirectUri, scope: 'openid username', challenge });
  const auth = basic('c-ok', 'dhis2w-desktop-secret');
  const t = await token(s44.url, { grant_type: 'authorization_code', code: a.params.code, redirect_uri: redirectUri, code_verifier: verifier }, { basicAuth: auth });
  assert.equal(t.status, 200, t.text);
  const r1 = await token(s44.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: auth });
  assert.notEqual(r1.json.refresh_token, t.json.refresh_token);
  assert.equal((await token(s44.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: auth })).status, 400);
});

test('2.43.2: ALL refused (E1004 at registration, invalid_scope at authorize), PKCE required, DCR scopes filtered', async () => {
  const s = await startServer(['--profile', '2.43.2', '--enrollment-allowlist', ALLOW]);
  try {
    assert.equal(s.fixtures.version, '2.43.2');
    const r = await fetch(`${s.url}/api/oAuth2Clients`, { method: 'POST', headers: { ...A, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'x', clientAuthenticationMethods: 'none', authorizationGrantTypes: 'authorization_code', redirectUris: 'http://127.0.0.1/cb', scopes: 'ALL' }) });
    assert.equal(r.status, 409);
    assert.equal((await r.json()).errorCode, 'E1004');
    const redirectUri = 'http://127.0.0.1:47010/oauth2/callback';
    const a = await authorize(s.url, { clientId: 'dhis2w-desktop-public', redirectUri, scope: 'ALL', challenge: pkce().challenge });
    assert.equal(a.status, 'redirect');
    assert.equal(a.params.error, 'invalid_scope');
    assert.equal(a.params.state, 'st-123');
    const b = await authorize(s.url, { jar: a.jar, clientId: 'dhis2w-desktop-public', redirectUri, scope: 'openid username', challenge: null });
    assert.equal(b.params.error, 'invalid_request');
    // DCR: a sent scope is filtered to the allowed set; refresh tokens rotate.
    const t = await enrolAndSignIn(s, { port: 47011, reg: { scope: 'openid profile username ALL' } });
    assert.equal(t.reg.json.scope, 'openid profile username');
    assert.equal(t.status, 200, t.text);
    const r1 = await refresh(s, t.clientId, t.json.refresh_token);
    assert.notEqual(r1.json.refresh_token, t.json.refresh_token);
  } finally { await s.stop(); }
});

test('2.43 (2.43.1): DCR refresh tokens are reused, not rotated; registration scope kept verbatim (§4)', async () => {
  const s = await startServer(['--profile', '2.43', '--enrollment-allowlist', ALLOW]);
  try {
    const t = await enrolAndSignIn(s, { port: 47012, reg: { scope: 'openid profile username' } });
    assert.equal(t.reg.json.scope, 'openid profile username');
    assert.equal(t.status, 200, t.text);
    const r1 = await refresh(s, t.clientId, t.json.refresh_token);
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.json.refresh_token, t.json.refresh_token);
    assert.equal((await refresh(s, t.clientId, t.json.refresh_token)).status, 200);
    assert.equal(s.fixtures.enrollment.refreshTtl, 3600);
  } finally { await s.stop(); }
});

test('2.42: enrollDevice is not kept across the login (lands on the dashboard); a second visit works (§1)', async () => {
  const s = await startServer(['--profile', '2.42', '--enrollment-allowlist', ALLOW]);
  try {
    const redirectUri = 'http://127.0.0.1:47013/oauth2/callback';
    const jar = new Jar();
    const first = await enroll(s.url, { jar, redirectUri, loginPath: '/dhis-web-login/' });
    assert.equal(first.status, 200);
    assert.match(first.body, /id="dashboard"/);
    const second = await enroll(s.url, { jar, redirectUri, loginPath: '/dhis-web-login/' });
    assert.equal(second.status, 302);
    assert.ok(second.params.iat);
  } finally { await s.stop(); }
});
