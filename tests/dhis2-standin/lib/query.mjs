// Collection query parameters: fields, filter, order, paging (dhis2-server.md §6.6).
import { Obj } from './data.mjs';

const PRESETS = {
  ':identifiable': ['id', 'name', 'code', 'created', 'lastUpdated', 'lastUpdatedBy'],
  ':nameable': ['id', 'name', 'code', 'created', 'lastUpdated', 'lastUpdatedBy', 'shortName', 'description'],
  ':owner': ['*'], ':persisted': ['*'], ':simple': ['*'], ':all': ['*'],
};

// Parses "a,b[c,d[e]],!f,:identifiable" into [{name, children, exclude}]
export function parseFields(str) {
  let i = 0;
  function list() {
    const out = [];
    let cur = '';
    let children = null;
    const push = () => {
      const t = cur.trim();
      if (t || children) {
        let nm = t.replace(/~[a-zA-Z]+(\([^)]*\))?$/, ''); // ignore transformers
        const exclude = nm.startsWith('!');
        if (exclude) nm = nm.slice(1);
        if (PRESETS[nm]) PRESETS[nm].forEach((p) => out.push({ name: p, children: null, exclude: false }));
        else out.push({ name: nm, children, exclude });
      }
      cur = ''; children = null;
    };
    while (i < str.length) {
      const c = str[i++];
      if (c === ',') push();
      else if (c === '[' || c === '(') children = list();
      else if (c === ']' || c === ')') { push(); return out; }
      else cur += c;
    }
    push();
    return out;
  }
  return list();
}

function isRef(v) { return v instanceof Obj || (v && typeof v === 'object' && !Array.isArray(v) && v.id && Object.getPrototypeOf(v) === Obj.prototype); }

function renderValue(v, children) {
  if (v == null) return undefined;
  if (Array.isArray(v)) return v.map((x) => renderValue(x, children)).filter((x) => x !== undefined);
  if (v instanceof Obj) return children ? project(v, children) : { id: v.id };
  if (typeof v === 'object') return children ? project(v, children) : project(v, [{ name: '*' }]);
  return v;
}

export function project(obj, spec) {
  const out = {};
  const excludes = new Set(spec.filter((s) => s.exclude).map((s) => s.name));
  const all = spec.some((s) => !s.exclude && s.name === '*');
  const named = new Map();
  for (const s of spec) if (!s.exclude && s.name !== '*') named.set(s.name, s.children);
  const keys = all ? [...new Set([...Object.keys(obj), ...named.keys()])] : [...named.keys()];
  for (const k of keys) {
    if (excludes.has(k) || k.startsWith('__')) continue;
    const v = renderValue(obj[k], named.get(k) || null);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

// Resolve a property path (a.b.c) to the list of values (arrays fan out).
function resolve(obj, path) {
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
      const words = lc.split(/\s+/).filter(Boolean);
      const hit = any((v) => {
        const tokens = str(v).toLowerCase().split(/[\s\-_/()]+/);
        return words.every((w) => tokens.some((t) => t.startsWith(w)));
      });
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
  const or = String(rootJunction).toUpperCase() === 'OR';
  return items.filter((it) => {
    const results = parsed.map(({ prop, op, value }) => {
      if (prop === 'identifiable') {
        return ['id', 'code', 'name'].some((p) => test(op, resolve(it, p), value));
      }
      return test(op, resolve(it, prop), value);
    });
    return or ? results.some(Boolean) : results.every(Boolean);
  });
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
