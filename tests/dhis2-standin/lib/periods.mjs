// ISO periods and relative periods (dhis2-analytics.md §3). All dates are UTC midnights.
const DAY = 86400000;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];
const pad = (n, w = 2) => String(n).padStart(w, '0');
export const U = (y, m, d = 1) => new Date(Date.UTC(y, m, d));
export const ymd = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const addDays = (d, n) => new Date(d.getTime() + n * DAY);
const monthEnd = (y, m) => U(y, m + 1, 0);

// Weekly types: the week containing 4 January is week 1 (ISO 8601 for Monday weeks; the same rule gives
// the e2e example "2022WedW1" = 2021-12-29 - 2022-01-04, §3.2).
const WEEK_STARTS = { '': 1, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 0 };
function week1Start(y, sd) {
  const jan4 = U(y, 0, 4);
  return addDays(jan4, -((jan4.getUTCDay() - sd + 7) % 7));
}
const weeksInYear = (y, sd) => Math.round((week1Start(y + 1, sd) - week1Start(y, sd)) / (7 * DAY));
function weekOf(date, sd) {
  let y = date.getUTCFullYear();
  if (date >= week1Start(y + 1, sd)) y++;
  else if (date < week1Start(y, sd)) y--;
  return [y, Math.floor((date - week1Start(y, sd)) / (7 * DAY)) + 1];
}

// A period: {id, type, start, end, name, shortName}. Names follow §3.2 (2.40–2.43 wording).
function mk(id, type, start, end, name, shortName = name) { return { id, type, start, end, name, shortName }; }
const fromTo = (s, e) => (s.getUTCFullYear() === e.getUTCFullYear()
  ? `${MONTHS[s.getUTCMonth()]} - ${MONTHS[e.getUTCMonth()]} ${s.getUTCFullYear()}`
  : `${MONTHS[s.getUTCMonth()]} ${s.getUTCFullYear()} - ${MONTHS[e.getUTCMonth()]} ${e.getUTCFullYear()}`);

export const daily = (d) => mk(`${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`, 'Daily', d, d, ymd(d));
export function weekly(y, w, prefix = '') {
  const s = addDays(week1Start(y, WEEK_STARTS[prefix]), (w - 1) * 7);
  const e = addDays(s, 6);
  return mk(`${y}${prefix}W${w}`, prefix ? `Weekly${prefix}` : 'Weekly', s, e, `Week ${w} ${ymd(s)} - ${ymd(e)}`, `W${w} ${ymd(s)} - ${ymd(e)}`);
}
export function biWeekly(y, n) {
  const s = addDays(week1Start(y, 1), (n - 1) * 14);
  const e = addDays(s, 13);
  return mk(`${y}BiW${n}`, 'BiWeekly', s, e, `Bi-Week ${n} ${ymd(s)} - ${ymd(e)}`, `BiW${n} ${ymd(s)} - ${ymd(e)}`);
}
export const monthly = (y, m) => mk(`${y}${pad(m + 1)}`, 'Monthly', U(y, m), monthEnd(y, m), `${MONTHS[m]} ${y}`);
export const biMonthly = (y, b) => mk(`${y}${pad(b + 1)}B`, 'BiMonthly', U(y, b * 2), monthEnd(y, b * 2 + 1), fromTo(U(y, b * 2), U(y, b * 2 + 1)));
export const quarterly = (y, q) => mk(`${y}Q${q + 1}`, 'Quarterly', U(y, q * 3), monthEnd(y, q * 3 + 2), fromTo(U(y, q * 3), U(y, q * 3 + 2)));
export const sixMonthly = (y, h) => mk(`${y}S${h + 1}`, 'SixMonthly', U(y, h * 6), monthEnd(y, h * 6 + 5), fromTo(U(y, h * 6), U(y, h * 6 + 5)));
// Six-monthly April: S1 = April–September, S2 = October–March (names: pattern of §3.2, unverified live).
export const sixMonthlyApril = (y, h) => mk(`${y}AprilS${h + 1}`, 'SixMonthlyApril', U(y, 3 + h * 6), monthEnd(y, 8 + h * 6), fromTo(U(y, 3 + h * 6), U(y, 8 + h * 6)));
// Six-monthly November: S1 = November (previous year)–April (reference: "not checked"; DHIS2-like).
export const sixMonthlyNov = (y, h) => mk(`${y}NovS${h + 1}`, 'SixMonthlyNov', U(y, -2 + h * 6), monthEnd(y, 3 + h * 6), fromTo(U(y, -2 + h * 6), U(y, 3 + h * 6)));
export const yearly = (y) => mk(`${y}`, 'Yearly', U(y, 0), U(y, 11, 31), `${y}`);
const FY = { April: 3, July: 6, Oct: 9, Nov: 10, Sep: 8, Feb: 1, Aug: 7 };
const FY_TYPE = { April: 'FinancialApril', July: 'FinancialJuly', Oct: 'FinancialOct', Nov: 'FinancialNov', Sep: 'FinancialSep', Feb: 'FinancialFeb', Aug: 'FinancialAug' };
export function financial(y, key) {
  const m = FY[key];
  const s = U(y, m);
  const e = monthEnd(y + 1, m - 1);
  return mk(`${y}${key}`, FY_TYPE[key], s, e, `${MONTHS[m]} ${y} - ${MONTHS[e.getUTCMonth()]} ${e.getUTCFullYear()}`);
}

function validDate(y, m, d) { const x = U(y, m, d); return x.getUTCMonth() === m && x.getUTCDate() === d ? x : null; }

// Parses an ISO period (§3.2 "ISO (output)" and "Input also accepted"); null when not valid.
// `version` gates the period types added later (Financial Sep 2.42+, Feb/Aug and Friday weeks 2.43+).
export function parseIsoPeriod(s, version = 43) {
  let m;
  if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(s)) || (m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s))) {
    const d = validDate(+m[1], +m[2] - 1, +m[3]);
    return d && daily(d);
  }
  if ((m = /^(\d{4})(Wed|Thu|Fri|Sat|Sun)?W(\d{1,2})$/.exec(s))) {
    const prefix = m[2] || '';
    if (prefix === 'Fri' && version < 43) return null;
    const y = +m[1];
    const w = +m[3];
    return w >= 1 && w <= weeksInYear(y, WEEK_STARTS[prefix]) ? weekly(y, w, prefix) : null;
  }
  if ((m = /^(\d{4})BiW(\d{1,2})$/.exec(s))) {
    const y = +m[1];
    const n = +m[2];
    return n >= 1 && n <= Math.ceil(weeksInYear(y, 1) / 2) ? biWeekly(y, n) : null;
  }
  if ((m = /^(\d{4})(\d{2})B$/.exec(s))) return +m[2] >= 1 && +m[2] <= 6 ? biMonthly(+m[1], +m[2] - 1) : null;
  if ((m = /^(\d{4})(\d{2})$/.exec(s)) || (m = /^(\d{4})-(\d{2})$/.exec(s))) return +m[2] >= 1 && +m[2] <= 12 ? monthly(+m[1], +m[2] - 1) : null;
  if ((m = /^(\d{4})Q([1-4])$/.exec(s))) return quarterly(+m[1], +m[2] - 1);
  if ((m = /^(\d{4})S([12])$/.exec(s))) return sixMonthly(+m[1], +m[2] - 1);
  if ((m = /^(\d{4})AprilS([12])$/.exec(s))) return sixMonthlyApril(+m[1], +m[2] - 1);
  if ((m = /^(\d{4})NovS([12])$/.exec(s))) return sixMonthlyNov(+m[1], +m[2] - 1);
  if ((m = /^(\d{4})$/.exec(s))) return yearly(+m[1]);
  if ((m = /^(\d{4})(April|July|Oct|Nov|Sep|Feb|Aug)$/.exec(s))) {
    if (m[2] === 'Sep' && version < 42) return null;
    if ((m[2] === 'Feb' || m[2] === 'Aug') && version < 43) return null;
    return financial(+m[1], m[2]);
  }
  // §1.2: a free range yyyyMMdd_yyyyMMdd or yyyy-MM-dd_yyyy-MM-dd; named "<start> - <end>" (§3.2).
  if ((m = /^(\d{4})-?(\d{2})-?(\d{2})_(\d{4})-?(\d{2})-?(\d{2})$/.exec(s))) {
    const a = validDate(+m[1], +m[2] - 1, +m[3]);
    const b = validDate(+m[4], +m[5] - 1, +m[6]);
    return a && b ? mk(s, 'Range', a, b, `${ymd(a)} - ${ymd(b)}`) : null;
  }
  return null;
}

// Relative periods (§3.1): metaData names, and the expansion against a date. Financial years use the
// default setting `analyticsFinancialYearStart` = October (§3.1).
export const RELATIVE_NAMES = {
  TODAY: 'Today', YESTERDAY: 'Yesterday', LAST_3_DAYS: 'Last 3 days', LAST_7_DAYS: 'Last 7 days',
  LAST_14_DAYS: 'Last 14 days', LAST_30_DAYS: 'Last 30 days', LAST_60_DAYS: 'Last 60 days', LAST_90_DAYS: 'Last 90 days',
  LAST_180_DAYS: 'Last 180 days', THIS_MONTH: 'This month', LAST_MONTH: 'Last month', THIS_BIMONTH: 'This bi-month',
  LAST_BIMONTH: 'Last bi-month', THIS_QUARTER: 'This quarter', LAST_QUARTER: 'Last quarter', THIS_SIX_MONTH: 'This six-month',
  LAST_SIX_MONTH: 'Last six-month', WEEKS_THIS_YEAR: 'Weeks this year', MONTHS_THIS_YEAR: 'Months this year',
  BIMONTHS_THIS_YEAR: 'Bi-months this year', QUARTERS_THIS_YEAR: 'Quarters this year', THIS_YEAR: 'This year',
  MONTHS_LAST_YEAR: 'Months last year', QUARTERS_LAST_YEAR: 'Quarters last year', LAST_YEAR: 'Last year',
  LAST_5_YEARS: 'Last 5 years', LAST_10_YEARS: 'Last 10 years', LAST_12_MONTHS: 'Last 12 months', LAST_6_MONTHS: 'Last 6 months',
  LAST_3_MONTHS: 'Last 3 months', LAST_6_BIMONTHS: 'Last 6 bi-months', LAST_4_QUARTERS: 'Last 4 quarters',
  LAST_2_SIXMONTHS: 'Last 2 six-months', THIS_FINANCIAL_YEAR: 'This financial year', LAST_FINANCIAL_YEAR: 'Last financial year',
  LAST_5_FINANCIAL_YEARS: 'Last 5 financial years',
  LAST_10_FINANCIAL_YEARS: 'LAST_10_FINANCIAL_YEARS', // §3.1: no i18n key, so the name is the key itself
  THIS_WEEK: 'This week', LAST_WEEK: 'Last week', THIS_BIWEEK: 'This bi-week', LAST_BIWEEK: 'Last bi-week',
  LAST_4_WEEKS: 'Last 4 weeks', LAST_4_BIWEEKS: 'Last 4 bi-weeks', LAST_12_WEEKS: 'Last 12 weeks', LAST_52_WEEKS: 'Last 52 weeks',
};

// Index arithmetic per type: idx(date) and at(idx) → period.
const T = {
  day: { idx: (d) => Math.floor(d.getTime() / DAY), at: (i) => daily(new Date(i * DAY)) },
  week: { idx: (d) => Math.floor((d.getTime() - U(1970, 0, 5).getTime()) / (7 * DAY)), at: (i) => { const s = new Date(U(1970, 0, 5).getTime() + i * 7 * DAY); const [y, w] = weekOf(s, 1); return weekly(y, w); } },
  month: { idx: (d) => d.getUTCFullYear() * 12 + d.getUTCMonth(), at: (i) => monthly(Math.floor(i / 12), i % 12) },
  bimonth: { idx: (d) => d.getUTCFullYear() * 6 + Math.floor(d.getUTCMonth() / 2), at: (i) => biMonthly(Math.floor(i / 6), i % 6) },
  quarter: { idx: (d) => d.getUTCFullYear() * 4 + Math.floor(d.getUTCMonth() / 3), at: (i) => quarterly(Math.floor(i / 4), i % 4) },
  six: { idx: (d) => d.getUTCFullYear() * 2 + Math.floor(d.getUTCMonth() / 6), at: (i) => sixMonthly(Math.floor(i / 2), i % 2) },
  year: { idx: (d) => d.getUTCFullYear(), at: (i) => yearly(i) },
  fy: { idx: (d) => (d.getUTCMonth() >= FY.Oct ? d.getUTCFullYear() : d.getUTCFullYear() - 1), at: (i) => financial(i, 'Oct') },
};
const range = (t, from, count, date) => { const c = T[t].idx(date); const out = []; for (let k = 0; k < count; k++) out.push(T[t].at(c + from + k)); return out; };
function biweekOf(date) { const [y, w] = weekOf(date, 1); return [y, Math.ceil(w / 2)]; }
function biweeksBack(date, from, count) {
  let [y, n] = biweekOf(date);
  const list = [];
  for (let k = 0; k > from; k--) { n--; if (n < 1) { y--; n = Math.ceil(weeksInYear(y, 1) / 2); } }
  for (let k = 0; k < count; k++) {
    list.push(biWeekly(y, n));
    n++;
    if (n > Math.ceil(weeksInYear(y, 1) / 2)) { y++; n = 1; }
  }
  return list;
}

// Expands a relative period keyword against `date` (a UTC midnight); null when the keyword is unknown.
// Periods are in chronological order; "LAST_n" excludes the current period (§3.1, e2e LAST_12_MONTHS).
export function expandRelative(key, date) {
  const y = date.getUTCFullYear();
  const days = /^LAST_(\d+)_DAYS$/.exec(key);
  if (days) return range('day', -Number(days[1]), Number(days[1]), date);
  const wy = weekOf(date, 1)[0];
  switch (key) {
    case 'TODAY': return range('day', 0, 1, date);
    case 'YESTERDAY': return range('day', -1, 1, date);
    case 'THIS_WEEK': return range('week', 0, 1, date);
    case 'LAST_WEEK': return range('week', -1, 1, date);
    case 'LAST_4_WEEKS': return range('week', -4, 4, date);
    case 'LAST_12_WEEKS': return range('week', -12, 12, date);
    case 'LAST_52_WEEKS': return range('week', -52, 52, date);
    case 'WEEKS_THIS_YEAR': return Array.from({ length: weeksInYear(wy, 1) }, (_, i) => weekly(wy, i + 1));
    case 'THIS_BIWEEK': return biweeksBack(date, 0, 1);
    case 'LAST_BIWEEK': return biweeksBack(date, -1, 1);
    case 'LAST_4_BIWEEKS': return biweeksBack(date, -4, 4);
    case 'THIS_MONTH': return range('month', 0, 1, date);
    case 'LAST_MONTH': return range('month', -1, 1, date);
    case 'LAST_3_MONTHS': return range('month', -3, 3, date);
    case 'LAST_6_MONTHS': return range('month', -6, 6, date);
    case 'LAST_12_MONTHS': return range('month', -12, 12, date);
    case 'MONTHS_THIS_YEAR': return Array.from({ length: 12 }, (_, i) => monthly(y, i));
    case 'MONTHS_LAST_YEAR': return Array.from({ length: 12 }, (_, i) => monthly(y - 1, i));
    case 'THIS_BIMONTH': return range('bimonth', 0, 1, date);
    case 'LAST_BIMONTH': return range('bimonth', -1, 1, date);
    case 'LAST_6_BIMONTHS': return range('bimonth', -6, 6, date);
    case 'BIMONTHS_THIS_YEAR': return Array.from({ length: 6 }, (_, i) => biMonthly(y, i));
    case 'THIS_QUARTER': return range('quarter', 0, 1, date);
    case 'LAST_QUARTER': return range('quarter', -1, 1, date);
    case 'LAST_4_QUARTERS': return range('quarter', -4, 4, date);
    case 'QUARTERS_THIS_YEAR': return Array.from({ length: 4 }, (_, i) => quarterly(y, i));
    case 'QUARTERS_LAST_YEAR': return Array.from({ length: 4 }, (_, i) => quarterly(y - 1, i));
    case 'THIS_SIX_MONTH': return range('six', 0, 1, date);
    case 'LAST_SIX_MONTH': return range('six', -1, 1, date);
    case 'LAST_2_SIXMONTHS': return range('six', -2, 2, date);
    case 'THIS_YEAR': return range('year', 0, 1, date);
    case 'LAST_YEAR': return range('year', -1, 1, date);
    case 'LAST_5_YEARS': return range('year', -5, 5, date);
    case 'LAST_10_YEARS': return range('year', -10, 10, date);
    case 'THIS_FINANCIAL_YEAR': return range('fy', 0, 1, date);
    case 'LAST_FINANCIAL_YEAR': return range('fy', -1, 1, date);
    case 'LAST_5_FINANCIAL_YEARS': return range('fy', -5, 5, date);
    case 'LAST_10_FINANCIAL_YEARS': return range('fy', -10, 10, date);
    default: return null;
  }
}

// The months a period covers when it is month-aligned (monthly and coarser), else null.
export function monthsOf(p) {
  if (p.start.getUTCDate() !== 1) return null;
  const next = addDays(p.end, 1);
  if (next.getUTCDate() !== 1) return null;
  const out = [];
  for (let i = T.month.idx(p.start); i < T.month.idx(next); i++) out.push(T.month.at(i).id);
  return out;
}

export const daysIn = (p) => Math.round((p.end - p.start) / DAY) + 1;
export const periodDate = (d) => `${ymd(d)}T00:00:00.000`; // §1.4 startDate/endDate "2023-01-01T00:00:00.000"
