// ISO and relative periods (dhis2-analytics.md §3). Unit tests, no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIsoPeriod, expandRelative, RELATIVE_NAMES, U } from '../lib/periods.mjs';

test('ISO periods: ids, accepted inputs and metaData names (§3.2)', () => {
  const cases = {
    20240101: ['20240101', '2024-01-01'], '2024-01-01': ['20240101', '2024-01-01'],
    '2024W1': ['2024W1', 'Week 1 2024-01-01 - 2024-01-07'], '2024W01': ['2024W1', 'Week 1 2024-01-01 - 2024-01-07'],
    '2022WedW1': ['2022WedW1', 'Week 1 2021-12-29 - 2022-01-04'], '2024BiW1': ['2024BiW1', 'Bi-Week 1 2024-01-01 - 2024-01-14'],
    202401: ['202401', 'January 2024'], '2024-01': ['202401', 'January 2024'], '202401B': ['202401B', 'January - February 2024'],
    '202403B': ['202403B', 'May - June 2024'], '2024Q1': ['2024Q1', 'January - March 2024'], '2024S1': ['2024S1', 'January - June 2024'],
    '2024AprilS1': ['2024AprilS1', 'April - September 2024'], 2024: ['2024', '2024'], '2024April': ['2024April', 'April 2024 - March 2025'],
    '2019Oct': ['2019Oct', 'October 2019 - September 2020'], '2018Sep': ['2018Sep', 'September 2018 - August 2019'],
    '2017Aug': ['2017Aug', 'August 2017 - July 2018'], '20240101_20240131': ['20240101_20240131', '2024-01-01 - 2024-01-31'],
  };
  for (const [input, [id, name]] of Object.entries(cases)) {
    const p = parseIsoPeriod(String(input), 43);
    assert.ok(p, input);
    assert.deepEqual([p.id, p.name], [id, name], input);
  }
  assert.equal(parseIsoPeriod('2024W1').shortName, 'W1 2024-01-01 - 2024-01-07'); // displayProperty=SHORTNAME
  for (const bad of ['2024M13', '202413', '2024-02-30', '2024W53', '2024Q5', '202407B', 'abc']) assert.equal(parseIsoPeriod(bad), null, bad);
  assert.equal(parseIsoPeriod('2018Sep', 40), null); // Financial September: 2.42+
  assert.equal(parseIsoPeriod('2017Aug', 42), null); // Financial August: 2.43+
});

test('relative periods against a date: LAST_12_MONTHS excludes the current month; names (§3.1)', () => {
  const ids = (k, d) => expandRelative(k, d).map((p) => p.id);
  const d = U(2022, 0, 1);
  assert.deepEqual(ids('LAST_12_MONTHS', d), ['202101', '202102', '202103', '202104', '202105', '202106', '202107', '202108', '202109', '202110', '202111', '202112']);
  const m = U(2024, 4, 15); // 2024-05-15
  assert.deepEqual(ids('THIS_MONTH', m), ['202405']);
  assert.deepEqual(ids('LAST_MONTH', m), ['202404']);
  assert.deepEqual(ids('LAST_3_MONTHS', m), ['202402', '202403', '202404']);
  assert.deepEqual(ids('THIS_QUARTER', m), ['2024Q2']);
  assert.deepEqual(ids('LAST_4_QUARTERS', m), ['2023Q2', '2023Q3', '2023Q4', '2024Q1']);
  assert.deepEqual(ids('QUARTERS_LAST_YEAR', m), ['2023Q1', '2023Q2', '2023Q3', '2023Q4']);
  assert.deepEqual(ids('THIS_BIMONTH', m), ['202403B']);
  assert.deepEqual(ids('LAST_SIX_MONTH', m), ['2023S2']);
  assert.deepEqual(ids('LAST_5_YEARS', m), ['2019', '2020', '2021', '2022', '2023']);
  assert.deepEqual(ids('THIS_FINANCIAL_YEAR', m), ['2023Oct']); // October start (default setting)
  assert.deepEqual(ids('LAST_FINANCIAL_YEAR', U(2024, 10, 1)), ['2023Oct']);
  assert.deepEqual(ids('LAST_3_DAYS', U(2024, 2, 1)), ['20240227', '20240228', '20240229']);
  assert.deepEqual(ids('YESTERDAY', m), ['20240514']);
  assert.deepEqual(ids('THIS_WEEK', m), ['2024W20']);
  assert.deepEqual(ids('LAST_4_WEEKS', U(2024, 0, 10)), ['2023W50', '2023W51', '2023W52', '2024W1']);
  assert.equal(ids('WEEKS_THIS_YEAR', U(2020, 5, 1)).length, 53);
  assert.equal(ids('MONTHS_THIS_YEAR', m).length, 12);
  assert.equal(expandRelative('NOT_A_PERIOD', m), null);
  assert.equal(Object.keys(RELATIVE_NAMES).length, 45);
  assert.equal(RELATIVE_NAMES.LAST_12_MONTHS, 'Last 12 months');
  for (const k of Object.keys(RELATIVE_NAMES)) assert.ok(expandRelative(k, m)?.length > 0, k);
});
