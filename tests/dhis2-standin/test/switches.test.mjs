// dhis2-server.md §9.2 switches, independent of the profile: --no-discovery, --trailing-slash,
// --oauth2-off and --mapping-broken.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, signIn, token, basic, pkce, authorize, formBody } from './helpers.mjs';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

test('--no-discovery: both discovery documents 404, /oauth2/* still works (fallback to default paths)', async (t) => {
  const s = await startServer(['--no-discovery']);
  t.after(s.stop);
  for (const p of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    assert.equal((await fetch(`${s.url}${p}`)).status, 404, p);
  }
  const jwks = await (await fetch(`${s.url}/oauth2/jwks`)).json();
  assert.ok(Array.isArray(jwks.keys) && jwks.keys.length > 0);
  const r = await signIn(s.url, s.fixtures, { confidential: true, scope: 'ALL' });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.access_token);
});

test('--trailing-slash: /oauth2/* answers 301 to the trailing-slash path, which serves the request (§2.2)', async (t) => {
  const s = await startServer(['--trailing-slash', '--context-path', '/dhis']);
  t.after(s.stop);
  const j = await fetch(`${s.url}/oauth2/jwks`, { redirect: 'manual' });
  assert.equal(j.status, 301);
  assert.equal(j.headers.get('location'), `${s.url}/oauth2/jwks/`);
  assert.ok((await (await fetch(`${s.url}/oauth2/jwks/`)).json()).keys.length > 0);
  // Discovery is not under /oauth2 and still answers directly, advertising the plain paths.
  const d = await fetch(`${s.url}/.well-known/openid-configuration`, { redirect: 'manual' });
  assert.equal(d.status, 200);
  assert.equal((await d.json()).token_endpoint, `${s.url}/oauth2/token`);
  // The authorize GET keeps its query across the 301 and the flow completes.
  const c = s.fixtures.clients.confidential;
  const redirectUri = 'http://127.0.0.1:54321/oauth2/callback';
  const { verifier, challenge } = pkce();
  const a = await authorize(s.url, { clientId: c.clientId, redirectUri, scope: 'ALL', challenge });
  assert.equal(a.status, 'redirect', JSON.stringify(a).slice(0, 300));
  assert.ok(a.params.code);
  // A token POST to /oauth2/token gets a 301 (an HTTP library would turn it into a GET)...
  const form = formBody({ grant_type: 'authorization_code', code: a.params.code, redirect_uri: redirectUri, code_verifier: verifier });
  const first = await fetch(`${s.url}/oauth2/token`, { method: 'POST', headers: { ...FORM, authorization: basic(c.clientId, c.clientSecret) }, body: form, redirect: 'manual' });
  assert.equal(first.status, 301);
  // ...and the POST re-sent with its form to the Location gets the tokens.
  const again = await fetch(first.headers.get('location'), { method: 'POST', headers: { ...FORM, authorization: basic(c.clientId, c.clientSecret) }, body: form });
  assert.equal(again.status, 200);
  assert.ok((await again.json()).access_token);
});

test('--oauth2-off: discovery 302 to the login page, token POST the generic 401 WebMessage, Bearer ignored (§9.2)', async (t) => {
  const s = await startServer(['--oauth2-off']);
  t.after(s.stop);
  const d = await fetch(`${s.url}/.well-known/openid-configuration`, { redirect: 'manual' });
  assert.equal(d.status, 302);
  assert.equal(d.headers.get('location'), `${s.url}${s.fixtures.loginPath}`);
  const tk = await token(s.url, { grant_type: 'authorization_code', code: 'x', client_id: 'dhis2w-desktop-public' });
  assert.equal(tk.status, 401);
  assert.equal(tk.json.message, 'Unauthorized');
  assert.equal(tk.json.error, undefined, 'not OAuth JSON');
  const me = await fetch(`${s.url}/api/me`, { headers: { authorization: 'Bearer whatever', 'x-requested-with': 'XMLHttpRequest' } });
  assert.equal(me.status, 401);
  assert.equal(me.headers.get('www-authenticate'), null, 'no Bearer challenge: the header was ignored');
  assert.equal((await me.json()).message, 'Unauthorized');
});

test('--mapping-broken: every bearer call gets 401 invalid_token "Invalid mapping claim" (§9.2)', async (t) => {
  const s = await startServer(['--mapping-broken']);
  t.after(s.stop);
  const r = await signIn(s.url, s.fixtures, { confidential: true, scope: 'ALL' });
  assert.equal(r.status, 200, r.text);
  const me = await fetch(`${s.url}/api/me`, { headers: { authorization: `Bearer ${r.json.access_token}` } });
  assert.equal(me.status, 401);
  assert.match(me.headers.get('www-authenticate'), /error_description="Invalid mapping claim"/);
  assert.equal((await me.json()).devMessage, 'Invalid mapping claim');
});
