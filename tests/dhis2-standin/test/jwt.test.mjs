// Access tokens as DHIS2 issues them (dhis2-server.md §2.10, §2.11; dhis2-dcr.md §7; lib/jwt.mjs): RS256
// JWTs accepted on /api/* by signature and claims, so revoking one does not stop it; revocation and
// introspection need client authentication.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPublicKey, createPrivateKey, sign, verify, randomUUID } from 'node:crypto';
import { startServer, signIn, token, basic, control } from './helpers.mjs';

let s;
before(async () => { s = await startServer([]); });
after(async () => { await s.stop(); });

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const DECODE = 'An error occurred while attempting to decode the Jwt: ';
const part = (t, i) => JSON.parse(Buffer.from(t.split('.')[i], 'base64url').toString());
const me = (base, at) => fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${at}` } });
const devMessage = async (r) => (await r.json()).devMessage;
const post = (base, path, body, headers = {}) => fetch(`${base}${path}`, { method: 'POST', headers: { ...FORM, ...headers }, body: new URLSearchParams(body).toString() });

function forge(claims, header, privJwk) {
  const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b(header)}.${b(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey({ key: privJwk, format: 'jwk' })).toString('base64url')}`;
}

test('the access token is an RS256 JWT with DHIS2\'s claims, signed with the key at /oauth2/jwks (§2.10)', async () => {
  const t = await signIn(s.url, s.fixtures, { confidential: true, scope: 'openid profile username email' });
  assert.equal(t.status, 200, t.text);
  const at = t.json.access_token;
  assert.equal(at.split('.').length, 3);
  const h = part(at, 0);
  const c = part(at, 1);
  const jwks = await (await fetch(`${s.url}/oauth2/jwks`)).json();
  assert.deepEqual(h, { alg: 'RS256', kid: jwks.keys[0].kid });
  const [input, sig] = [at.split('.').slice(0, 2).join('.'), Buffer.from(at.split('.')[2], 'base64url')];
  assert.ok(verify('sha256', Buffer.from(input), createPublicKey({ key: jwks.keys[0], format: 'jwk' }), sig), 'signature verifies with the JWKS key');
  assert.equal(c.iss, s.fixtures.issuer);
  assert.equal(c.sub, 'admin');
  assert.deepEqual(c.aud, ['dhis2w-desktop']);
  assert.ok(Array.isArray(c.scope));
  assert.deepEqual([...c.scope].sort(), ['email', 'openid', 'profile', 'username']);
  assert.equal(c.username, 'admin');
  assert.equal(c.email, 'dummy@dhis2.org');
  assert.equal(c.exp - c.iat, 300);
  assert.equal(c.nbf, c.iat);
  assert.ok(Math.abs(c.iat - Date.now() / 1000) < 5);
  assert.equal(typeof c.jti, 'string');
  assert.ok(t.json.expires_in >= 299 && t.json.expires_in <= 300);
  // The refresh token stays opaque; a refreshed access token is a new JWT.
  assert.equal(t.json.refresh_token.split('.').length, 1);
  const c1 = s.fixtures.clients.confidential;
  const r = await token(s.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: basic(c1.clientId, c1.clientSecret) });
  assert.equal(r.status, 200, r.text);
  assert.notEqual(part(r.json.access_token, 1).jti, c.jti);
  assert.equal((await me(s.url, r.json.access_token)).status, 200);
  // Introspection and token-status take the JWT.
  const intro = await (await post(s.url, '/oauth2/introspect', { token: at }, { authorization: basic(c1.clientId, c1.clientSecret) })).json();
  assert.equal(intro.active, true);
  assert.equal(intro.sub, 'admin');
  assert.deepEqual(await control(s.url, 'token-status', 'POST', { token: at }), { known: true, active: true, revoked: false, kind: 'access_token' });
  assert.equal((await fetch(`${s.url}/userinfo`, { headers: { authorization: `Bearer ${at}` } })).status, 200);
  // The bare jti is not a token: refused everywhere.
  assert.equal((await (await post(s.url, '/oauth2/introspect', { token: c.jti }, { authorization: basic(c1.clientId, c1.clientSecret) })).json()).active, false);
  assert.equal((await fetch(`${s.url}/userinfo`, { headers: { authorization: `Bearer ${c.jti}` } })).status, 401);
  assert.equal((await me(s.url, c.jti)).status, 401);
});

test('username and email claims only when those scopes were granted; ALL maps through sub (§2.10, §2.11)', async () => {
  const all = await signIn(s.url, s.fixtures, { scope: 'ALL' });
  const ca = part(all.json.access_token, 1);
  assert.deepEqual(ca.scope, ['ALL']);
  assert.equal('username' in ca, false);
  assert.equal('email' in ca, false);
  assert.equal((await me(s.url, all.json.access_token)).status, 200);

  const noUser = await signIn(s.url, s.fixtures, { scope: 'openid email username', untick: ['username'] });
  const cn = part(noUser.json.access_token, 1);
  assert.deepEqual([...cn.scope].sort(), ['email', 'openid']);
  assert.equal(cn.email, 'dummy@dhis2.org');
  assert.equal('username' in cn, false);
  const r = await me(s.url, noUser.json.access_token);
  assert.equal(r.status, 401);
  assert.equal(await devMessage(r), "Found no matching DHIS2 user for the mapping claim: 'username' with the value: 'null'");

  const user = await signIn(s.url, s.fixtures, { scope: 'openid username' });
  const cu = part(user.json.access_token, 1);
  assert.deepEqual([...cu.scope].sort(), ['openid', 'username']);
  assert.equal(cu.username, 'admin');
  assert.equal('email' in cu, false);
  assert.equal((await me(s.url, user.json.access_token)).status, 200);
});

test('a token signed by another key, tampered with, or from another issuer is refused (§2.11)', async () => {
  const t = await signIn(s.url, s.fixtures, { scope: 'openid username' });
  const at = t.json.access_token;
  const claims = part(at, 1);
  const kid = part(at, 0).kid;
  const { privateKey: other } = generateKeyPairSync('rsa', {
    modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'jwk' }, publicKeyEncoding: { type: 'spki', format: 'jwk' },
  });
  const cases = [
    [forge(claims, { alg: 'RS256', kid }, other), `${DECODE}Signed JWT rejected: Invalid signature`],
    [forge(claims, { alg: 'RS256', kid: randomUUID() }, other), `${DECODE}Signed JWT rejected: Another algorithm expected, or no matching key(s) found`],
    [forge(claims, { alg: 'RS256' }, other), `${DECODE}Signed JWT rejected: Invalid signature`],
    // The payload of another user under the original signature.
    [`${at.split('.')[0]}.${Buffer.from(JSON.stringify({ ...claims, username: 'android', sub: 'android' })).toString('base64url')}.${at.split('.')[2]}`,
      `${DECODE}Signed JWT rejected: Invalid signature`],
    [`${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${at.split('.')[1]}.`, `${DECODE}Signed JWT rejected: Another algorithm expected, or no matching key(s) found`],
    [forge({ ...claims, iss: 'https://elsewhere.example/' }, { alg: 'RS256', kid }, other), 'Invalid issuer'],
    ['not-a-jwt', `${DECODE}Malformed token`],
  ];
  for (const [bad, want] of cases) {
    const r = await me(s.url, bad);
    assert.equal(r.status, 401, want);
    assert.match(r.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
    assert.equal(await devMessage(r), want);
  }
  assert.equal((await me(s.url, at)).status, 200);
});

test('expire-tokens: tokens issued before are refused as expired, one issued the same second works; rotate-key refuses by signature', async () => {
  const c = s.fixtures.clients.confidential;
  const t = await signIn(s.url, s.fixtures, { confidential: true, scope: 'openid username' });
  await control(s.url, 'expire-tokens');
  const r = await me(s.url, t.json.access_token);
  assert.equal(r.status, 401);
  assert.match(await devMessage(r), /^An error occurred while attempting to decode the Jwt: Jwt expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal((await control(s.url, 'token-status', 'POST', { token: t.json.access_token })).active, false);
  const rf = await token(s.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: basic(c.clientId, c.clientSecret) });
  assert.equal(rf.status, 200, rf.text);
  assert.equal((await me(s.url, rf.json.access_token)).status, 200, 'issued after the switch');

  await control(s.url, 'rotate-key');
  const old = await me(s.url, rf.json.access_token);
  assert.equal(old.status, 401);
  assert.equal(await devMessage(old), `${DECODE}Signed JWT rejected: Another algorithm expected, or no matching key(s) found`);
  assert.equal((await control(s.url, 'token-status', 'POST', { token: rf.json.access_token })).active, false);
  assert.equal((await fetch(`${s.url}/userinfo`, { headers: { authorization: `Bearer ${rf.json.access_token}` } })).status, 401);
  const rf2 = await token(s.url, { grant_type: 'refresh_token', refresh_token: t.json.refresh_token }, { basicAuth: basic(c.clientId, c.clientSecret) });
  assert.equal(rf2.status, 200, rf2.text);
  const jwks = await (await fetch(`${s.url}/oauth2/jwks`)).json();
  assert.equal(part(rf2.json.access_token, 0).kid, jwks.keys[0].kid);
  assert.equal((await me(s.url, rf2.json.access_token)).status, 200);
});

test('revocation and introspection refuse requests without client authentication, for every client (dhis2-dcr.md §7, §2.5)', async () => {
  const c = s.fixtures.clients.confidential;
  const t = await signIn(s.url, s.fixtures, { confidential: true, scope: 'openid username' });
  for (const path of ['/oauth2/revoke', '/oauth2/introspect']) {
    for (const [why, body, headers] of [
      ['no client at all', { token: t.json.access_token }, {}],
      ['confidential client_id, no secret', { token: t.json.access_token, client_id: c.clientId }, {}],
      ['wrong secret', { token: t.json.access_token }, { authorization: basic(c.clientId, 'wrong') }],
      ['public client', { token: t.json.access_token, client_id: s.fixtures.clients.public.clientId }, {}],
      ['unknown client', { token: t.json.access_token, client_id: 'nobody', client_secret: 'x' }, {}],
    ]) {
      const r = await post(s.url, path, body, headers);
      assert.equal(r.status, 401, `${path}: ${why}`);
      assert.deepEqual(await r.json(), { error: 'invalid_client' });
    }
  }
  assert.equal((await control(s.url, 'token-status', 'POST', { token: t.json.access_token })).revoked, false);
  // client_secret_post works as well as Basic.
  const ok = await post(s.url, '/oauth2/introspect', { token: t.json.access_token, client_id: c.clientId, client_secret: c.clientSecret });
  assert.equal((await ok.json()).active, true);
});

test('a revoked access token still works on /api/* until it expires, as on DHIS2 (dhis2-dcr.md §7)', async () => {
  const short = await startServer(['--access-ttl', '2']);
  try {
    const c = short.fixtures.clients.confidential;
    const auth = { authorization: basic(c.clientId, c.clientSecret) };
    const t = await signIn(short.url, short.fixtures, { confidential: true, scope: 'openid username' });
    const at = t.json.access_token;
    assert.equal((await me(short.url, at)).status, 200);
    const rv = await post(short.url, '/oauth2/revoke', { token: at, token_type_hint: 'access_token' }, auth);
    assert.equal(rv.status, 200);
    // The server's record says revoked; introspection and userinfo look the record up and refuse it.
    assert.deepEqual(await control(short.url, 'token-status', 'POST', { token: at }), { known: true, active: false, revoked: true, kind: 'access_token' });
    assert.equal((await (await post(short.url, '/oauth2/introspect', { token: at }, auth)).json()).active, false);
    assert.equal((await fetch(`${short.url}/userinfo`, { headers: { authorization: `Bearer ${at}` } })).status, 401);
    // /api/* checks only the signature and the claims.
    const r = await me(short.url, at);
    assert.equal(r.status, 200);
    assert.equal((await r.json()).username, 'admin');
    // Until exp.
    const exp = part(at, 1).exp;
    await new Promise((ok) => setTimeout(ok, Math.max(0, exp * 1000 - Date.now()) + 150));
    const late = await me(short.url, at);
    assert.equal(late.status, 401);
    assert.equal(await devMessage(late), `${DECODE}Jwt expired at ${new Date(exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}`);
  } finally { await short.stop(); }
});

test('a deleted client\'s access tokens are refused with Invalid audience (§2.11 step 3)', async () => {
  const A = { authorization: basic('admin', 'district'), 'content-type': 'application/json' };
  const body = {
    name: 'jwt-test', clientId: 'jwt-test-client', clientSecret: '$2a$10$u22N.3G40lxthRLVnkRv2uIoEI8dZJ/T6mE7rGvfI06zvZ7/lncx2',
    clientAuthenticationMethods: 'client_secret_basic', authorizationGrantTypes: 'authorization_code,refresh_token',
    redirectUris: 'http://127.0.0.1/oauth2/callback', scopes: 'ALL,openid,profile,username,email',
  };
  const created = await fetch(`${s.url}/api/oAuth2Clients`, { method: 'POST', headers: A, body: JSON.stringify(body) });
  assert.equal(created.status, 201, await created.clone().text());
  const uid = (await created.json()).response.uid;
  const fx = { ...s.fixtures, clients: { ...s.fixtures.clients, confidential: { clientId: 'jwt-test-client', clientSecret: 'dhis2w-desktop-secret' } } };
  const t = await signIn(s.url, fx, { confidential: true, scope: 'openid username' });
  assert.equal(t.status, 200, t.text);
  assert.deepEqual(part(t.json.access_token, 1).aud, ['jwt-test-client']);
  assert.equal((await me(s.url, t.json.access_token)).status, 200);
  assert.equal((await fetch(`${s.url}/api/oAuth2Clients/${uid}`, { method: 'DELETE', headers: A })).status, 200);
  const r = await me(s.url, t.json.access_token);
  assert.equal(r.status, 401);
  assert.equal(await devMessage(r), 'Invalid audience');
});

test('/__standin/issued lists every token handed out (for the E2E leak scan)', async () => {
  const t = await signIn(s.url, s.fixtures, { confidential: true, scope: 'openid profile username email' });
  assert.equal(t.status, 200, t.text);
  const { tokens } = await control(s.url, 'issued', 'GET');
  assert.ok(tokens.includes(t.json.access_token), 'the JWT access token');
  assert.ok(tokens.includes(t.json.refresh_token), 'the refresh token');
});
