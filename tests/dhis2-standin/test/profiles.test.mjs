import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, basic, signIn } from './helpers.mjs';
import { validateChecksum } from '../lib/pat.mjs';

const A = { authorization: basic('admin', 'district') };

test('profile 2.42: /dhis-web-login/, api 28-42, no emailVerified, OAuth2 present', async () => {
  const s = await startServer(['--profile', '2.42']);
  try {
    assert.equal(s.fixtures.loginPath, '/dhis-web-login/');
    const r = await fetch(`${s.url}/api/me`, { redirect: 'manual' });
    assert.equal(r.headers.get('location'), `${s.url}/dhis-web-login/`);
    assert.equal((await fetch(`${s.url}/api/43/me`, { headers: A })).status, 404);
    const me = await (await fetch(`${s.url}/api/42/me`, { headers: A })).json();
    assert.equal(me.emailVerified, undefined);
    assert.equal(me.userCredentials, undefined);
    assert.match((await (await fetch(`${s.url}/api/system/info`, { headers: A })).json()).version, /^2\.42\./);
    const t = await signIn(s.url, s.fixtures, { scope: 'ALL' });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.authorize.sawLogin, true);
  } finally { await s.stop(); }
});

test('profile 2.40: legacy /uaa/oauth/token, no /oauth2 (404), d2pat_ plain CRC, userCredentials, no loginConfig', async () => {
  const s = await startServer(['--profile', '2.40']);
  try {
    assert.equal((await fetch(`${s.url}/oauth2/authorize`)).status, 404);
    assert.equal((await fetch(`${s.url}/.well-known/openid-configuration`)).status, 404);
    assert.equal((await fetch(`${s.url}/api/loginConfig`, { redirect: 'manual' })).status, 302);
    const me = await (await fetch(`${s.url}/api/me`, { headers: A })).json();
    assert.equal(me.userCredentials.username, 'admin');
    const pat = s.fixtures.pats.valid;
    assert.match(pat, /^d2pat_/);
    assert.ok(validateChecksum(pat, { plainV1: true }).ok);
    assert.equal((await fetch(`${s.url}/api/me`, { headers: { authorization: `ApiToken ${pat}` } })).status, 200);
    const c = s.fixtures.clients.confidential;
    const tr = await fetch(`${s.url}/uaa/oauth/token`, { method: 'POST', headers: { authorization: basic(c.clientId, c.clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password&username=admin&password=district' });
    const tok = await tr.json();
    assert.equal(tok.scope, 'ALL');
    assert.equal(tok.token_type, 'bearer');
    assert.match(tok.access_token, /^[0-9a-f-]{36}$/);
    assert.equal((await fetch(`${s.url}/api/me`, { headers: { authorization: `Bearer ${tok.access_token}` } })).status, 200);
    const bad = await fetch(`${s.url}/api/me`, { headers: { authorization: 'Bearer nope' } });
    assert.equal((await bad.json()).error, 'invalid_token');
    const rf = await fetch(`${s.url}/uaa/oauth/token`, { method: 'POST', headers: { authorization: basic(c.clientId, c.clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&refresh_token=${tok.refresh_token}` });
    assert.equal((await rf.json()).refresh_token, tok.refresh_token);
  } finally { await s.stop(); }
});

test('--data large: >= 200k org units, >= 50 MB, streamed in chunks (time: npm run bench)', async () => {
  const s = await startServer(['--data', 'large'], { timeoutMs: 30000 });
  try {
    const r = await fetch(`${s.url}/api/organisationUnits?paging=false&fields=id,name,path,level,parent[id]`, { headers: A });
    assert.equal(r.headers.get('content-length'), null); // streamed (chunked), not one buffer
    let bytes = 0;
    let chunks = 0;
    for await (const c of r.body) { bytes += c.length; chunks++; }
    assert.ok(bytes >= 50 * 1024 * 1024, `only ${bytes} bytes`);
    assert.ok(chunks > 10);
    const p = await (await fetch(`${s.url}/api/organisationUnits?fields=id&pageSize=1`, { headers: A })).json();
    assert.ok(p.pager.total >= 200000);
    // The pager is exact in large mode too (dhis2-server.md §6.6): 1 + 13 + 156 + 3120 + 374400 units.
    assert.equal(p.pager.total, 377690);
    assert.equal(s.fixtures.orgUnitCount, 377690);
    const last = await (await fetch(`${s.url}/api/organisationUnits?fields=id&pageSize=1000&page=378`, { headers: A })).json();
    assert.deepEqual([last.pager.page, last.pager.pageCount, last.pager.nextPage, last.organisationUnits.length], [378, 378, undefined, 690]);
    assert.equal(last.pager.prevPage, `${s.url}/api/organisationUnits?fields=id&page=377&pageSize=1000`);
    const lv = await (await fetch(`${s.url}/api/organisationUnitLevels?fields=name,level&order=level:asc&paging=false`, { headers: A })).json();
    assert.deepEqual(lv.organisationUnitLevels.map((l) => l.name), ['National', 'District', 'Chiefdom', 'Section', 'Facility']);
    const five = await (await fetch(`${s.url}/api/organisationUnits?level=5&pageSize=1`, { headers: A })).json();
    assert.equal(five.pager.total, 374400);
  } finally { await s.stop(); }
});
