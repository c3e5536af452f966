// Metadata search (dhis2-analytics.md §4.1–4.3; dhis2-server.md §6.6).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, basic } from './helpers.mjs';

let s;
before(async () => { s = await startServer([]); });
after(async () => { await s.stop(); });
const A = { authorization: basic('admin', 'district') };
const get = async (p, h = A) => { const r = await fetch(`${s.url}${p}`, { headers: h }); return { status: r.status, json: await r.json() }; };
const names = async (p) => (await get(p)).json;

const COLLECTIONS = ['dataElements', 'indicators', 'dataSets', 'programs', 'programIndicators', 'organisationUnits',
  'categoryOptions', 'users', 'organisationUnitGroups', 'organisationUnitLevels'];

test('every analyst collection is served, paged, sorted by name then id by default (§4.1)', async () => {
  for (const c of COLLECTIONS) {
    const { status, json } = await get(`/api/${c}?fields=id,name&paging=false`);
    assert.equal(status, 200, c);
    const list = json[c];
    assert.ok(list.length > 0, c);
    for (const o of list) assert.match(o.id, /^[A-Za-z][A-Za-z0-9]{10}$/, c);
    const sorted = [...list].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : a.id < b.id ? -1 : 1));
    assert.deepEqual(list.map((o) => o.id), sorted.map((o) => o.id), `${c} default order`);
  }
});

test('identifiable:token: every token in one of id/code/name/shortName, case-insensitive (§4.1)', async () => {
  const de = (await names('/api/dataElements?filter=identifiable:token:MALARIA&paging=false&fields=id,name')).dataElements;
  assert.ok(de.some((d) => d.name === 'Malaria cases confirmed' && d.id === 'Mc9Pq2Lx7Ta'));
  assert.ok(de.some((d) => d.name === 'Malaria deaths' && d.id === 'Md4Rt8Vk1Yb'));
  assert.ok(de.every((d) => /malaria/i.test(d.name)));
  // Two tokens: both must be in the same property; order does not matter; "cases malaria" finds the same.
  const two = (await names('/api/dataElements?filter=identifiable:token:cases%20malaria&paging=false&fields=name')).dataElements.map((d) => d.name);
  assert.deepEqual(two, ['Malaria cases confirmed', 'Malaria cases suspected']);
  // Tokens are split on non-alphanumerics and matched anywhere (not only at word starts).
  const anc = (await names('/api/dataElements?filter=identifiable:token:anc-1st%20visit&paging=false&fields=id,name')).dataElements;
  assert.ok(anc.some((d) => d.id === 'fbfJHSPpUQD' && d.name === 'ANC 1st visit'));
  assert.ok((await names('/api/dataElements?filter=identifiable:token:alaria&paging=false')).dataElements.length > 0);
  // "anc" only in the code and "visit" only in the name → no match (each property must hold all tokens).
  assert.equal((await names('/api/dataElements?filter=identifiable:token:DE_MAL%20confirmed')).pager.total, 0);
  // By code and by id.
  assert.deepEqual((await names('/api/indicators?filter=identifiable:token:in_mal_inc&fields=id')).indicators, [{ id: 'Mi7Jz5Bq3Xd' }]);
  assert.deepEqual((await names('/api/programs?filter=identifiable:token:Mp1Vx8Lr4Ua&fields=id,name')).programs, [{ id: 'Mp1Vx8Lr4Ua', name: 'Malaria case registration' }]);
  // Under 4 characters the id is not searched.
  assert.equal((await names('/api/programs?filter=identifiable:token:Mp1')).pager.total, 0);
  for (const c of COLLECTIONS) assert.equal((await get(`/api/${c}?filter=identifiable:token:zzzqqq`)).json.pager.total, 0, c);
  assert.equal((await names('/api/users?filter=identifiable:token:traore&fields=id')).users[0].id, 'xE7jOejl9FI');
});

test('name:ilike, code:eq, id:in, several filters (AND), rootJunction=OR (§4.1, dhis2-server.md §6.6)', async () => {
  assert.deepEqual((await names('/api/indicators?filter=name:ilike:MALARIA%20INC&fields=id,name')).indicators, [{ id: 'Mi7Jz5Bq3Xd', name: 'Malaria incidence rate' }]);
  assert.deepEqual((await names('/api/dataElements?filter=code:eq:DE_MAL_DEATH&fields=id')).dataElements, [{ id: 'Md4Rt8Vk1Yb' }]);
  assert.equal((await names('/api/dataElements?filter=code:eq:de_mal_death')).pager.total, 0); // eq is case-sensitive
  const inList = (await names('/api/dataElements?filter=id:in:[Mc9Pq2Lx7Ta,fbfJHSPpUQD,nope0000000]&fields=id')).dataElements.map((d) => d.id);
  assert.deepEqual(inList, ['fbfJHSPpUQD', 'Mc9Pq2Lx7Ta']); // name order: "ANC 1st visit" < "Malaria cases confirmed"
  const and = (await names('/api/dataElements?filter=name:ilike:malaria&filter=name:ilike:cases&fields=name&paging=false')).dataElements.map((d) => d.name);
  assert.deepEqual(and, ['Malaria cases confirmed', 'Malaria cases suspected']);
  const or = (await names('/api/dataElements?filter=code:eq:DE_MAL_DEATH&filter=id:eq:fbfJHSPpUQD&rootJunction=OR&fields=id')).dataElements.map((d) => d.id);
  assert.deepEqual(or, ['fbfJHSPpUQD', 'Md4Rt8Vk1Yb']);
  assert.deepEqual((await names('/api/programIndicators?filter=program.id:eq:Mp1Vx8Lr4Ua&fields=name')).programIndicators.map((p) => p.name),
    ['Malaria cases treated with ACT', 'Malaria positive cases']);
  assert.deepEqual((await names('/api/categoryOptions?filter=name:ilike:reach&fields=id,name')).categoryOptions, [{ id: 'oRt2Kp8ZvMn', name: 'Outreach' }]);
  // query= ORs id:eq, code:eq and name:like (case-sensitive).
  assert.equal((await names('/api/dataElements?query=Malaria%20deaths&fields=id')).dataElements[0].id, 'Md4Rt8Vk1Yb');
  assert.equal((await names('/api/dataElements?query=DE_MAL_DEATH&fields=id')).dataElements[0].id, 'Md4Rt8Vk1Yb');
  assert.equal((await names('/api/dataElements?query=malaria%20deaths')).pager.total, 0);
});

test('pager: total/pageCount/nextPage/prevPage, clamping, zero results (§4.1, Pager)', async () => {
  const all = (await names('/api/dataElements?filter=name:ilike:malaria&paging=false&fields=id')).dataElements;
  const p1 = (await names('/api/dataElements?filter=name:ilike:malaria&pageSize=10')).pager;
  assert.deepEqual(Object.keys(p1), ['page', 'total', 'pageSize', 'nextPage', 'pageCount']);
  assert.equal(p1.total, all.length);
  assert.equal(p1.pageCount, Math.ceil(all.length / 10));
  assert.equal(p1.nextPage, `${s.url}/api/dataElements?filter=name:ilike:malaria&page=2&pageSize=10`);
  const last = (await names(`/api/dataElements?filter=name:ilike:malaria&pageSize=10&page=${p1.pageCount + 5}&fields=id`));
  assert.equal(last.pager.page, p1.pageCount);
  assert.equal(last.pager.nextPage, undefined);
  assert.ok(last.pager.prevPage);
  assert.deepEqual(last.dataElements.map((d) => d.id), all.slice((p1.pageCount - 1) * 10).map((d) => d.id));
  assert.deepEqual((await names('/api/dataElements?filter=name:eq:nothing')), { pager: { page: 1, total: 0, pageSize: 50, pageCount: 0 }, dataElements: [] });
});

test('fields: transformers ~size, ~rename, ~pluck, ~isEmpty; href (§6.6)', async () => {
  const ds = (await names('/api/dataSets?filter=code:eq:DS_MAL&fields=id,dataSetElements~size~rename(count),href')).dataSets[0];
  assert.deepEqual(ds, { id: 'Mm2Ds7Kq9Rf', count: 3, href: `${s.url}/api/dataSets/Mm2Ds7Kq9Rf` });
  const cc = (await get('/api/categoryCombos/lFo7Ks4PdYe?fields=name,categoryOptionCombos~pluck(name),categories~isEmpty')).json;
  assert.deepEqual(cc, { name: 'Location Fixed/Outreach', categoryOptionCombos: ['Fixed', 'Outreach'], categories: false });
});

test('/api/identifiableObjects/{uid}: the object with the href of its real type; 404 E1005 (§4.3)', async () => {
  const io = (await get('/api/identifiableObjects/Mc9Pq2Lx7Ta?fields=id,name,displayName,href')).json;
  assert.deepEqual(io, { id: 'Mc9Pq2Lx7Ta', name: 'Malaria cases confirmed', displayName: 'Malaria cases confirmed', href: `${s.url}/api/dataElements/Mc9Pq2Lx7Ta` });
  const types = { Mi7Jz5Bq3Xd: 'indicators', Mp1Vx8Lr4Ua: 'programs', Mq5Tz2Hy9Ib: 'programIndicators', O6uvpzGd5pu: 'organisationUnits',
    wjP19dkFeIk: 'organisationUnitLevels', CXw2yu5fodb: 'organisationUnitGroups', fCoXd1L9qWe: 'categoryOptions', Mm2Ds7Kq9Rf: 'dataSets', xE7jOejl9FI: 'users' };
  for (const [id, plural] of Object.entries(types)) assert.equal((await get(`/api/identifiableObjects/${id}`)).json.href, `${s.url}/api/${plural}/${id}`, id);
  const star = (await get('/api/identifiableObjects/fbfJHSPpUQD')).json; // default fields *
  assert.equal(star.name, 'ANC 1st visit');
  assert.equal(star.valueType, 'NUMBER');
  assert.deepEqual(star.categoryCombo, { id: 'lFo7Ks4PdYe' });
  const nf = await get('/api/identifiableObjects/Xx1234567890');
  assert.equal(nf.status, 404);
  assert.deepEqual(nf.json, { httpStatus: 'Not Found', httpStatusCode: 404, status: 'ERROR', message: 'No identifiable object with id `Xx1234567890` exists', errorCode: 'E1005' });
  // users are only found for superusers
  const an = s.fixtures.users.analyst;
  assert.equal((await get('/api/identifiableObjects/xE7jOejl9FI', { authorization: basic(an.username, an.password) })).status, 404);
});

test('/api/metadata: system block, selected types, shared filter, per-type :filter/:fields, empty types left out, no pager (§4.2)', async () => {
  const m = (await get('/api/metadata?dataElements=true&indicators=true&programs=true&organisationUnits=true&fields=id,displayName,code&filter=identifiable:token:malaria')).json;
  assert.deepEqual(Object.keys(m), ['system', 'dataElements', 'indicators', 'programs']);
  assert.deepEqual(Object.keys(m.system), ['id', 'rev', 'version', 'date']);
  assert.equal(m.system.version, '2.43.1');
  assert.ok(m.dataElements.some((d) => d.id === 'Mc9Pq2Lx7Ta' && d.code === 'DE_MAL_CONF'));
  assert.deepEqual(m.indicators.map((i) => i.displayName).slice(0, 2), ['Malaria case fatality rate', 'Malaria incidence rate']);
  assert.ok(m.indicators.every((i) => /malaria/i.test(i.displayName)));
  assert.ok(m.programs.some((p) => p.id === 'Mp1Vx8Lr4Ua'));
  assert.equal(m.pager, undefined);
  const own = (await get('/api/metadata?dataElements=true&organisationUnitLevels=true&filter=name:eq:Malaria%20deaths&organisationUnitLevels:filter=level:le:2&organisationUnitLevels:fields=name,level')).json;
  assert.deepEqual(own.organisationUnitLevels, [{ name: 'District', level: 2 }, { name: 'National', level: 1 }]);
  assert.equal(own.dataElements.length, 1);
  assert.equal(own.dataElements[0].id, 'Md4Rt8Vk1Yb'); // default fields :owner = every field
  assert.equal(own.dataElements[0].aggregationType, 'SUM');
});

test('the identifiable:token fast path (a per-list index) matches the rule property by property (§4.1)', async () => {
  const { buildData } = await import('../lib/data.mjs');
  const { applyFilters, defaultOrder, tokenize } = await import('../lib/query.mjs');
  const items = defaultOrder(buildData({ size: 'small', variant: 'main' }).orgUnits.concat(
    buildData({ size: 'small', variant: 'main' }).dataElements));
  // The rule, written out: ORed over id (values of 4+ characters), code, name and shortName; a property
  // matches when it contains every token, case-insensitively.
  const rule = (o, value) => {
    const words = tokenize(value);
    const props = value.length < 4 ? ['code', 'name', 'shortName'] : ['id', 'code', 'name', 'shortName'];
    return props.some((p) => o[p] != null && words.every((w) => String(o[p]).toLowerCase().includes(w)));
  };
  for (const value of ['bo', 'Bo CHC', 'ANC 1st', 'malaria cases', 'ImspTQPwCqd', 'imsp', 'zz-no', 'DE_MAL', 'a b c']) {
    const want = items.filter((o) => rule(o, value));
    assert.deepEqual(applyFilters(items, [`identifiable:token:${value}`]), want, value);
    assert.deepEqual(applyFilters(items, [`identifiable:!token:${value}`]), items.filter((o) => !rule(o, value)), `!${value}`);
    // Twice: the second call reads the remembered index.
    assert.deepEqual(applyFilters(items, [`identifiable:token:${value}`]), want, `${value} again`);
  }
});
