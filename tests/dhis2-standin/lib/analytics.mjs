// GET /api/analytics(.json|.csv): aggregate analytics as described in dhis2-analytics.md (§1 request and
// response, §2 errors, §3 periods). Values are not real aggregates: every cell is derived from a hash of
// its ids (see rawValue / analyticsValue, exported for tests), so the same question always gets the same
// answer. Values are NOT summed up the org-unit tree: each (dx, pe, ou) cell has its own value. Month-aligned
// periods (bi-months, quarters, years, financial years…) are the sum of their months, so totals add up over time.
import { createHash } from 'node:crypto';
import { sendJson, sendText, sendWebMessage } from './util.mjs';
import { parseIsoPeriod, expandRelative, RELATIVE_NAMES, monthsOf, daysIn, periodDate, U } from './periods.mjs';
import { isDescendantOrSelf } from './metadata.mjs';
import { FIXED } from './data.mjs';

// §2.2 message templates (MessageFormat, `{0}` placeholders; backticks are literal).
const E = {
  E7101: 'At least one dimension must be specified',
  E7102: 'At least one data dimension item or data element group set dimension item must be specified',
  E7103: 'Dimensions cannot be specified as dimension and filter simultaneously: `{0}`',
  E7104: 'At least one period as dimension or filter, or start and dates, must be specified',
  E7105: 'Periods and start and end dates cannot be specified simultaneously',
  E7106: 'Start date cannot be after end date',
  E7108: 'Only a single indicator can be specified as filter',
  E7110: 'Category option combos cannot be specified as filter',
  E7111: 'Dimensions cannot be specified more than once: `{0}`',
  // E7105-E7114 are not in the reference's table; their texts are DHIS2's ErrorCode templates (DHIS2-like).
  E7113: 'Assigned categories cannot be specified when data elements are not specified',
  E7114: 'Assigned categories can only be specified together with data elements',
  E7120: 'User: `{0}` is not allowed to view org unit: `{1}`',
  E7124: 'Dimension is present in query without any valid dimension options: `{0}`',
  E7125: 'Dimension identifier does not reference any dimension: `{0}`',
  E7128: 'Query result set exceeded max limit: `{0}`',
  E7143: 'Organisation unit or organisation unit level is not valid',
  E7144: 'Query failed because a referenced table does not exist. Please ensure analytics job was run (SqlState: 42P01)',
  E7611: 'Period not valid: `{0}`',
};

class QueryError extends Error {
  constructor(code, args = [], devMessage) {
    super(E[code].replace(/\{(\d)\}/g, (_, i) => args[Number(i)]));
    this.code = code;
    this.devMessage = devMessage;
  }
}

const DIM_NAMES = { dx: 'Data', pe: 'Period', ou: 'Organisation unit', co: 'Category option combo' }; // §1.3 (S6)
const DIM_TYPES = { dx: 'DATA_X', pe: 'PERIOD', ou: 'ORGANISATION_UNIT', co: 'CATEGORY_OPTION_COMBO' };
const RATE_METRICS = { REPORTING_RATE: 'Reporting rate', REPORTING_RATE_ON_TIME: 'Reporting rate on time', ACTUAL_REPORTS: 'Actual reports', ACTUAL_REPORTS_ON_TIME: 'Actual reports on time', EXPECTED_REPORTS: 'Expected reports' };

// ----- deterministic values -----

function hash32(s) { return createHash('sha256').update(s).digest().readUInt32BE(0); }

// The stored value of one data element (or program indicator) cell: an integer, or null for "no data"
// (about 1 in 11 cells). `pe` is a month (yyyyMM) for month-aligned periods, else the period id.
export function rawValue(dx, coc, pe, ou) {
  const h = hash32(`${dx}|${coc}|${pe}|${ou}`);
  if (h % 11 === 0) return null;
  if (dx === FIXED.population) return 5000 + (h % 5000);
  return h % 500;
}

// §1.6: data element values are rounded to 2 decimals and written without ".0" when whole (a Long);
// indicator values keep a Double ("90.0"), rounded to the indicator's decimals (default 2).
const round = (v, d) => { const f = 10 ** d; return Math.round(v * f) / f; };
const javaDouble = (v) => (Number.isInteger(v) ? `${v}.0` : String(v)); // Double.toString (plain below 1e7 too, §1.6)
const longOrDouble = (v) => (Number.isInteger(v) ? String(v) : String(v));

// Models the dimension items; `data` = the stand-in's data (lib/data.mjs buildData()).
export function makeModel(data) {
  if (data.__analyticsModel) return data.__analyticsModel;
  const index = new Map();
  for (const de of data.dataElements) index.set(de.id, { kind: 'DATA_ELEMENT', obj: de });
  for (const ind of data.indicators) index.set(ind.id, { kind: 'INDICATOR', obj: ind });
  for (const pi of data.programIndicators) index.set(pi.id, { kind: 'PROGRAM_INDICATOR', obj: pi });
  const cocs = new Map(data.categoryOptionCombos.map((c) => [c.id, c]));
  const dataSets = new Map(data.dataSets.map((d) => [d.id, d]));
  const orgUnits = new Map(data.orgUnits.map((o) => [o.id, o]));
  const model = { data, index, cocs, dataSets, orgUnits };
  Object.defineProperty(data, '__analyticsModel', { value: model, enumerable: false });
  return model;
}

// Resolves one dx item id to {id, kind, name, shortName, code, obj, coc?, metric?} or null.
function resolveDx(model, id) {
  const hit = model.index.get(id);
  if (hit) return { id, kind: hit.kind, obj: hit.obj, name: hit.obj.name, shortName: hit.obj.shortName, code: hit.obj.code };
  const [a, b] = id.split('.');
  if (b && model.index.get(a)?.kind === 'DATA_ELEMENT' && model.cocs.has(b)) {
    const de = model.index.get(a).obj;
    const coc = model.cocs.get(b);
    if (!de.categoryCombo.categoryOptionCombos.includes(coc)) return null;
    return { id, kind: 'DATA_ELEMENT_OPERAND', obj: de, coc, name: `${de.name} ${coc.name}`, shortName: `${de.shortName} ${coc.name}` };
  }
  if (b && RATE_METRICS[b] && model.dataSets.has(a)) {
    const ds = model.dataSets.get(a);
    return { id, kind: 'REPORTING_RATE', obj: ds, metric: b, name: `${ds.name} - ${RATE_METRICS[b]}`, shortName: `${ds.shortName} - ${RATE_METRICS[b]}` };
  }
  return null;
}

// Sums (or averages, for AVERAGE* aggregation types) a data element over the months of a period.
function deValue(de, cocIds, p, ou) {
  const months = monthsOf(p) || [p.id];
  const perMonth = [];
  for (const m of months) {
    let t = null;
    for (const c of cocIds) { const v = rawValue(de.id, c, m, ou.id); if (v != null) t = (t ?? 0) + v; }
    if (t != null) perMonth.push(t);
  }
  if (!perMonth.length) return null;
  const sum = perMonth.reduce((a, b) => a + b, 0);
  return /^AVERAGE/.test(de.aggregationType) ? sum / perMonth.length : sum;
}

// Evaluates an indicator expression (#{de} / #{de.coc} terms, + - * / and numbers); null when every
// referenced value is missing (DHIS2's default missing-value strategy SKIP_IF_ALL_VALUES_MISSING).
function expr(model, text, cells) {
  let seen = false;
  const js = String(text || '0').replace(/#\{([A-Za-z0-9]{11})(?:\.([A-Za-z0-9]{11}))?\}/g, (_, de, coc) => {
    const d = model.index.get(de);
    if (!d || d.kind !== 'DATA_ELEMENT') return '0';
    const cocIds = coc ? [coc] : d.obj.categoryCombo.categoryOptionCombos.map((c) => c.id);
    let t = null;
    for (const [p, ou] of cells) { const v = deValue(d.obj, cocIds, p, ou); if (v != null) t = (t ?? 0) + v; }
    if (t != null) seen = true;
    return t == null ? '0' : String(t);
  });
  if (!seen) return null;
  if (!/^[\d\s+\-*/().]*$/.test(js)) return null;
  // eslint-disable-next-line no-new-func
  return Function(`"use strict"; return (${js});`)();
}

// The value of one row (item × pe × ou [× coc]) aggregated over the filter cells. Returns
// {value, text, num?, den?, factor?} or null when there is no data. Exported so tests can predict rows.
export function cellValue(model, item, cells, cocId) {
  switch (item.kind) {
    case 'DATA_ELEMENT': case 'DATA_ELEMENT_OPERAND': {
      const cocIds = item.coc ? [item.coc.id] : cocId ? [cocId] : item.obj.categoryCombo.categoryOptionCombos.map((c) => c.id);
      let t = null;
      for (const [p, ou] of cells) { const v = deValue(item.obj, cocIds, p, ou); if (v != null) t = (t ?? 0) + v; }
      if (t == null) return null;
      const v = round(t, 2);
      return { value: v, text: longOrDouble(v) };
    }
    case 'PROGRAM_INDICATOR': {
      let t = null;
      for (const [p, ou] of cells) {
        for (const m of monthsOf(p) || [p.id]) { const v = rawValue(item.id, 'pi', m, ou.id); if (v != null) t = (t ?? 0) + v; }
      }
      if (t == null) return null;
      if (item.obj.aggregationType === 'AVERAGE') { const v = round(15 + (t % 300) / 10, item.obj.decimals ?? 2); return { value: v, text: javaDouble(v) }; }
      return { value: t, text: String(t) };
    }
    case 'REPORTING_RATE': {
      const h = hash32(`${item.id}|${cells.map(([p, ou]) => `${p.id}/${ou.id}`).join(',')}`);
      const expected = cells.length * 12;
      const actual = Math.round(expected * (0.5 + (h % 500) / 1000));
      const onTime = Math.round(actual * 0.8);
      const v = { REPORTING_RATE: round((100 * actual) / expected, 2), REPORTING_RATE_ON_TIME: round((100 * onTime) / expected, 2), ACTUAL_REPORTS: actual, ACTUAL_REPORTS_ON_TIME: onTime, EXPECTED_REPORTS: expected }[item.metric];
      return { value: v, text: /RATE/.test(item.metric) ? javaDouble(v) : String(v) };
    }
    case 'INDICATOR': {
      const ind = item.obj;
      const num = expr(model, ind.numerator, cells);
      const den = expr(model, ind.denominator, cells);
      if (num == null || den == null || den === 0) return null;
      const factor = ind.indicatorType?.factor ?? 1;
      let v = (num / den) * factor;
      if (ind.annualized) { const days = cells.reduce((a, [p]) => Math.max(a, daysIn(p)), 1); v *= 365 / days; }
      v = round(v, ind.decimals ?? 2);
      return { value: v, text: ind.decimals === 0 ? String(v) : javaDouble(v), num, den, factor };
    }
    default: return null;
  }
}

// ----- request parsing -----

const splitDims = (values) => values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);

function userOrgUnits(S, user, sp) {
  // §1.2: userOrgUnit=<uid>;<uid> overrides the user's org units for USER_ORGUNIT*.
  const o = sp.get('userOrgUnit');
  if (o) return o.split(';').map((id) => S.data.orgUnits.find((x) => x.id === id)).filter(Boolean);
  return user.organisationUnits; // §5: USER_ORGUNIT resolves to the data-capture units
}

function byDisplayName(a, b) { const x = a.name.toLowerCase(); const y = b.name.toLowerCase(); return x < y ? -1 : x > y ? 1 : 0; }

// §1.2 `ou` items. Returns {units, keywords:[{key,item}], boundaries, userKeys:{USER_ORGUNIT:[…]}}.
function resolveOu(S, model, items, user, sp) {
  const plain = [];
  const levels = [];
  const groups = [];
  const units = [];
  const keywords = [];
  const userKeys = {};
  for (const it of items) {
    if (it === 'USER_ORGUNIT' || it === 'USER_ORGUNIT_CHILDREN' || it === 'USER_ORGUNIT_GRANDCHILDREN') {
      let list = userOrgUnits(S, user, sp);
      if (it !== 'USER_ORGUNIT') list = list.flatMap((o) => [...o.children].sort(byDisplayName));
      if (it === 'USER_ORGUNIT_GRANDCHILDREN') list = list.flatMap((o) => [...o.children].sort(byDisplayName));
      userKeys[it] = list.map((o) => o.id);
      units.push(...list);
    } else if (it.startsWith('LEVEL-')) {
      const v = it.slice(6);
      const lvl = S.data.orgUnitLevels.find((l) => String(l.level) === v || l.id === v);
      if (lvl) levels.push(lvl);
    } else if (it.startsWith('OU_GROUP-')) {
      const g = S.data.orgUnitGroups.find((x) => x.id === it.slice(9));
      if (g) groups.push(g);
    } else {
      const o = model.orgUnits.get(it);
      if (o) plain.push(o); // §1.2: unknown UIDs are dropped silently
    }
  }
  if (levels.length || groups.length) {
    // §1.2: with LEVEL-/OU_GROUP- items the plain UIDs are boundaries only (no boundary = the whole tree);
    // the expanded units are sorted by display name.
    const bounds = plain.length ? plain : [S.data.root];
    const found = new Set();
    for (const l of levels) {
      for (const b of bounds) {
        if (l.level < b.level) continue;
        let frontier = [b];
        for (let d = b.level; d < l.level; d++) frontier = frontier.flatMap((x) => x.children);
        frontier.forEach((x) => found.add(x));
      }
      keywords.push({ key: l.id, item: { name: l.name, uid: l.id } }); // §1.4: keyed by the level UID
    }
    for (const g of groups) {
      for (const m of g.organisationUnits) if (isDescendantOrSelf(m, bounds)) found.add(m);
      keywords.push({ key: g.id, item: { name: g.name, uid: g.id, code: g.code } });
    }
    for (const b of plain) keywords.push({ key: b.id, item: { name: b.name, uid: b.id, code: b.code } });
    units.push(...[...found].sort(byDisplayName));
  } else {
    units.push(...plain);
  }
  const seen = new Set();
  return { units: units.filter((o) => !seen.has(o.id) && seen.add(o.id)), keywords, boundaries: plain, userKeys };
}

function parseDimension(S, model, spec, { user, sp, version, date, asFilter }) {
  const i = spec.indexOf(':');
  const id = i < 0 ? spec : spec.slice(0, i);
  const items = i < 0 ? [] : spec.slice(i + 1).split(';').map((s) => s.trim()).filter(Boolean);
  const dim = { id, asFilter, items: [], keywords: [] };
  if (id === 'dx') {
    for (const it of items) { const r = resolveDx(model, it); if (r && !dim.items.some((x) => x.id === r.id)) dim.items.push(r); }
    if (!dim.items.length) throw new QueryError('E7124', ['dx']); // §2.2
  } else if (id === 'pe') {
    for (const it of items) {
      const rel = expandRelative(it, date);
      if (rel) {
        dim.keywords.push({ key: it, item: { name: RELATIVE_NAMES[it] } });
        for (const p of rel) if (!dim.items.some((x) => x.id === p.id)) dim.items.push(p);
        continue;
      }
      const p = parseIsoPeriod(it, version);
      if (!p) {
        if (version >= 41) throw new QueryError('E7611', [it]); // §2.2: 2.41+
        continue; // 2.40: dropped silently
      }
      if (p.type === 'Range') dim.keywords.push({ key: p.id, item: { name: p.name } });
      if (!dim.items.some((x) => x.id === p.id)) dim.items.push(p);
    }
  } else if (id === 'ou') {
    const r = resolveOu(S, model, items, user, sp);
    if (!r.units.length) throw new QueryError('E7143'); // §2.2
    dim.items = r.units.map((o) => ({ id: o.id, name: o.name, shortName: o.shortName, code: o.code, obj: o }));
    dim.keywords = r.keywords;
    dim.userKeys = r.userKeys;
  } else if (id === 'co') {
    dim.items = items.map((c) => model.cocs.get(c)).filter(Boolean).map((c) => ({ id: c.id, name: c.name, shortName: c.name, code: c.code, obj: c }));
    dim.all = !items.length;
  } else {
    throw new QueryError('E7125', [id]); // §2.2
  }
  return dim;
}

// ----- the grid -----

function formatGrouped(n) { return Number(n).toLocaleString('en-US'); } // MessageFormat groups integers (§1.8)

// Builds the analytics grid (§1.3) or throws QueryError. Exported for tests.
export function runAnalytics(S, user, sp, { isSuper = true } = {}) {
  const model = makeModel(S.data);
  const version = Number(String(S.profileInfo.version).split('.')[1]);
  const rpd = sp.get('relativePeriodDate') || S.opts.analyticsDate;
  const date = rpd && /^\d{4}-\d{2}-\d{2}$/.test(rpd) ? U(+rpd.slice(0, 4), +rpd.slice(5, 7) - 1, +rpd.slice(8, 10)) : (() => { const n = new Date(); return U(n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate()); })();
  const ctx = { user, sp, version, date };
  const dims = splitDims(sp.getAll('dimension')).map((d) => parseDimension(S, model, d, { ...ctx, asFilter: false }));
  const filters = splitDims(sp.getAll('filter')).map((d) => parseDimension(S, model, d, { ...ctx, asFilter: true }));
  const skipData = sp.get('skipData') === 'true';
  const startDate = sp.get('startDate');
  const endDate = sp.get('endDate');
  const all = [...dims, ...filters];
  const get = (id) => all.find((d) => d.id === id);

  // §2.2 validation, in DefaultQueryValidator's order (the first failing check is reported).
  const dxItems = all.filter((d) => d.id === 'dx').flatMap((d) => d.items);
  const hasPe = all.some((d) => d.id === 'pe' && d.items.length);
  if (!dims.length) throw new QueryError('E7101');
  if (!skipData && !dxItems.length) throw new QueryError('E7102');
  const both = dims.filter((d) => filters.some((f) => f.id === d.id)).map((d) => d.id);
  if (both.length) throw new QueryError('E7103', [`[${both.join(', ')}]`]);
  if (!hasPe && !(startDate && endDate)) throw new QueryError('E7104');
  if (hasPe && (startDate || endDate)) throw new QueryError('E7105');
  if (startDate && endDate && startDate > endDate) throw new QueryError('E7106');
  const fdx = filters.find((d) => d.id === 'dx');
  if (fdx && fdx.items.some((x) => x.kind === 'INDICATOR' || x.kind === 'PROGRAM_INDICATOR') && fdx.items.length > 1) throw new QueryError('E7108');
  if (filters.some((d) => d.id === 'co')) throw new QueryError('E7110');
  const dup = [...new Set(all.map((d) => d.id).filter((id, i, a) => a.indexOf(id) !== i))].filter((id) => !both.includes(id));
  if (dup.length) throw new QueryError('E7111', [`[${dup.join(', ')}]`]); // the list renders like E7103's (inference)
  if (get('co')) {
    const des = dxItems.filter((x) => x.kind === 'DATA_ELEMENT');
    if (!des.length) throw new QueryError('E7113');
    if (des.length !== dxItems.length) throw new QueryError('E7114');
  }

  // §2.2 E7120 / S49: org units must lie in the user's data-view hierarchy (superusers are not checked).
  const ouDims = all.filter((d) => d.id === 'ou');
  if (!isSuper) {
    for (const d of ouDims) {
      for (const o of [...d.items.map((x) => x.obj), ...(d.keywords || []).map((k) => model.orgUnits.get(k.key)).filter(Boolean)]) {
        if (!isDescendantOrSelf(o, user.dataViewOrganisationUnits)) throw new QueryError('E7120', [user.username, o.id]);
      }
    }
  }
  // §1.2 / S49: no `ou` at all → an implicit `ou` filter with the user's data-view org units.
  if (!ouDims.length && user.dataViewOrganisationUnits.length) {
    const units = user.dataViewOrganisationUnits;
    filters.push({ id: 'ou', asFilter: true, implicit: true, keywords: [], items: units.map((o) => ({ id: o.id, name: o.name, shortName: o.shortName, code: o.code, obj: o })) });
  }
  if (S.faults.analyticsTablesMissing) {
    throw new QueryError('E7144', [], 'ERROR: relation "analytics" does not exist\n  Position: 15');
  }

  // Filter cells: every combination of filter pe × ou (start/end dates act as one free-range period).
  const fPe = filters.find((d) => d.id === 'pe')?.items || (startDate && endDate && !get('pe') ? [parseIsoPeriod(`${startDate}_${endDate}`) || { id: `${startDate}_${endDate}`, start: U(2000, 0), end: U(2000, 0) }] : [null]);
  const fOu = filters.find((d) => d.id === 'ou')?.items || [null];
  const shortNames = sp.get('displayProperty') === 'SHORTNAME';
  const includeNumDen = sp.get('includeNumDen') === 'true';
  const details = sp.get('includeMetadataDetails') === 'true';

  // Headers (§1.3): one per dimension in request order, then value, then the num/den columns.
  const headers = skipData ? [] : [
    ...dims.map((d) => ({ name: d.id, column: DIM_NAMES[d.id], valueType: 'TEXT', type: 'java.lang.String', hidden: false, meta: true })),
    { name: 'value', column: 'Value', valueType: 'NUMBER', type: 'java.lang.Double', hidden: false, meta: false },
    ...(includeNumDen ? ['numerator', 'denominator', 'factor', 'multiplier', 'divisor'].map((n) => ({ name: n, column: n[0].toUpperCase() + n.slice(1), valueType: 'NUMBER', type: 'java.lang.Double', hidden: false, meta: false })) : []),
  ];

  // Rows: the cross product of the dimension items (co expands per data element), aggregated over filters.
  const rows = [];
  const usedOu = new Set();
  const maxLimit = S.faults.analyticsMaxLimit ?? S.opts.analyticsMaxLimit ?? 100000;
  const limit = sp.get('ignoreLimit') === 'true' ? 0 : Number(maxLimit); // §1.8: 0 = unlimited
  const dxDim = dims.find((d) => d.id === 'dx');
  const coDim = dims.find((d) => d.id === 'co');
  if (!skipData) {
    const walk = (k, combo) => {
      if (k === dims.length) {
        const item = combo.dx || (fdx?.items.length === 1 ? fdx.items[0] : null);
        const peList = combo.pe ? [combo.pe] : fPe;
        const ouList = combo.ou ? [combo.ou.obj] : fOu.map((x) => x?.obj ?? null);
        const cells = [];
        for (const p of peList) for (const o of ouList) if (p && o) cells.push([p, o]);
        let v;
        if (item) v = cellValue(model, item, cells, combo.co?.id);
        else if (fdx) {
          // Several data elements as filter: their values add up (§1.2 "aggregated across the filter items").
          let t = null;
          for (const it of fdx.items) { const c = cellValue(model, it, cells); if (c) t = (t ?? 0) + c.value; }
          v = t == null ? null : { value: round(t, 2), text: longOrDouble(round(t, 2)) };
        }
        if (!v) return;
        if (limit > 0 && rows.length >= limit) throw new QueryError('E7128', [formatGrouped(limit)]);
        const row = dims.map((d) => combo[d.id].id);
        row.push(v.text);
        if (includeNumDen) {
          // §1.6: data element rows carry empty num/den cells.
          if (v.num != null) row.push(longOrDouble(round(v.num, 2)), longOrDouble(round(v.den, 2)), javaDouble(v.factor), '1.0', '1.0');
          else row.push('', '', '', '', '');
        }
        if (combo.ou) usedOu.add(combo.ou.id);
        rows.push(row);
        return;
      }
      const d = dims[k];
      let list = d.items;
      if (d.id === 'co') {
        const de = combo.dx?.obj;
        if (!de?.categoryCombo) return;
        list = de.categoryCombo.categoryOptionCombos.filter((c) => d.all || d.items.some((x) => x.id === c.id)).map((c) => ({ id: c.id, obj: c, name: c.name }));
      }
      for (const it of list) { combo[d.id] = it; walk(k + 1, combo); }
      delete combo[d.id];
    };
    // co needs its data element first: walk with dx before co when both are dimensions.
    if (coDim && dxDim && dims.indexOf(coDim) < dims.indexOf(dxDim)) {
      const order = dims.slice();
      order.splice(order.indexOf(coDim), 1);
      order.splice(order.indexOf(dxDim) + 1, 0, coDim);
      const orig = dims.slice();
      dims.splice(0, dims.length, ...order);
      walk(0, {});
      // Put cells back in request order.
      const pos = orig.map((d) => order.indexOf(d));
      for (let r = 0; r < rows.length; r++) rows[r] = [...pos.map((p) => rows[r][p]), ...rows[r].slice(orig.length)];
      dims.splice(0, dims.length, ...orig);
    } else walk(0, {});
  }

  // §1.2 order=ASC|DESC sorts by the value column; otherwise row order has no meaning.
  const ord = (sp.get('order') || '').toUpperCase();
  if (ord === 'ASC' || ord === 'DESC') {
    const vi = dims.length;
    rows.sort((a, b) => (Number(a[vi]) - Number(b[vi])) * (ord === 'ASC' ? 1 : -1));
  }

  // outputIdScheme=NAME|CODE rewrites the meta cells (§1.2); metaData keys stay UIDs.
  const scheme = (sp.get('outputIdScheme') || 'UID').toUpperCase();
  const nameOf = (x) => (shortNames ? x.shortName || x.name : x.name);
  if (scheme === 'NAME' || scheme === 'CODE') {
    const lookups = dims.map((d) => new Map((d.id === 'co' ? S.data.categoryOptionCombos : d.items).map((x) => [x.id, x])));
    for (const row of rows) {
      dims.forEach((d, i) => {
        const x = lookups[i].get(row[i]);
        if (!x) return;
        row[i] = scheme === 'NAME' ? nameOf(x) : x.code || (d.id === 'pe' ? x.id : row[i]);
      });
    }
  }

  let metaData = {};
  if (sp.get('skipMeta') !== 'true') {
    metaData = buildMeta(S, model, all.concat(filters.filter((f) => f.implicit)), dims, { shortNames, details, usedOu, rows, hierarchyMeta: sp.get('hierarchyMeta') === 'true', showHierarchy: sp.get('showHierarchy') === 'true', user, version });
  }
  return {
    headers, metaData, rowContext: {}, rows,
    height: rows.length, width: rows.length ? rows[0].length : 0, headerWidth: headers.length,
  };
}

function buildMeta(S, model, all, dims, o) {
  const items = {};
  const dimensions = {};
  const put = (k, v) => { if (!(k in items)) items[k] = v; };
  const detail = (x, kind, extra = {}) => {
    if (!o.details) return { name: o.shortNames ? x.shortName || x.name : x.name };
    const r = { uid: x.id, code: x.code, name: o.shortNames ? x.shortName || x.name : x.name, dimensionItemType: kind, ...extra };
    for (const k of Object.keys(r)) if (r[k] == null) delete r[k];
    return r;
  };
  const cocIds = new Set();
  for (const d of all) {
    if (dimensions[d.id]) continue;
    dimensions[d.id] = d.items.map((x) => x.id);
    for (const x of d.items) {
      if (d.id === 'dx') {
        const vt = x.kind === 'DATA_ELEMENT' || x.kind === 'DATA_ELEMENT_OPERAND' ? x.obj.valueType : 'NUMBER';
        put(x.id, detail(x, x.kind, { valueType: vt, aggregationType: x.obj.aggregationType, totalAggregationType: 'SUM' }));
        // §1.4: every category option combo of each data element in dx, even without a co dimension.
        if (x.kind === 'DATA_ELEMENT') for (const c of x.obj.categoryCombo.categoryOptionCombos) { cocIds.add(c.id); put(c.id, detail({ ...c }, 'CATEGORY_OPTION_COMBO')); }
      } else if (d.id === 'pe') {
        put(x.id, o.details ? { uid: x.id, code: x.id, name: o.shortNames ? x.shortName : x.name, dimensionItemType: 'PERIOD', valueType: 'TEXT', totalAggregationType: 'SUM', startDate: periodDate(x.start), endDate: periodDate(x.end) }
          : { name: o.shortNames ? x.shortName : x.name });
      } else if (d.id === 'ou') {
        put(x.id, detail(x, 'ORGANISATION_UNIT', { valueType: 'TEXT', totalAggregationType: 'SUM' }));
      } else if (d.id === 'co') {
        put(x.id, detail(x, 'CATEGORY_OPTION_COMBO'));
      }
    }
    for (const k of d.keywords || []) put(k.key, Object.fromEntries(Object.entries(k.item).filter(([, v]) => v != null)));
    // §1.4 (2.41+): USER_ORGUNIT* keywords given in `dimension` params list the units they resolved to.
    if (!d.asFilter && d.userKeys && o.version >= 41) for (const [k, ids] of Object.entries(d.userKeys)) items[k] = { organisationUnits: ids };
  }
  // §1.5: `co` is always present (the COCs of the data elements in the query, or []).
  const co = dims.find((d) => d.id === 'co');
  dimensions.co = co && !co.all ? co.items.map((x) => x.id) : [...cocIds];
  for (const id of Object.keys(dimensions)) put(id, o.details ? { uid: id, name: DIM_NAMES[id], dimensionType: DIM_TYPES[id] } : { name: DIM_NAMES[id] });
  const meta = { items, dimensions };
  // §1.5: ouHierarchy / ouNameHierarchy for the org units in the rows (all requested units when no rows).
  if (o.hierarchyMeta || o.showHierarchy) {
    const ouDim = all.find((d) => d.id === 'ou');
    const units = (ouDim?.items || []).map((x) => x.obj).filter((u) => !o.rows.length || o.usedOu.has(u.id) || !dims.some((d) => d.id === 'ou'));
    const roots = o.user.organisationUnits;
    const chain = (u) => { const out = []; for (let p = u; p; p = p.parent) { out.unshift(p); if (roots.includes(p)) break; } return out; };
    if (o.hierarchyMeta) meta.ouHierarchy = Object.fromEntries(units.map((u) => [u.id, chain(u).slice(0, -1).map((x) => x.id).join('/')]));
    if (o.showHierarchy) meta.ouNameHierarchy = Object.fromEntries(units.map((u) => [u.id, `/${chain(u).map((x) => x.name).join('/')}`]));
  }
  return meta;
}

// ----- HTTP -----

const csvCell = (v) => (/[",\n\r]/.test(v) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

export function handleAnalytics(S, req, res, url, user, ext, isSuper) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendWebMessage(res, 405, { message: `Request method '${req.method}' is not supported` });
  if (ext !== 'json' && ext !== 'csv') {
    return sendWebMessage(res, 406, { message: `The stand-in serves /api/analytics as .json and .csv only, not .${ext}` });
  }
  let grid;
  try {
    grid = runAnalytics(S, user, url.searchParams, { isSuper });
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    const version = Number(String(S.profileInfo.version).split('.')[1]);
    const patch = Number(String(S.profileInfo.version).split('.')[2]);
    // §2.3: from 2.40.9 / 2.41.5 / 2.42.1 / 2.43 the file variants answer with the plain text
    // "<CODE>: <raw template>", status left at 200, Content-Disposition inline error.html (status and
    // content type unverified in the reference). Earlier patches (the 2.40 profile = 2.40.8) → 409 WebMessage.
    const lateFix = version >= 43 || (version === 42 && patch >= 1) || (version === 41 && patch >= 5) || (version === 40 && patch >= 9);
    if (ext === 'csv' && lateFix) {
      return sendText(res, 200, `${e.code}: ${E[e.code]}`, 'text/plain;charset=UTF-8', { 'Content-Disposition': 'inline; filename="error.html"' });
    }
    // §2.1: 409 {"httpStatus","httpStatusCode","status","message"[,"devMessage"],"errorCode"}.
    return sendWebMessage(res, 409, { message: e.message, devMessage: e.devMessage, errorCode: e.code });
  }
  if (ext === 'csv') {
    // §7: header = each header's column; ids in cells; "," and "\n"; application/csv attachment data.csv.
    const lines = [grid.headers.map((h) => csvCell(h.column)).join(','), ...grid.rows.map((r) => r.map(csvCell).join(','))];
    return sendText(res, 200, `${lines.join('\n')}\n`, 'application/csv; charset=UTF-8', { 'Content-Disposition': 'attachment; filename="data.csv"' });
  }
  return sendJson(res, 200, grid);
}

// The string a test should expect in the value column for one dx/pe/ou cell of a plain query
// (no filters besides these, no co). `data` = buildData(); null = no row.
export function analyticsValue(data, dx, pe, ou) {
  const model = makeModel(data);
  const item = resolveDx(model, dx);
  const p = parseIsoPeriod(pe);
  const o = model.orgUnits.get(ou);
  if (!item || !p || !o) return null;
  return cellValue(model, item, [[p, o]])?.text ?? null;
}
