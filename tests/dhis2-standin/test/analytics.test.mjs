// GET /api/analytics (dhis2-analytics.md §1, §2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, basic, control } from './helpers.mjs';
import { buildData } from '../lib/data.mjs';
import { analyticsValue } from '../lib/analytics.mjs';

let s;
const data = buildData({});
before(async () => { s = await startServer(['--analytics-date', '2024-05-15']); });
after(async () => { await s.stop(); });
const A = { authorization: basic('admin', 'district') };
const get = async (p, h = A, base = s.url) => {
  const r = await fetch(`${base}${p}`, { headers: h });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text, headers: r.headers };
};
const an = (qs, h) => get(`/api/analytics?${qs}`, h);
const ANC = 'fbfJHSPpUQD';
const COV = 'Uvn6LCg7dVU';
const SL = 'ImspTQPwCqd';
const BO = 'O6uvpzGd5pu';
const HEAD = (name, column) => ({ name, column, valueType: 'TEXT', type: 'java.lang.String', hidden: false, meta: true });
const VALUE = { name: 'value', column: 'Value', valueType: 'NUMBER', type: 'java.lang.Double', hidden: false, meta: false };

test('grid shape: headers, metaData items/dimensions, rowContext, string rows, height/width/headerWidth (§1.3, §1.4)', async () => {
  const { status, json } = await an(`dimension=dx:${ANC};${COV}&dimension=pe:202401;202402&filter=ou:${SL}`);
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(json), ['headers', 'metaData', 'rowContext', 'rows', 'height', 'width', 'headerWidth']);
  assert.deepEqual(json.headers, [HEAD('dx', 'Data'), HEAD('pe', 'Period'), VALUE]);
  assert.deepEqual(json.rowContext, {});
  assert.deepEqual(json.metaData.dimensions, { dx: [ANC, COV], pe: ['202401', '202402'], ou: [SL], co: ['pq2XI5kz2BY', 'PT59n8BQbqM'] });
  assert.deepEqual(json.metaData.items, {
    [ANC]: { name: 'ANC 1st visit' }, [COV]: { name: 'ANC 1 Coverage' }, pq2XI5kz2BY: { name: 'Fixed' }, PT59n8BQbqM: { name: 'Outreach' },
    202401: { name: 'January 2024' }, 202402: { name: 'February 2024' }, [SL]: { name: 'Sierra Leone' },
    dx: { name: 'Data' }, pe: { name: 'Period' }, ou: { name: 'Organisation unit' }, co: { name: 'Category option combo' },
  });
  assert.equal(json.height, json.rows.length);
  assert.equal(json.width, 3);
  assert.equal(json.headerWidth, 3);
  for (const r of json.rows) for (const c of r) assert.equal(typeof c, 'string');
  // Values are deterministic and predictable with analyticsValue(); data elements print as whole numbers,
  // indicators keep a Double (".0" when whole).
  const expected = [];
  for (const dx of [ANC, COV]) for (const pe of ['202401', '202402']) { const v = analyticsValue(data, dx, pe, SL); if (v != null) expected.push([dx, pe, v]); }
  assert.deepEqual([...json.rows].sort(), expected.sort());
  const anc = json.rows.find((r) => r[0] === ANC);
  assert.match(anc[2], /^\d+$/);
  for (const r of json.rows.filter((x) => x[0] === COV)) assert.match(r[2], /^\d+\.\d{1,2}$/);
  const again = await an(`dimension=dx:${ANC};${COV}&dimension=pe:202401;202402&filter=ou:${SL}`);
  assert.deepEqual(again.json.rows, json.rows);
});

test('quarters are the sum of their months; filters aggregate over their items (§1.2)', async () => {
  const m = (await an(`dimension=dx:${ANC}&dimension=pe:202401;202402;202403;2024Q1&filter=ou:${BO}`)).json.rows;
  const v = Object.fromEntries(m.map((r) => [r[1], Number(r[2])]));
  assert.equal(v['2024Q1'], (v['202401'] || 0) + (v['202402'] || 0) + (v['202403'] || 0));
  const f = (await an(`dimension=dx:${ANC}&filter=pe:202401;202402;202403&filter=ou:${BO}`)).json;
  assert.deepEqual(f.headers.map((h) => h.name), ['dx', 'value']);
  assert.deepEqual(f.rows, [[ANC, String(v['2024Q1'])]]);
  assert.deepEqual(f.metaData.dimensions.pe, ['202401', '202402', '202403']);
});

test('relative periods against --analytics-date or relativePeriodDate; keyword items (§3.1, §1.4)', async () => {
  const r = (await an(`dimension=dx:${ANC}&dimension=pe:LAST_12_MONTHS&filter=ou:${SL}`)).json;
  assert.deepEqual(r.metaData.dimensions.pe, ['202305', '202306', '202307', '202308', '202309', '202310', '202311', '202312', '202401', '202402', '202403', '202404']);
  assert.deepEqual(r.metaData.items.LAST_12_MONTHS, { name: 'Last 12 months' });
  assert.deepEqual(r.metaData.items['202305'], { name: 'May 2023' });
  const q = (await an(`dimension=dx:${ANC}&dimension=pe:LAST_12_MONTHS;202401;THIS_QUARTER&filter=ou:${SL}&relativePeriodDate=2022-01-01`)).json;
  assert.deepEqual(q.metaData.dimensions.pe, ['202101', '202102', '202103', '202104', '202105', '202106', '202107', '202108', '202109', '202110', '202111', '202112', '202401', '2022Q1']);
  assert.deepEqual(q.metaData.items.THIS_QUARTER, { name: 'This quarter' });
});

test('ou: LEVEL-n, boundaries, OU_GROUP-x, USER_ORGUNIT (+ metaData keyword items, 2.41+), unknown UIDs dropped (§1.2, §1.4)', async () => {
  const lv = (await an(`dimension=dx:${ANC}&dimension=ou:LEVEL-2&filter=pe:2024Q1`)).json;
  assert.equal(lv.metaData.dimensions.ou.length, 13);
  const names = lv.metaData.dimensions.ou.map((id) => lv.metaData.items[id].name);
  assert.deepEqual(names, [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  assert.deepEqual(lv.metaData.items.wjP19dkFeIk, { name: 'District', uid: 'wjP19dkFeIk' }); // keyed by the level UID
  const bounded = (await an(`dimension=dx:${ANC}&dimension=ou:${BO};LEVEL-3&filter=pe:2024Q1`)).json;
  assert.equal(bounded.metaData.dimensions.ou.length, 12);
  assert.ok(!bounded.metaData.dimensions.ou.includes(BO)); // the boundary is not an item
  assert.ok(bounded.metaData.items[BO]);
  const byUid = (await an(`dimension=dx:${ANC}&dimension=ou:${BO};LEVEL-tTUf91fCytl&filter=pe:2024Q1`)).json;
  assert.deepEqual(byUid.metaData.dimensions.ou, bounded.metaData.dimensions.ou);
  const grp = (await an(`dimension=dx:${ANC}&dimension=ou:${BO};OU_GROUP-CXw2yu5fodb&filter=pe:2024Q1`)).json;
  assert.ok(grp.metaData.dimensions.ou.length > 0);
  assert.deepEqual(grp.metaData.items.CXw2yu5fodb, { name: 'CHC', uid: 'CXw2yu5fodb', code: 'CHC' });
  const user = (await an(`dimension=dx:${ANC}&dimension=ou:USER_ORGUNIT;USER_ORGUNIT_CHILDREN&filter=pe:2024Q1`)).json;
  assert.deepEqual(user.metaData.items.USER_ORGUNIT, { organisationUnits: [SL] });
  assert.equal(user.metaData.items.USER_ORGUNIT_CHILDREN.organisationUnits.length, 13);
  assert.equal(user.metaData.dimensions.ou.length, 14);
  const asFilter = (await an(`dimension=dx:${ANC}&dimension=pe:2024Q1&filter=ou:USER_ORGUNIT`)).json;
  assert.equal(asFilter.metaData.items.USER_ORGUNIT, undefined); // only `dimension` params add it
  const mixed = (await an(`dimension=dx:${ANC};Zz000000000&dimension=ou:${BO};Zz000000000&filter=pe:2024Q1`)).json;
  assert.deepEqual(mixed.metaData.dimensions.dx, [ANC]);
  assert.deepEqual(mixed.metaData.dimensions.ou, [BO]);
  // Several dimensions in one parameter, separated by commas (§1.2).
  const comma = (await an(`dimension=dx:${ANC},ou:${BO}&filter=pe:2024Q1`)).json;
  assert.deepEqual(comma.headers.map((h) => h.name), ['dx', 'ou', 'value']);
});

test('no ou at all → implicit ou filter with the user data-view units; analyst (Bo) → E7120 outside Bo (§1.2, §2.2)', async () => {
  const r = (await an(`dimension=dx:${ANC}&dimension=pe:2024Q1`)).json;
  assert.deepEqual(r.metaData.dimensions.ou, [SL]);
  const a = s.fixtures.users.analyst;
  const h = { authorization: basic(a.username, a.password) };
  const denied = await an(`dimension=dx:${ANC}&dimension=pe:2024Q1&filter=ou:${SL}`, h);
  assert.equal(denied.status, 409);
  assert.deepEqual(denied.json, { httpStatus: 'Conflict', httpStatusCode: 409, status: 'ERROR', message: `User: \`android\` is not allowed to view org unit: \`${SL}\``, errorCode: 'E7120' });
  const ok = await an(`dimension=dx:${ANC}&dimension=pe:2024Q1&dimension=ou:USER_ORGUNIT`, h);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json.metaData.dimensions.ou, [BO]);
  assert.deepEqual((await an(`dimension=dx:${ANC}&dimension=pe:2024Q1`, h)).json.metaData.dimensions.ou, [BO]);
});

test('errors: E7101 E7102 E7103 E7104 E7110 E7111 E7124 E7125 E7143 E7611 as 409 WebMessages (§2.1, §2.2)', async () => {
  const cases = [
    [`filter=dx:${ANC}&filter=pe:2024Q1`, 'E7101', 'At least one dimension must be specified'],
    ['dimension=pe:2024Q1&dimension=ou:ImspTQPwCqd', 'E7102', 'At least one data dimension item or data element group set dimension item must be specified'],
    [`dimension=dx:${ANC}&dimension=pe:2024Q1&filter=pe:2024Q2`, 'E7103', 'Dimensions cannot be specified as dimension and filter simultaneously: `[pe]`'],
    [`dimension=dx:${ANC}&dimension=ou:${SL}`, 'E7104', 'At least one period as dimension or filter, or start and dates, must be specified'],
    [`dimension=dx:${ANC}&dimension=pe:2024Q1&filter=co:`, 'E7110', 'Category option combos cannot be specified as filter'],
    [`dimension=dx:${ANC}&dimension=pe:2024Q1&dimension=pe:2024Q2`, 'E7111', 'Dimensions cannot be specified more than once: `[pe]`'],
    ['dimension=dx:Zz000000000&dimension=pe:2024Q1', 'E7124', 'Dimension is present in query without any valid dimension options: `dx`'],
    [`dimension=dx:${ANC}&dimension=pe:2024Q1&dimension=abc:x`, 'E7125', 'Dimension identifier does not reference any dimension: `abc`'],
    [`dimension=dx:${ANC}&dimension=pe:2024Q1&dimension=ou:Zz000000000`, 'E7143', 'Organisation unit or organisation unit level is not valid'],
    [`dimension=dx:${ANC}&dimension=pe:2024M13`, 'E7611', 'Period not valid: `2024M13`'],
    [`dimension=dx:${COV};Mi7Jz5Bq3Xd&filter=dx:${COV};Mi7Jz5Bq3Xd`, 'E7103', 'Dimensions cannot be specified as dimension and filter simultaneously: `[dx]`'],
    [`dimension=pe:2024Q1&filter=dx:${COV};Mi7Jz5Bq3Xd`, 'E7108', 'Only a single indicator can be specified as filter'],
  ];
  for (const [qs, code, message] of cases) {
    const r = await an(qs);
    assert.equal(r.status, 409, `${code} ${r.text}`);
    assert.deepEqual(r.json, { httpStatus: 'Conflict', httpStatusCode: 409, status: 'ERROR', message, errorCode: code }, qs);
    assert.deepEqual(Object.keys(r.json), ['httpStatus', 'httpStatusCode', 'status', 'message', 'errorCode']);
  }
  const e5 = await an(`dimension=dx:${ANC}&dimension=pe:2024Q1&startDate=2024-01-01&endDate=2024-03-31`);
  assert.deepEqual([e5.json.errorCode, e5.json.message], ['E7105', 'Periods and start and end dates cannot be specified simultaneously']);
  const e6 = await an(`dimension=dx:${ANC}&startDate=2024-03-01&endDate=2024-01-01`);
  assert.deepEqual([e6.json.errorCode, e6.json.message], ['E7106', 'Start date cannot be after end date']);
  // startDate/endDate instead of periods: one value over the range (= the sum of its months here).
  const se = (await an(`dimension=dx:${ANC}&filter=ou:${SL}&startDate=2024-01-01&endDate=2024-03-31`)).json;
  const q1 = (await an(`dimension=dx:${ANC}&filter=ou:${SL}&filter=pe:2024Q1`)).json;
  assert.deepEqual(se.rows, q1.rows);
  // skipData skips the dx check (§1.6).
  const sd = await an('dimension=pe:2024Q1&dimension=ou:ImspTQPwCqd&skipData=true');
  assert.equal(sd.status, 200);
  assert.deepEqual([sd.json.headers, sd.json.rows, sd.json.height, sd.json.width, sd.json.headerWidth], [[], [], 0, 0, 0]);
});

test('row cap: E7128 over maxLimit (grouped number), ignoreLimit=true bypasses; E7144 fault (§1.8, §2.2)', async () => {
  const qs = `dimension=dx:${ANC}&dimension=pe:LAST_12_MONTHS&dimension=ou:LEVEL-2`;
  const n = (await an(qs)).json.height;
  assert.ok(n > 100);
  await control(s.url, 'faults', 'POST', { analyticsMaxLimit: 100 });
  try {
    const r = await an(qs);
    assert.equal(r.status, 409);
    assert.deepEqual(r.json, { httpStatus: 'Conflict', httpStatusCode: 409, status: 'ERROR', message: 'Query result set exceeded max limit: `100`', errorCode: 'E7128' });
    assert.equal((await an(`${qs}&ignoreLimit=true`)).json.height, n);
    await control(s.url, 'faults', 'POST', { analyticsMaxLimit: 0 }); // 0 = unlimited
    assert.equal((await an(qs)).json.height, n);
  } finally { await control(s.url, 'faults', 'DELETE'); }
  const s2 = await startServer(['--analytics-max-limit', '5000', '--analytics-date', '2024-05-15']);
  try {
    const r = await get(`/api/analytics?dimension=dx:${ANC}&dimension=pe:LAST_52_WEEKS&dimension=ou:LEVEL-3`, A, s2.url);
    assert.equal(r.json.message, 'Query result set exceeded max limit: `5,000`');
  } finally { await s2.stop(); }
  await control(s.url, 'faults', 'POST', { analyticsTablesMissing: true });
  try {
    const r = await an(`dimension=dx:${ANC}&dimension=pe:2024Q1`);
    assert.equal(r.status, 409);
    assert.equal(r.json.errorCode, 'E7144');
    assert.equal(r.json.message, 'Query failed because a referenced table does not exist. Please ensure analytics job was run (SqlState: 42P01)');
    assert.ok(r.json.devMessage);
  } finally { await control(s.url, 'faults', 'DELETE'); }
});

test('skipMeta, includeNumDen, displayProperty=SHORTNAME, order, outputIdScheme=NAME, includeMetadataDetails (§1.2–§1.6)', async () => {
  const base = `dimension=dx:${ANC};${COV}&dimension=pe:2024W1;202401&filter=ou:${SL}`;
  assert.deepEqual((await an(`${base}&skipMeta=true`)).json.metaData, {});
  const nd = (await an(`${base}&includeNumDen=true`)).json;
  assert.deepEqual(nd.headers.slice(2).map((h) => [h.name, h.column]), [['value', 'Value'], ['numerator', 'Numerator'], ['denominator', 'Denominator'], ['factor', 'Factor'], ['multiplier', 'Multiplier'], ['divisor', 'Divisor']]);
  for (const r of nd.rows) {
    assert.equal(r.length, 8);
    if (r[0] === ANC) assert.deepEqual(r.slice(3), ['', '', '', '', '']);
    else assert.equal(r[5], '100.0');
  }
  const sn = (await an(`${base}&displayProperty=SHORTNAME`)).json.metaData.items;
  assert.equal(sn['2024W1'].name, 'W1 2024-01-01 - 2024-01-07');
  assert.equal((await an(base)).json.metaData.items['2024W1'].name, 'Week 1 2024-01-01 - 2024-01-07');
  const ord = (await an(`dimension=dx:${ANC}&dimension=ou:LEVEL-2&filter=pe:2024Q1&order=DESC`)).json.rows.map((r) => Number(r[2]));
  assert.deepEqual(ord, [...ord].sort((a, b) => b - a));
  const nm = (await an(`dimension=dx:${ANC}&dimension=pe:202401&dimension=ou:${BO}&outputIdScheme=NAME`)).json;
  assert.deepEqual(nm.rows[0].slice(0, 3), ['ANC 1st visit', 'January 2024', 'Bo']);
  assert.ok(nm.metaData.items[ANC]); // metaData keys stay UIDs
  const det = (await an(`dimension=dx:${ANC}&dimension=pe:2023&filter=ou:${SL}&includeMetadataDetails=true`)).json.metaData.items;
  assert.deepEqual(det['2023'], { uid: '2023', code: '2023', name: '2023', dimensionItemType: 'PERIOD', valueType: 'TEXT', totalAggregationType: 'SUM', startDate: '2023-01-01T00:00:00.000', endDate: '2023-12-31T00:00:00.000' });
  assert.deepEqual(det[SL], { uid: SL, code: 'OU_525', name: 'Sierra Leone', dimensionItemType: 'ORGANISATION_UNIT', valueType: 'TEXT', totalAggregationType: 'SUM' });
  assert.deepEqual(det.dx, { uid: 'dx', name: 'Data', dimensionType: 'DATA_X' });
  assert.equal(det[ANC].dimensionItemType, 'DATA_ELEMENT');
});

test('co dimension, operands, program indicators, reporting rates; no data → rows [] with metaData (§1.2, §1.6)', async () => {
  const co = (await an(`dimension=dx:${ANC}&dimension=co&dimension=pe:202401&filter=ou:${SL}`)).json;
  assert.deepEqual(co.headers.map((h) => [h.name, h.column]), [['dx', 'Data'], ['co', 'Category option combo'], ['pe', 'Period'], ['value', 'Value']]);
  const total = Number(analyticsValue(data, ANC, '202401', SL));
  assert.equal(co.rows.reduce((a, r) => a + Number(r[3]), 0), total);
  assert.ok(co.rows.every((r) => ['pq2XI5kz2BY', 'PT59n8BQbqM'].includes(r[1])));
  const op = (await an(`dimension=dx:${ANC}.pq2XI5kz2BY&dimension=pe:202401&filter=ou:${SL}`)).json;
  assert.deepEqual(op.metaData.items[`${ANC}.pq2XI5kz2BY`], { name: 'ANC 1st visit Fixed' });
  assert.equal(op.rows[0][2], co.rows.find((r) => r[1] === 'pq2XI5kz2BY')[3]);
  const pi = (await an(`dimension=dx:Mq5Tz2Hy9Ib;Mm2Ds7Kq9Rf.REPORTING_RATE&dimension=pe:2024Q1&filter=ou:${SL}`)).json;
  assert.deepEqual(pi.metaData.items['Mm2Ds7Kq9Rf.REPORTING_RATE'], { name: 'Malaria monthly - Reporting rate' });
  assert.equal(pi.rows.length, 2);
  assert.equal((await an(`dimension=dx:Mq5Tz2Hy9Ib&dimension=co&dimension=pe:2024Q1`)).json.errorCode, 'E7113');
  assert.equal((await an(`dimension=dx:Mq5Tz2Hy9Ib;${ANC}&dimension=co&dimension=pe:2024Q1`)).json.errorCode, 'E7114');
  const none = (await an(`dimension=dx:${ANC}&dimension=pe:2024Q1&filter=ou:${SL}&dimension=co:HllvX50cXC0`)).json;
  assert.deepEqual([none.rows, none.height, none.width, none.headerWidth], [[], 0, 0, 4]);
  assert.ok(none.metaData.items[ANC]);
});

test('hierarchyMeta → ouHierarchy without leading slash; showHierarchy → ouNameHierarchy (§1.5)', async () => {
  const r = (await an(`dimension=dx:${ANC}&dimension=ou:${SL};${BO}&filter=pe:2024&hierarchyMeta=true&showHierarchy=true`)).json;
  assert.deepEqual(r.metaData.ouHierarchy, { [SL]: '', [BO]: SL });
  assert.deepEqual(r.metaData.ouNameHierarchy, { [SL]: '/Sierra Leone', [BO]: '/Sierra Leone/Bo' });
});

test('.csv: application/csv attachment, column header line, ids, \\n; errors as plain "E7xxx: template" on 2.43 (§1.1, §2.3, §7)', async () => {
  const r = await get(`/api/analytics.csv?dimension=dx:${ANC}&dimension=pe:202401;202402&filter=ou:${SL}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/csv; charset=UTF-8');
  assert.equal(r.headers.get('content-disposition'), 'attachment; filename="data.csv"');
  const json = (await an(`dimension=dx:${ANC}&dimension=pe:202401;202402&filter=ou:${SL}`)).json;
  assert.equal(r.text, `Data,Period,Value\n${json.rows.map((x) => x.join(',')).join('\n')}\n`);
  const e = await get(`/api/analytics.csv?dimension=dx:${ANC}&dimension=pe:2024M13`);
  assert.equal(e.status, 200);
  assert.equal(e.text, 'E7611: Period not valid: `{0}`');
  assert.equal(e.headers.get('content-disposition'), 'inline; filename="error.html"');
  const j = await get(`/api/analytics.json?dimension=dx:${ANC}&dimension=pe:202401&filter=ou:${SL}`);
  assert.deepEqual(j.json.rows, (await an(`dimension=dx:${ANC}&dimension=pe:202401&filter=ou:${SL}`)).json.rows);
});

test('profile 2.40: bad periods are dropped (→ E7104 when none is left), no USER_ORGUNIT item, csv errors are 409 (§2.2, §2.3, §1.4)', async () => {
  const s40 = await startServer(['--profile', '2.40']);
  try {
    const g = (p) => get(p, A, s40.url);
    const r = await g(`/api/analytics?dimension=dx:${ANC}&dimension=pe:2024M13;202401&filter=ou:${SL}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.metaData.dimensions.pe, ['202401']);
    assert.equal((await g(`/api/analytics?dimension=dx:${ANC}&dimension=pe:2024M13`)).json.errorCode, 'E7104');
    const u = await g(`/api/analytics?dimension=dx:${ANC}&dimension=ou:USER_ORGUNIT&filter=pe:2024`);
    assert.equal(u.json.metaData.items.USER_ORGUNIT, undefined);
    const c = await g(`/api/analytics.csv?dimension=dx:${ANC}&dimension=ou:${SL}`);
    assert.equal(c.status, 409);
    assert.equal(c.json.errorCode, 'E7104');
  } finally { await s40.stop(); }
});
