// Metadata read API: collections with paging/fields/filters (dhis2-server.md §6.6, dhis2-analytics.md §4),
// /api/identifiableObjects/{uid} (§4.3), /api/metadata (§4.2) and the org-unit tree (§5).
import { sendJson, sendWebMessage, dhisDate, UID_RE } from './util.mjs';
import { parseFields, project, applyFilters, applyOrder, defaultOrder } from './query.mjs';

const C = (singular, klass, items, extra = {}) => ({ singular, klass: `org.hisp.dhis.${klass}`, label: klass.split('.').pop(), items, ...extra });

// Every metadata collection the stand-in serves (the list key is the plural).
export const METADATA_COLLECTIONS = {
  dataElements: C('dataElement', 'dataelement.DataElement', (S) => S.data.dataElements),
  indicators: C('indicator', 'indicator.Indicator', (S) => S.data.indicators),
  indicatorTypes: C('indicatorType', 'indicator.IndicatorType', (S) => S.data.indicatorTypes),
  organisationUnits: C('organisationUnit', 'organisationunit.OrganisationUnit', (S) => S.data.orgUnits),
  organisationUnitLevels: C('organisationUnitLevel', 'organisationunit.OrganisationUnitLevel', (S) => S.data.orgUnitLevels),
  organisationUnitGroups: C('organisationUnitGroup', 'organisationunit.OrganisationUnitGroup', (S) => S.data.orgUnitGroups),
  dataSets: C('dataSet', 'dataset.DataSet', (S) => S.data.dataSets),
  programs: C('program', 'program.Program', (S) => S.data.programs),
  programIndicators: C('programIndicator', 'program.ProgramIndicator', (S) => S.data.programIndicators),
  categoryOptions: C('categoryOption', 'category.CategoryOption', (S) => S.data.categoryOptions),
  categories: C('category', 'category.Category', (S) => S.data.categories),
  categoryCombos: C('categoryCombo', 'category.CategoryCombo', (S) => S.data.categoryCombos),
  categoryOptionCombos: C('categoryOptionCombo', 'category.CategoryOptionCombo', (S) => S.data.categoryOptionCombos),
  users: C('user', 'user.User', (S) => S.users.users, { superOnly: true }),
  userRoles: C('userRole', 'user.UserRole', (S) => [S.users.superRole, S.users.dataRole]),
};

const PLURAL_OF = new Map(Object.entries(METADATA_COLLECTIONS).map(([plural, d]) => [d.singular, plural]));

// `href` of an object = the API link of its real type (dhis2-analytics.md §4.3, DefaultLinkService).
export function hrefCtx(S) {
  return { href: (o) => { const p = PLURAL_OF.get(o.__type); return p ? `${S.baseUrl}/api/${p}/${o.id}` : undefined; } };
}

function pagerLinks(S, url, page, pageSize, pageCount) {
  // Links repeat the other query parameters as sent; pageSize only when it is not 50 (§6.6).
  const base = `${S.origin}${url.pathname}`;
  const others = url.search.replace(/^\?/, '').split('&').filter((kv) => kv && !/^(page|pageSize)=/.test(kv));
  const link = (p) => {
    const q = [...others];
    if (p > 1) q.push(`page=${p}`);
    if (pageSize !== 50) q.push(`pageSize=${pageSize}`);
    return q.length ? `${base}?${q.join('&')}` : base;
  };
  const out = {};
  if (page > 1) out.prevPage = link(page - 1);
  if (page < pageCount) out.nextPage = link(page + 1);
  return out;
}

// Streams {"<key>":[...]} in chunks with back-pressure, so even the large org-unit list never
// becomes one giant string. `sections` = [[key, items, spec]...] after the head object's keys.
export async function streamJson(res, headObj, sections, ctx, headers = {}) {
  res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8', ...headers });
  const head = JSON.stringify(headObj);
  let buf = head.slice(0, -1);
  let first = head.length <= 2;
  for (const [key, items, spec] of sections) {
    buf += `${first ? '' : ','}"${key}":[`;
    first = false;
    for (let i = 0; i < items.length; i++) {
      buf += (i ? ',' : '') + JSON.stringify(project(items[i], spec, ctx));
      if (buf.length > 65536) {
        if (res.destroyed) return;
        if (!res.write(buf)) await new Promise((r) => { res.once('drain', r); res.once('close', r); });
        buf = '';
      }
    }
    buf += ']';
  }
  res.end(`${buf}}`);
}

// A paged list (dhis2-server.md §6.6; dhis2-analytics.md §4.1). opts.keepOrder: the caller's order is the
// default order; opts.prefilter: applied before `filter=`; opts.defaultFields.
export async function listCollection(S, req, res, url, name, items, opts = {}) {
  const sp = url.searchParams;
  let list = opts.keepOrder ? items : defaultOrder(items);
  try {
    // §4.1: `query` ORs id:eq, code:eq and name:like (like = case-sensitive contains).
    const query = sp.get('query');
    if (query) list = list.filter((o) => o.id === query || o.code === query || String(o.name ?? '').includes(query));
    if (opts.prefilter) list = opts.prefilter(list);
    list = applyFilters(list, sp.getAll('filter'), sp.get('rootJunction') || 'AND');
  } catch (e) {
    return sendWebMessage(res, 400, { message: e.message });
  }
  let order = sp.get('order');
  if (!order && sp.get('levelSorted') === 'true') order = 'level:asc'; // S37: levelSorted = order=level:asc
  list = applyOrder(list, order);
  const spec = parseFields(sp.getAll('fields').join(',') || opts.defaultFields || 'id,displayName');
  const ctx = hrefCtx(S);
  const paging = sp.get('paging') !== 'false';
  if (!paging) return streamJson(res, {}, [[name, list, spec]], ctx);
  const pageSize = Math.max(1, Number(sp.get('pageSize')) || 50);
  const total = list.length;
  // §4.1 (Pager): zero results → page 1, total 0, pageCount 0; page is clamped to 1..pageCount.
  const pageCount = Math.ceil(total / pageSize);
  const page = Math.min(Math.max(1, Math.floor(Number(sp.get('page'))) || 1), Math.max(1, pageCount));
  const pager = { page, total, pageSize, ...pagerLinks(S, url, page, pageSize, pageCount), pageCount };
  return streamJson(res, { pager }, [[name, list.slice((page - 1) * pageSize, page * pageSize), spec]], ctx);
}

// ----- org units (dhis2-analytics.md §5) -----

export function isDescendantOrSelf(ou, roots) {
  return roots.some((r) => ou.path === r.path || ou.path.startsWith(`${r.path}/`));
}

// List-scope parameters of /api/organisationUnits (§5, S37).
export function orgUnitPrefilter(S, sp, user) {
  const level = sp.get('level');
  const maxLevel = sp.get('maxLevel');
  return (list) => {
    let out = list;
    if (sp.get('userOnly') === 'true') out = out.filter((o) => user.organisationUnits.includes(o));
    if (sp.get('userDataViewOnly') === 'true') out = out.filter((o) => user.dataViewOrganisationUnits.includes(o));
    if (sp.get('userDataViewFallback') === 'true') {
      const dv = user.dataViewOrganisationUnits;
      out = dv.length ? out.filter((o) => dv.includes(o)) : out.filter((o) => o.level === 1);
    }
    if (sp.get('withinUserHierarchy') === 'true') out = out.filter((o) => isDescendantOrSelf(o, user.organisationUnits));
    if (sp.get('withinDataViewUserHierarchy') === 'true') out = out.filter((o) => isDescendantOrSelf(o, user.dataViewOrganisationUnits));
    if (level) out = out.filter((o) => o.level === Number(level));
    if (maxLevel) out = out.filter((o) => o.level <= Number(maxLevel));
    return out;
  };
}

function descendants(ou, maxDepth = Infinity) {
  const out = [];
  let frontier = [ou];
  for (let d = 0; d < maxDepth && frontier.length; d++) {
    const next = [];
    for (const x of frontier) for (const k of x.children) next.push(k);
    out.push(...next);
    frontier = next;
  }
  return out;
}

const ancestors = (ou) => { const out = []; for (let p = ou.parent; p; p = p.parent) out.unshift(p); return out; };
const byName = (a, b) => { const x = a.name.toLowerCase(); const y = b.name.toLowerCase(); return x < y ? -1 : x > y ? 1 : 0; };

// /api/organisationUnits/{id}[/children|/ancestors|/parents] and the includeChildren / includeDescendants /
// includeAncestors / level variants. Returns false when the request is a plain single-object read.
export async function orgUnitTree(S, req, res, url, ou, sub) {
  const sp = url.searchParams;
  const P = S.profileInfo;
  const legacy = !P.oauth2; // the 2.40 profile
  const includeChildren = sp.get('includeChildren') === 'true';
  if (legacy && (includeChildren || sub === 'children')) {
    const kids = [...ou.children].sort(byName);
    const ctx = hrefCtx(S);
    if (sub === 'children') {
      // 2.40: the generic property endpoint /{uid}/{property} → {"children":[…]} (§5; unverified in the reference).
      const spec = parseFields(sp.getAll('fields').join(',') || 'id,displayName');
      return sendJson(res, 200, { children: kids.map((k) => project(k, spec, ctx)) });
    }
    // §5, 2.40: includeChildren is a single-object read (default fields *): parent + children wrapped as
    // {"organisationUnits":[…]} without a pager, or the bare object for a leaf.
    const spec = parseFields(sp.getAll('fields').join(',') || '*');
    if (!kids.length) return sendJson(res, 200, project(ou, spec, ctx));
    return sendJson(res, 200, { organisationUnits: [ou, ...kids].map((o) => project(o, spec, ctx)) });
  }
  let items = null;
  if (includeChildren || sub === 'children') {
    // §5, 2.41+: a paged list endpoint returning the parent and its direct children (parent first, as 2.41
    // builds it in memory; children by name).
    items = [ou, ...[...ou.children].sort(byName)];
  } else if (sp.get('includeDescendants') === 'true') {
    items = [ou, ...descendants(ou)];
  } else if (sp.get('includeAncestors') === 'true' || sub === 'ancestors') {
    // Reference silent on the order: the unit, then its ancestors from the parent up (DHIS2-like).
    items = [ou, ...ancestors(ou).reverse()];
  } else if (sub === 'parents') {
    items = ancestors(ou).reverse(); // ancestors only (reference silent; DHIS2-like)
  } else if (sp.get('level')) {
    // §5: /{id}?level=n → the units exactly n levels below.
    const n = Number(sp.get('level'));
    items = n > 0 ? descendants(ou, n).filter((o) => o.level === ou.level + n) : [];
    return listCollection(S, req, res, url, 'organisationUnits', items);
  }
  if (!items) return false;
  return listCollection(S, req, res, url, 'organisationUnits', items, { keepOrder: !sp.get('order') });
}

// ----- /api/identifiableObjects/{uid} (dhis2-analytics.md §4.3) -----

function identifiableIndex(S, includeUsers) {
  const key = includeUsers ? '__idxAll' : '__idx';
  if (!S[key]) {
    const m = new Map();
    for (const [plural, d] of Object.entries(METADATA_COLLECTIONS)) {
      if (d.superOnly && !includeUsers) continue;
      for (const o of d.items(S)) if (o?.id && !m.has(o.id)) m.set(o.id, { o, plural });
    }
    S[key] = m;
  }
  return S[key];
}

export function identifiableObject(S, req, res, url, uid, user, isSuper) {
  const hit = identifiableIndex(S, isSuper).get(uid);
  if (!hit) {
    // §4.3: 404 + E1005. 2.40: "IdentifiableObject with id X could not be found."; master: "No identifiable
    // object with id `X` exists". The reference does not say which 2.42/2.43 use; they follow master here.
    const message = S.profileInfo.oauth2 ? `No identifiable object with id \`${uid}\` exists` : `IdentifiableObject with id ${uid} could not be found.`;
    return sendWebMessage(res, 404, { message, errorCode: 'E1005' });
  }
  // §4.3: default fields `*`; `href` is the link of the object's real type (tells the client the resource).
  const spec = parseFields(url.searchParams.getAll('fields').join(',') || '*');
  return sendJson(res, 200, project(hit.o, spec, hrefCtx(S)));
}

// ----- /api/metadata (dhis2-analytics.md §4.2) -----

export function metadataExport(S, req, res, url, isSuper, systemInfo) {
  const sp = url.searchParams;
  const all = Object.keys(METADATA_COLLECTIONS).filter((k) => isSuper || !METADATA_COLLECTIONS[k].superOnly);
  let types = all.filter((k) => sp.get(k) === 'true');
  // §4.2: with no type selected, every metadata type is exported.
  if (!types.length) types = all.filter((k) => sp.get(k) !== 'false');
  const fields = sp.getAll('fields').join(',') || ':owner'; // §4.2: default fields :owner
  const sections = [];
  try {
    for (const t of types) {
      const own = sp.has(`${t}:filter`) || sp.has(`${t}:order`);
      // §4.2: the global `filter` only applies to a type without its own :filter/:order; rootJunction is
      // ignored on /api/metadata (dhis2-server.md §6.6).
      const filters = own ? sp.getAll(`${t}:filter`) : sp.getAll('filter');
      let list = applyFilters(defaultOrder(METADATA_COLLECTIONS[t].items(S)), filters, 'AND');
      list = applyOrder(list, sp.get(`${t}:order`) || (own ? null : sp.get('order')));
      if (!list.length) continue; // §4.2: empty types are left out
      sections.push([t, list, parseFields(sp.getAll(`${t}:fields`).join(',') || fields)]);
    }
  } catch (e) {
    return sendWebMessage(res, 400, { message: e.message });
  }
  const system = { id: systemInfo.systemId, rev: systemInfo.revision, version: systemInfo.version, date: dhisDate(Date.now()) };
  return streamJson(res, { system }, sections, hrefCtx(S));
}

export { UID_RE };
