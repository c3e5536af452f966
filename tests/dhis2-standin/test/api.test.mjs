import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, basic } from './helpers.mjs';

let s;
before(async () => { s = await startServer([]); });
after(async () => { await s.stop(); });
const A = { authorization: basic('admin', 'district') };
const get = async (p, h = A) => { const r = await fetch(`${s.url}${p}`, { headers: h, redirect: 'manual' }); return { r, status: r.status, json: r.headers.get('content-type')?.includes('json') ? await r.json() : await r.text() }; };
const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/;

test('/api/system/info: version, no-store, reduced for non-superusers (§6.2)', async () => {
  const { r, json } = await get('/api/system/info');
  assert.equal(json.version, '2.43.1');
  assert.match(json.serverDate, DATE);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.ok(json.javaVersion);
  const an = s.fixtures.users.analyst;
  const red = (await get('/api/system/info', { authorization: basic(an.username, an.password) })).json;
  assert.equal(red.version, '2.43.1');
  assert.equal(red.javaVersion, undefined);
  assert.equal(red.encryption, false);
});

test('/api/me keys for 2.43 (§6.3)', async () => {
  const { json } = await get('/api/me');
  assert.equal(json.id, 'xE7jOejl9FI');
  assert.equal(json.displayName, 'John Traore');
  assert.equal(json.userCredentials, undefined);
  assert.equal(json.emailVerified, false);
  assert.equal(json.twoFactorType, 'NOT_ENABLED');
  assert.ok(Array.isArray(json.authorities) && Array.isArray(json.patTokens));
  assert.match(json.created, DATE);
});

test('/api/loginConfig anonymous; /api/resources; /api/schemas (§6.4, §6.5)', async () => {
  const lc = await get('/api/loginConfig', {});
  assert.equal(lc.status, 200);
  assert.equal(lc.json.apiVersion, '2.43.1');
  const res = (await get('/api/resources')).json.resources;
  const de = res.find((x) => x.plural === 'dataElements');
  assert.deepEqual(de, { displayName: 'Data Elements', singular: 'dataElement', plural: 'dataElements', href: `${s.url}/api/dataElements` });
  const sc = (await get('/api/schemas')).json.schemas;
  assert.ok(sc.length >= 6);
  const one = (await get('/api/schemas/organisationUnit')).json;
  assert.equal(one.plural, 'organisationUnits');
  assert.ok(one.properties.some((p) => p.name === 'parent' && p.propertyType === 'REFERENCE'));
  assert.equal((await get('/api', A)).r.headers.get('location'), `${s.url}/api/resources`);
  assert.equal((await get('/api/openapi.json')).status, 200);
});

test('collections: pager with absolute links, defaults id,displayName, paging=false (§6.6)', async () => {
  const { json } = await get('/api/dataElements');
  assert.deepEqual(Object.keys(json), ['pager', 'dataElements']);
  assert.equal(json.pager.page, 1);
  assert.equal(json.pager.pageSize, 50);
  assert.equal(json.pager.nextPage, `${s.url}/api/dataElements?page=2`);
  assert.equal(json.pager.prevPage, undefined);
  assert.equal(json.pager.pageCount, Math.ceil(json.pager.total / 50));
  assert.deepEqual(Object.keys(json.dataElements[0]), ['id', 'displayName']);
  const p2 = (await get('/api/dataElements?page=2&pageSize=10&fields=id')).json;
  assert.equal(p2.pager.prevPage, `${s.url}/api/dataElements?fields=id&pageSize=10`);
  assert.equal(p2.pager.nextPage, `${s.url}/api/dataElements?fields=id&page=3&pageSize=10`);
  assert.equal(p2.dataElements.length, 10);
  const all = (await get('/api/organisationUnits?paging=false&fields=id')).json;
  assert.equal(all.pager, undefined);
  assert.ok(all.organisationUnits.length > 1200);
  for (const c of ['indicators', 'dataSets', 'programs', 'users']) assert.ok((await get(`/api/${c}`)).json[c].length > 0, c);
});

test('fields: *, nested [..], !exclude, presets; null fields omitted', async () => {
  const a = (await get('/api/organisationUnits?filter=level:eq:2&fields=id,name,parent[id,name],children[id]&pageSize=1')).json.organisationUnits[0];
  assert.deepEqual(Object.keys(a), ['id', 'name', 'parent', 'children']);
  assert.deepEqual(a.parent, { id: 'ImspTQPwCqd', name: 'Sierra Leone' });
  const star = (await get('/api/organisationUnits/ImspTQPwCqd')).json;
  assert.equal(star.name, 'Sierra Leone');
  assert.equal(star.parent, undefined);
  assert.ok(star.children.length === 13 && Object.keys(star.children[0]).length === 1);
  const ex = (await get('/api/organisationUnits/ImspTQPwCqd?fields=*,!children,!path')).json;
  assert.equal(ex.children, undefined);
  assert.equal(ex.path, undefined);
  assert.ok(ex.level);
  const idf = (await get('/api/dataSets?fields=:identifiable&pageSize=1')).json.dataSets[0];
  assert.ok(idf.id && idf.name && idf.code && idf.created && idf.lastUpdated);
  assert.equal(idf.periodType, undefined);
});

test('filter: eq, like, ilike, in, token, null, nested paths, rootJunction=OR; order', async () => {
  const q = async (qs) => (await get(`/api/organisationUnits?paging=false&fields=id,name,level&${qs}`)).json.organisationUnits;
  assert.equal((await q('filter=level:eq:2')).length, 13);
  assert.deepEqual((await q('filter=name:like:Bombal')).map((o) => o.name), ['Bombali']);
  assert.deepEqual((await q('filter=name:ilike:BOMBAL')).map((o) => o.name), ['Bombali']);
  assert.equal((await q('filter=id:in:[ImspTQPwCqd,nope]')).length, 1);
  assert.ok((await q('filter=name:token:western')).some((o) => o.name === 'Western Area'));
  assert.deepEqual((await q('filter=parent:null')).map((o) => o.id), ['ImspTQPwCqd']);
  assert.equal((await q('filter=parent.id:eq:ImspTQPwCqd')).length, 13);
  assert.equal((await q('filter=level:eq:1&filter=name:eq:Bo&rootJunction=OR')).length, 2);
  const ord = (await q('filter=level:eq:2&order=name:desc')).map((o) => o.name);
  assert.equal(ord[0], 'Western Area');
  const de = (await get('/api/dataElements?filter=code:!null&filter=dataSets.id:!null&pageSize=1')).json;
  assert.ok(de.pager.total > 0);
});

test('single objects: 404 E1005, 405 malformed uid, 403 for non-superuser on users (§6.1)', async () => {
  const nf = await get('/api/dataElements/abcdefghijk');
  assert.equal(nf.status, 404);
  assert.deepEqual(nf.json, { httpStatus: 'Not Found', httpStatusCode: 404, status: 'ERROR', message: 'DataElement with id abcdefghijk could not be found.', errorCode: 'E1005' });
  assert.equal((await get('/api/dataElements/bad')).status, 405);
  const an = s.fixtures.users.analyst;
  const f = await get('/api/users', { authorization: basic(an.username, an.password) });
  assert.equal(f.status, 403);
  assert.equal(f.json.message, "You don't have the proper permissions to read objects of this type.");
});

test('/api/NN/ version prefixes 28-43 on 2.43, 404 outside (§6.7)', async () => {
  for (const n of [28, 40, 43]) assert.equal((await get(`/api/${n}/system/info`)).json.version, '2.43.1');
  for (const n of [27, 44]) assert.equal((await get(`/api/${n}/system/info`)).status, 404);
});

test('faults on /api/*: 503 with Retry-After and statusCount, delay, reset mid-body', async () => {
  const ctl = (b) => fetch(`${s.url}/__standin/faults`, { method: b ? 'POST' : 'DELETE', body: b ? JSON.stringify(b) : undefined });
  await ctl({ status: 503, statusCount: 2, retryAfter: 1 });
  for (let i = 0; i < 2; i++) {
    const r = await get('/api/system/ping');
    assert.equal(r.status, 503);
    assert.equal(r.r.headers.get('retry-after'), '1');
  }
  assert.equal((await get('/api/system/ping')).status, 200);
  await ctl({ delayMs: 300 });
  const t0 = Date.now();
  await get('/api/system/ping');
  assert.ok(Date.now() - t0 >= 280);
  await ctl();
  await ctl({ resetMidBody: true });
  await assert.rejects(async () => { const r = await fetch(`${s.url}/api/organisationUnits`, { headers: A }); await r.text(); });
  await ctl();
  assert.equal((await get('/api/system/ping')).status, 200);
});
