// `--data alt`: a second instance with the same kind of data, some objects under other UIDs (same code
// and name) and some missing, for "run this saved question on another server" tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, basic } from './helpers.mjs';

let main;
let alt;
before(async () => { [main, alt] = await Promise.all([startServer([]), startServer(['--data', 'alt'])]); });
after(async () => { await Promise.all([main.stop(), alt.stop()]); });
const A = { authorization: basic('admin', 'district') };
const get = async (base, p) => { const r = await fetch(`${base}${p}`, { headers: A }); return { status: r.status, json: await r.json() }; };

test('fixtures describe the differences; system id and name differ', async () => {
  assert.equal(main.fixtures.dataVariant, null);
  const v = alt.fixtures.dataVariant;
  assert.equal(v.name, 'alt');
  assert.deepEqual(v.changed.map((c) => [c.type, c.name, c.mainId, c.altId]), [
    ['organisationUnit', 'Bombali', 'fdc6uOvgoji', 'Kdc6uOvgojz'],
    ['dataElement', 'Malaria cases confirmed', 'Mc9Pq2Lx7Ta', 'Kc9Pq2Lx7Tz'],
    ['indicator', 'Malaria incidence rate', 'Mi7Jz5Bq3Xd', 'Ki7Jz5Bq3Xz'],
    ['program', 'Malaria case registration', 'Mp1Vx8Lr4Ua', 'Kp1Vx8Lr4Uz'],
  ]);
  assert.deepEqual(v.missing.map((m) => m.name).sort(), ['Koinadugu', 'Malaria case fatality rate', 'Malaria cases treated with ACT', 'Malaria deaths', 'Malaria monthly']);
  assert.equal(alt.fixtures.testObjects.malariaCasesConfirmed.id, 'Kc9Pq2Lx7Tz');
  assert.equal(alt.fixtures.testObjects.malariaDeaths, null);
  assert.equal(main.fixtures.testObjects.malariaDeaths.id, 'Md4Rt8Vk1Yb');
  const [si1, si2] = await Promise.all([get(main.url, '/api/system/info'), get(alt.url, '/api/system/info')]);
  assert.notEqual(si1.json.systemId, si2.json.systemId);
  assert.notEqual(si1.json.systemName, si2.json.systemName);
});

test('same code and name, another UID; missing objects 404; everything else identical', async () => {
  const q = '/api/dataElements?filter=code:eq:DE_MAL_CONF&fields=id,name,code';
  assert.deepEqual((await get(main.url, q)).json.dataElements, [{ id: 'Mc9Pq2Lx7Ta', name: 'Malaria cases confirmed', code: 'DE_MAL_CONF' }]);
  assert.deepEqual((await get(alt.url, q)).json.dataElements, [{ id: 'Kc9Pq2Lx7Tz', name: 'Malaria cases confirmed', code: 'DE_MAL_CONF' }]);
  assert.equal((await get(alt.url, '/api/dataElements/Mc9Pq2Lx7Ta')).status, 404);
  assert.equal((await get(alt.url, '/api/identifiableObjects/Md4Rt8Vk1Yb')).status, 404);
  assert.equal((await get(alt.url, '/api/organisationUnits/qhqAxPSTUXp')).status, 404);
  assert.equal((await get(alt.url, '/api/organisationUnits?level=2&pageSize=1')).json.pager.total, 12);
  // Bombali's subtree moved with it: paths use the new UID.
  const b = (await get(alt.url, '/api/organisationUnits/Kdc6uOvgojz?fields=name,path,children[path]')).json;
  assert.equal(b.name, 'Bombali');
  assert.ok(b.children.every((c) => c.path.startsWith('/ImspTQPwCqd/Kdc6uOvgojz/')));
  // The indicator expression follows the new data element UID.
  assert.equal((await get(alt.url, '/api/indicators/Ki7Jz5Bq3Xz?fields=numerator')).json.numerator, '#{Kc9Pq2Lx7Tz}');
  const anc = '/api/dataElements/fbfJHSPpUQD?fields=id,name,code,categoryCombo';
  assert.deepEqual((await get(alt.url, anc)).json, (await get(main.url, anc)).json);
  const all = '/api/indicators?fields=id&paging=false&filter=name:!ilike:malaria';
  assert.deepEqual((await get(alt.url, all)).json, (await get(main.url, all)).json);
});

test('a saved analytics question: the main UID fails on alt (E7124), the alt UID works', async () => {
  const q = (dx) => `/api/analytics?dimension=dx:${dx}&dimension=pe:202401&filter=ou:ImspTQPwCqd`;
  const m = await get(main.url, q('Mc9Pq2Lx7Ta'));
  assert.equal(m.status, 200);
  const bad = await get(alt.url, q('Mc9Pq2Lx7Ta'));
  assert.equal(bad.status, 409);
  assert.equal(bad.json.errorCode, 'E7124');
  const ok = await get(alt.url, q('Kc9Pq2Lx7Tz'));
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json.metaData.items.Kc9Pq2Lx7Tz, { name: 'Malaria cases confirmed' });
});
