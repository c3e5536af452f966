// Collection query parameters: fields, filter, order, paging (dhis2-server.md §6.6).
import { Obj } from './data.mjs';

const PRESETS = {
  ':identifiable': ['id', 'name', 'code', 'created', 'lastUpdated', 'lastUpdatedBy'],
  ':nameable': ['id', 'name', 'code', 'created', 'lastUpdated', 'lastUpdatedBy', 'shortName', 'description'],
  ':owner': ['*'], ':persisted': ['*'], ':simple': ['*'], ':all': ['*'],
};

// Parses "a,b[c,d[e]],!f,:identifiable,children~size~rename(childCount)" into
// [{name, children, exclude, transformers:[{name, args}]}] (dhis2-server.md §6.6 `fields=` syntax).
export function parseFields(str) {
  let i = 0;
  const readName = () => { let s = ''; while (i < str.length && !',[]()~'.includes(str[i])) s += str[i++]; return s.trim(); };
  const readArgs = () => {
    let s = '';
    let depth = 1;
    while (i < str.length) {
      const c = str[i++];
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
      s += c;
    }
    return s;
  };
  function list() {
    const out = [];
    while (i < str.length) {
      const c = str[i];
      if (c === ',') { i++; continue; }
      if (c === ']' || c === ')') { i++; return out; }
      let nm = readName();
      let children = null;
      const transformers = [];
      while (i < str.length) {
        const d = str[i];
        if (d === '[' || d === '(') { i++; children = list(); } else if (d === '~') {
          i++;
          const t = readName();
          let args;
          if (str[i] === '(') { i++; args = readArgs(); }
          transformers.push({ name: t, args });
        } else break;
      }
      const exclude = nm.startsWith('!');
      if (exclude) nm = nm.slice(1);
      if (!nm && !children) continue;
      if (PRESETS[nm]) PRESETS[nm].forEach((p) => out.push({ name: p, children: null, exclude: false, transformers: [] }));
      else out.push({ name: nm, children, exclude, transformers });
    }
    return out;
  }
  return list();
}

function renderValue(v, children, ctx) {
  if (v == null) return undefined;
  if (Array.isArray(v)) return v.map((x) => renderValue(x, children, ctx)).filter((x) => x !== undefined);
  if (v instanceof Obj) return children ? project(v, children, ctx) : { id: v.id };
  if (typeof v === 'object') return project(v, children || STAR, ctx);
  return v;
}

// Field transformers (dhis2-server.md §6.6): ~size, ~isEmpty, ~isNotEmpty, ~pluck[(f)], ~rename(n).
// ~keyBy and ~paging are not implemented (the value passes through unchanged).
function transform(raw, rendered, transformers) {
  let v = rendered;
  let key;
  for (const t of transformers) {
    const arr = Array.isArray(raw) ? raw : raw == null ? [] : null;
    if (t.name === 'size') v = arr ? arr.length : typeof raw === 'string' ? raw.length : v;
    else if (t.name === 'isEmpty') v = arr ? arr.length === 0 : !raw;
    else if (t.name === 'isNotEmpty') v = arr ? arr.length > 0 : !!raw;
    else if (t.name === 'pluck') v = arr ? arr.map((x) => (x == null ? x : x[t.args || 'id'])) : v;
    else if (t.name === 'rename' && t.args) key = t.args;
  }
  return { v, key };
}

const STAR = [{ name: '*' }];

// A field spec compiled once (project() runs per object, ~380k times for the large org-unit list).
const compiled = new WeakMap();
function compile(spec) {
  let c = compiled.get(spec);
  if (!c) {
    const excludes = new Set(spec.filter((x) => x.exclude).map((x) => x.name));
    const named = new Map();
    for (const x of spec) if (!x.exclude && x.name !== '*') named.set(x.name, x);
    c = { excludes, named, keys: [...named.keys()].filter((k) => k !== 'href' && !k.startsWith('__') && !excludes.has(k)),
      all: spec.some((x) => !x.exclude && x.name === '*'), href: named.has('href') };
    compiled.set(spec, c);
  }
  return c;
}

// ctx.href(obj) → the object's API link, or undefined. `href` is computed when asked for by name or by `*`.
export function project(obj, spec, ctx) {
  const out = {};
  const c = compile(spec);
  let keys = c.keys;
  if (c.all) keys = [...new Set([...Object.keys(obj), ...c.keys])].filter((k) => k !== 'href' && !k.startsWith('__') && !c.excludes.has(k));
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const s = c.named.get(k);
    const raw = obj[k];
    if (raw == null) continue;
    let v = typeof raw === 'object' ? renderValue(raw, s ? s.children : null, ctx) : raw;
    let key = k;
    if (s && s.transformers && s.transformers.length) ({ v, key = k } = transform(raw, v, s.transformers));
    if (v !== undefined) out[key] = v;
  }
  if ((c.all || c.href) && !c.excludes.has('href') && ctx && ctx.href && obj instanceof Obj) {
    const h = ctx.href(obj);
    if (h) out.href = h;
  }
  return out;
}

// Resolve a property path (a.b.c) to the list of values (arrays fan out).
function resolve(obj, path) {
  // A plain property (the common case: name, code, id) without the walk: lists of 377,690 org
  // units are filtered per request.
  if (path.indexOf('.') < 0) {
    const x = obj == null ? undefined : obj[path];
    return Array.isArray(x) ? x : [x];
  }
  let vals = [obj];
  for (const p of path.split('.')) {
    const next = [];
    for (const v of vals) {
      if (v == null) continue;
      const x = v[p];
      if (Array.isArray(x)) next.push(...x); else next.push(x);
    }
    vals = next;
  }
  return vals;
}

const str = (v) => (v == null ? '' : typeof v === 'object' ? String(v.id) : String(v));

// The lower-cased id, code, name and shortName of every item of a list, four per item, made once
// per list: a search filters every org unit on these four (dhis2-analytics.md §4.1), and
// lower-casing 1.5 million strings per keystroke made the large data set's search take seconds.
// Kept beside the list, in its order (the name-sorted list visits objects all over memory; these
// strings are read in a row). Valid while the list is: the stand-in never edits metadata objects,
// and a list that changes is a new array.
const identIndex = new WeakMap();
const lowerOf = (v) => (v == null ? null : str(v).toLowerCase());
function identIndexOf(items) {
  let ix = identIndex.get(items);
  if (ix === undefined) {
    ix = new Array(items.length * 4);
    for (let i = 0; i < items.length; i++) {
      const it = items[i] ?? {};
      ix[4 * i] = lowerOf(it.id);
      ix[4 * i + 1] = lowerOf(it.code);
      ix[4 * i + 2] = lowerOf(it.name);
      ix[4 * i + 3] = lowerOf(it.shortName);
    }
    identIndex.set(items, ix);
  }
  return ix;
}

/** Makes the search index of a list now (start-up of the large data set, its name-sorted list). */
export function warmIdentifiable(items) {
  identIndexOf(items);
}

// Whether one of item i's lower-cased strings (from property `from` on) holds every word.
function identHit(ix, i, from, words) {
  for (let p = from; p < 4; p++) {
    const t = ix[4 * i + p];
    if (t === null) continue;
    let all = true;
    for (let w = 0; w < words.length && all; w++) all = t.includes(words[w]);
    if (all) return true;
  }
  return false;
}

function test(op, vals, value) {
  const present = vals.filter((v) => v != null);
  const lc = (value || '').toLowerCase();
  const any = (f) => present.some(f);
  switch (op) {
    case 'eq': return any((v) => str(v) === value);
    case 'ieq': return any((v) => str(v).toLowerCase() === lc);
    case '!eq': case 'ne': case 'neq': return !any((v) => str(v) === value);
    case 'like': return any((v) => str(v).includes(value));
    case '!like': return !any((v) => str(v).includes(value));
    case '$like': return any((v) => str(v).startsWith(value));
    case '!$like': return !any((v) => str(v).startsWith(value));
    case 'like$': return any((v) => str(v).endsWith(value));
    case '!like$': return !any((v) => str(v).endsWith(value));
    case 'ilike': return any((v) => str(v).toLowerCase().includes(lc));
    case '!ilike': return !any((v) => str(v).toLowerCase().includes(lc));
    case '$ilike': return any((v) => str(v).toLowerCase().startsWith(lc));
    case '!$ilike': return !any((v) => str(v).toLowerCase().startsWith(lc));
    case 'ilike$': return any((v) => str(v).toLowerCase().endsWith(lc));
    case '!ilike$': return !any((v) => str(v).toLowerCase().endsWith(lc));
    case 'gt': case 'ge': case 'lt': case 'le': {
      return any((v) => {
        const a = typeof v === 'number' ? v : str(v);
        const b = typeof v === 'number' ? Number(value) : value;
        return op === 'gt' ? a > b : op === 'ge' ? a >= b : op === 'lt' ? a < b : a <= b;
      });
    }
    case 'null': return present.length === 0;
    case '!null': return present.length > 0;
    case 'empty': return present.length === 0;
    case '!empty': return present.length > 0;
    case 'token': case '!token': {
      // dhis2-analytics.md §4.1: the value is lower-cased and split on non-letter/non-digit characters;
      // a property matches when it contains every token (anywhere, case-insensitive).
      const words = tokenize(value);
      const hit = any((v) => { const t = str(v).toLowerCase(); return words.every((w) => t.includes(w)); });
      return op === 'token' ? hit : !hit;
    }
    case 'in': case '!in': {
      const set = new Set(value.replace(/^\[|\]$/g, '').split(',').map((x) => x.trim()));
      const hit = any((v) => set.has(str(v)));
      return op === 'in' ? hit : !hit;
    }
    default: throw new Error(`Unknown operator: ${op}`);
  }
}

export const tokenize = (value) => (value || '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

export function parseFilter(f) {
  const i = f.indexOf(':');
  if (i < 0) throw new Error(`Invalid filter: ${f}`);
  const prop = f.slice(0, i);
  const rest = f.slice(i + 1);
  const j = rest.indexOf(':');
  const op = j < 0 ? rest : rest.slice(0, j);
  const value = j < 0 ? undefined : rest.slice(j + 1);
  return { prop, op, value };
}

export function applyFilters(items, filters, rootJunction = 'AND') {
  if (!filters.length) return items;
  const parsed = filters.map(parseFilter);
  for (const f of parsed) if (f.op === 'token' || f.op === '!token') f.words = tokenize(f.value);
  const or = String(rootJunction).toUpperCase() === 'OR';
  const ix = parsed.some((f) => f.prop === 'identifiable' && f.words) ? identIndexOf(items) : null;
  return items.filter((it, i) => {
    const results = parsed.map(({ prop, op, value, words }) => {
      if (prop === 'identifiable' && words) {
        // The search's own filter, on the list's lower-cased strings (same rule as below).
        const hit = identHit(ix, i, (value || '').length < 4 ? 1 : 0, words);
        return op === 'token' ? hit : !hit;
      }
      if (prop === 'identifiable') {
        // dhis2-analytics.md §4.1 (TokenOperator, buildIdentifiableFilter): ORed over id, code, name and
        // shortName, each property on its own holding every token; id is skipped for values under 4 characters.
        const props = (value || '').length < 4 ? ['code', 'name', 'shortName'] : ['id', 'code', 'name', 'shortName'];
        if (op.startsWith('!')) return props.every((p) => test(op, resolve(it, p), value));
        return props.some((p) => test(op, resolve(it, p), value));
      }
      return test(op, resolve(it, prop), value);
    });
    return or ? results.some(Boolean) : results.every(Boolean);
  });
}

// dhis2-analytics.md §4.1 (S53): without `order`, lists are sorted by name (case-insensitive), then id.
const defaultSorted = new WeakMap();
export function defaultOrder(items) {
  if (!items.length || items[0].name === undefined) return items;
  let sorted = defaultSorted.get(items);
  if (!sorted) {
    const keys = items.map((o) => String(o.name ?? '').toLowerCase());
    const idx = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1
      : items[a].id < items[b].id ? -1 : items[a].id > items[b].id ? 1 : 0));
    sorted = idx.map((i) => items[i]);
    defaultSorted.set(items, sorted);
  }
  return sorted;
}

export function applyOrder(items, order) {
  if (!order) return items;
  const keys = order.split(',').map((o) => {
    const [prop, dir = 'asc'] = o.split(':');
    return { prop, dir: dir.toLowerCase() };
  });
  return [...items].sort((a, b) => {
    for (const { prop, dir } of keys) {
      let x = resolve(a, prop)[0];
      let y = resolve(b, prop)[0];
      if (dir.startsWith('i')) { x = x == null ? x : String(x).toLowerCase(); y = y == null ? y : String(y).toLowerCase(); }
      if (x === y) continue;
      if (x == null) return 1;
      if (y == null) return -1;
      const c = x < y ? -1 : 1;
      return dir.endsWith('desc') ? -c : c;
    }
    return 0;
  });
}
