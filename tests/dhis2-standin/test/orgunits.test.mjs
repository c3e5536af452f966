// Org-unit tree, levels, groups and the user's roots (dhis2-analytics.md §5).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, basic } from './helpers.mjs';

let s;
before(async () => { s = await startServer([]); });
after(async () => { await s.stop(); });
const A = { authorization: basic('admin', 'district') };
const get = async (p, h = A, base = s.url) => { const r = await fetch(`${base}${p}`, { headers: h }); return { status: r.status, json: await r.json() }; };
const BO = 'O6uvpzGd5pu';

test('organisationUnitLevels: National/District/Chiefdom/Facility; default order by name, order=level:asc (§5)', async () => {
  const byName = (await get('/api/organisationUnitLevels')).json;
  assert.deepEqual(byName.organisationUnitLevels.map((l) => l.displayName), ['Chiefdom', 'District', 'Facility', 'National']);
  assert.deepEqual(Object.keys(byName.organisationUnitLevels[0]), ['id', 'displayName']);
  const ord = (await get('/api/organisationUnitLevels?fields=id,name,level&order=level:asc&paging=false')).json;
  assert.deepEqual(ord, { organisationUnitLevels: [
    { id: 'H1KlN4QIauv', name: 'National', level: 1 }, { id: 'wjP19dkFeIk', name: 'District', level: 2 },
    { id: 'tTUf91fCytl', name: 'Chiefdom', level: 3 }, { id: 'm9lBJogzE95', name: 'Facility', level: 4 }] });
});

test('org units: level, parent, path, leaf, children~size~rename(childCount); counts per level (§5)', async () => {
  const root = (await get('/api/organisationUnits/ImspTQPwCqd?fields=id,name,level,path,leaf,parent,children[id,name,level,parent[id],path,children~size~rename(childCount)]')).json;
  assert.equal(root.level, 1);
  assert.equal(root.path, '/ImspTQPwCqd');
  assert.equal(root.leaf, false);
  assert.equal(root.parent, undefined);
  assert.equal(root.children.length, 13);
  const bo = root.children.find((c) => c.name === 'Bo');
  assert.deepEqual(bo, { id: BO, name: 'Bo', level: 2, parent: { id: 'ImspTQPwCqd' }, path: `/ImspTQPwCqd/${BO}`, childCount: 12 });
  const counts = [];
  for (let l = 1; l <= 4; l++) counts.push((await get(`/api/organisationUnits?level=${l}&pageSize=1`)).json.pager.total);
  assert.deepEqual(counts, [1, 13, 156, 1248]);
  assert.equal((await get('/api/organisationUnits?pageSize=1')).json.pager.total, 1418);
  const leaf = (await get('/api/organisationUnits?level=4&fields=id,leaf,path,level,organisationUnitGroups[name]&pageSize=1')).json.organisationUnits[0];
  assert.equal(leaf.leaf, true);
  assert.equal(leaf.path.split('/').length, 5);
  assert.equal(leaf.organisationUnitGroups.length, 1);
  assert.equal((await get('/api/organisationUnits?maxLevel=2&paging=false')).json.organisationUnits.length, 14);
});

test('/{id}/children and ?includeChildren=true: parent + children, paged, default fields (§5, 2.41+)', async () => {
  const c = (await get(`/api/organisationUnits/${BO}/children`)).json;
  assert.deepEqual(Object.keys(c), ['pager', 'organisationUnits']);
  assert.equal(c.pager.total, 13);
  assert.deepEqual(c.organisationUnits[0], { id: BO, displayName: 'Bo' });
  const names = c.organisationUnits.slice(1).map((o) => o.displayName);
  assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)));
  const ic = (await get(`/api/organisationUnits/${BO}?includeChildren=true&fields=id,name,level&paging=false`)).json;
  assert.equal(ic.pager, undefined);
  assert.deepEqual(ic.organisationUnits.map((o) => o.level), [2, ...Array(12).fill(3)]);
  const two = (await get(`/api/organisationUnits/${BO}?level=2&fields=level&paging=false`)).json.organisationUnits;
  assert.equal(two.length, 96);
  assert.ok(two.every((o) => o.level === 4));
  const leafId = (await get('/api/organisationUnits?level=4&fields=id&pageSize=1')).json.organisationUnits[0].id;
  const anc = (await get(`/api/organisationUnits/${leafId}/ancestors?fields=level&paging=false`)).json.organisationUnits.map((o) => o.level);
  assert.deepEqual(anc, [4, 3, 2, 1]);
  const par = (await get(`/api/organisationUnits/${leafId}/parents?fields=level&paging=false`)).json.organisationUnits.map((o) => o.level);
  assert.deepEqual(par, [3, 2, 1]);
  assert.equal((await get(`/api/organisationUnits/${BO}?includeDescendants=true&pageSize=1`)).json.pager.total, 1 + 12 + 96);
});

test('/api/me: organisationUnits / dataViewOrganisationUnits are the user roots; analyst is a Bo district user (§5)', async () => {
  const q = '/api/me?fields=organisationUnits[id,name],dataViewOrganisationUnits[id,name]';
  assert.deepEqual((await get(q)).json, { organisationUnits: [{ id: 'ImspTQPwCqd', name: 'Sierra Leone' }], dataViewOrganisationUnits: [{ id: 'ImspTQPwCqd', name: 'Sierra Leone' }] });
  const an = s.fixtures.users.analyst;
  const h = { authorization: basic(an.username, an.password) };
  assert.deepEqual((await get(q, h)).json, { organisationUnits: [{ id: BO, name: 'Bo' }], dataViewOrganisationUnits: [{ id: BO, name: 'Bo' }] });
  assert.deepEqual((await get('/api/me', h)).json.organisationUnits, [{ id: BO }]);
  const mine = (await get('/api/organisationUnits?userOnly=true&fields=id', h)).json.organisationUnits;
  assert.deepEqual(mine, [{ id: BO }]);
  assert.equal((await get('/api/organisationUnits?withinUserHierarchy=true&pageSize=1', h)).json.pager.total, 1 + 12 + 96);
});

test('organisationUnitGroups: facility types with members (§5)', async () => {
  const g = (await get('/api/organisationUnitGroups?fields=id,name,organisationUnits~size~rename(count)&paging=false')).json.organisationUnitGroups;
  assert.deepEqual(g.map((x) => x.name), ['CHC', 'CHP', 'Clinic', 'Hospital', 'MCHP']);
  assert.equal(g.reduce((a, x) => a + x.count, 0), 1248);
  assert.equal(g.find((x) => x.name === 'CHC').id, 'CXw2yu5fodb');
});

test('profile 2.40: includeChildren is a single-object read (wrapper without pager, bare object for a leaf) (§5)', async () => {
  const s40 = await startServer(['--profile', '2.40']);
  try {
    const w = (await get(`/api/organisationUnits/${BO}?includeChildren=true`, A, s40.url)).json;
    assert.deepEqual(Object.keys(w), ['organisationUnits']);
    assert.equal(w.organisationUnits.length, 13);
    assert.equal(w.organisationUnits[0].name, 'Bo'); // default fields * on 2.40
    const leafId = (await get('/api/organisationUnits?level=4&fields=id&pageSize=1', A, s40.url)).json.organisationUnits[0].id;
    const leaf = (await get(`/api/organisationUnits/${leafId}?includeChildren=true`, A, s40.url)).json;
    assert.equal(leaf.id, leafId);
    assert.equal(leaf.level, 4);
    const nf = (await get('/api/identifiableObjects/Xx123456789', A, s40.url)).json;
    assert.equal(nf.message, 'IdentifiableObject with id Xx123456789 could not be found.');
  } finally { await s40.stop(); }
});
