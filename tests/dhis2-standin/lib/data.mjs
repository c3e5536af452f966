// Deterministic seeded demo data, shaped like the Sierra Leone demo (dhis2-server.md §8).
import { prng, uidFrom, dhisDate } from './util.mjs';

// Metadata objects are instances of Obj; references between objects are rendered as {id} unless
// the `fields` parameter asks for nested properties.
export class Obj {
  constructor(type, props) { Object.defineProperty(this, '__type', { value: type, enumerable: false }); Object.assign(this, props); }
}

const DISTRICTS = ['Bo', 'Bombali', 'Bonthe', 'Kailahun', 'Kambia', 'Kenema', 'Koinadugu', 'Kono', 'Moyamba',
  'Port Loko', 'Pujehun', 'Tonkolili', 'Western Area'];
const SYL = ['Ba', 'Bo', 'Ka', 'Ke', 'Ko', 'Ma', 'Mo', 'Nja', 'Ngo', 'Sa', 'Se', 'Ta', 'To', 'Wa', 'Yo', 'Gba', 'Lu', 'Pe', 'Ji', 'Da'];
const FACILITY = ['CHC', 'MCHP', 'CHP', 'Hospital', 'Clinic'];
const DE_STEMS = ['ANC 1st visit', 'ANC 2nd visit', 'ANC 3rd visit', 'ANC 4th or more visits', 'BCG doses given',
  'Measles doses given', 'Malaria treated', 'Malaria referrals', 'Penta1 doses given', 'Penta2 doses given',
  'Penta3 doses given', 'OPV1 doses given', 'Yellow fever doses given', 'Live births', 'Still births',
  'Deliveries in facility', 'Deliveries by TBA', 'IPT 1st dose', 'IPT 2nd dose', 'LLITN given', 'Vitamin A given',
  'Weight for age', 'Diarrhoea cases', 'Pneumonia cases', 'Fever cases', 'TB cases', 'HIV tests', 'Family planning visits'];
const AGES = ['', ' <1y', ' 1-4y', ' 5-14y', ' 15y+', ' female', ' male', ' (outreach)', ' (fixed)', ' (referred)', ' (community)'];

const BASE_TIME = Date.UTC(2012, 10, 14, 9, 0, 0, 0);

function name(rand, n = 2) {
  let s = '';
  for (let i = 0; i < n; i++) s += SYL[Math.floor(rand() * SYL.length)].toLowerCase();
  return s[0].toUpperCase() + s.slice(1);
}

function stamp(rand) {
  return {
    created: dhisDate(BASE_TIME + Math.floor(rand() * 86400000 * 400)),
    lastUpdated: dhisDate(BASE_TIME + 86400000 * 400 + Math.floor(rand() * 86400000 * 2000)),
  };
}

export function buildData({ size = 'small' } = {}) {
  const rand = prng(size === 'large' ? 4242 : 2012);
  const used = new Set();
  const uid = () => { let u; do u = uidFrom(rand); while (used.has(u)); used.add(u); return u; };
  const admin = { id: 'xE7jOejl9FI' };
  used.add(admin.id);

  // Org units: small = 1 + 13 + 156 + 1152 (about 1.3k in 4 levels); large = 5 levels, about 380k units (>= 50 MB as id,name,path,level,parent[id]).
  const shape = size === 'large' ? [1, 13, 12, 20, 120] : [1, 13, 12, 8];
  const orgUnits = [];
  const root = new Obj('organisationUnit', {
    id: 'ImspTQPwCqd', code: 'OU_525', name: 'Sierra Leone', shortName: 'Sierra Leone', displayName: 'Sierra Leone',
    displayShortName: 'Sierra Leone', level: 1, path: '/ImspTQPwCqd', openingDate: '1994-01-01T00:00:00.000',
    ...stamp(rand),
  });
  used.add(root.id);
  orgUnits.push(root);
  let frontier = [root];
  for (let level = 2; level <= shape.length; level++) {
    const next = [];
    let counter = 0;
    for (const parent of frontier) {
      const n = shape[level - 1];
      const kids = [];
      for (let i = 0; i < n; i++) {
        counter++;
        let nm;
        if (level === 2) nm = DISTRICTS[i];
        else if (level === shape.length) nm = `${name(rand, 2)} ${FACILITY[Math.floor(rand() * FACILITY.length)]} ${counter}`;
        else nm = `${name(rand, 3)} ${level === 3 ? 'Chiefdom' : 'Section'} ${counter}`;
        const id = uid();
        const ou = new Obj('organisationUnit', {
          id, code: `OU_${level}_${counter}`, name: nm, shortName: nm.slice(0, 50), displayName: nm,
          displayShortName: nm.slice(0, 50), level, path: `${parent.path}/${id}`, parent,
          openingDate: '1970-01-01T00:00:00.000', ...stamp(rand),
        });
        kids.push(ou);
        next.push(ou);
        orgUnits.push(ou);
      }
      parent.children = kids;
    }
    frontier = next;
  }
  for (const leaf of frontier) leaf.children = [];

  const catCombo = new Obj('categoryCombo', { id: 'bjDvmb4bfuf', name: 'default', displayName: 'default' });

  const dataElements = [];
  let k = 0;
  for (const stem of DE_STEMS) {
    for (const age of AGES) {
      k++;
      const nm = `${stem}${age}`;
      dataElements.push(new Obj('dataElement', {
        id: uid(), code: `DE_${k}`, name: nm, shortName: nm.slice(0, 50), displayName: nm, displayShortName: nm.slice(0, 50),
        description: k % 3 === 0 ? `Number of ${nm.toLowerCase()}` : undefined,
        formName: k % 2 === 0 ? nm : undefined,
        valueType: k % 7 === 0 ? 'TEXT' : 'NUMBER', aggregationType: 'SUM', domainType: k % 9 === 0 ? 'TRACKER' : 'AGGREGATE',
        zeroIsSignificant: false, categoryCombo: catCombo, ...stamp(rand),
      }));
    }
  }
  dataElements.sort((a, b) => a.name.localeCompare(b.name));

  const indicators = [];
  for (let i = 0; i < 80; i++) {
    const a = dataElements[(i * 7) % dataElements.length];
    const b = dataElements[(i * 11 + 3) % dataElements.length];
    const nm = `${a.name} rate ${i + 1}`;
    indicators.push(new Obj('indicator', {
      id: uid(), code: `IN_${i + 1}`, name: nm, shortName: nm.slice(0, 50), displayName: nm, displayShortName: nm.slice(0, 50),
      numerator: `#{${a.id}}`, denominator: `#{${b.id}}`, annualized: i % 4 === 0, decimals: 1, ...stamp(rand),
    }));
  }

  const dataSets = [];
  const dsNames = ['Child Health', 'Clinical Monitoring Checklist', 'Death Registration', 'EPI Stock', 'Expenditures',
    'Life-Saving Commodities', 'Mortality < 5 years', 'PMTCT monthly summary', 'Population', 'Reproductive Health',
    'Staffing', 'TB/HIV (VCCT) monthly summary', 'Morbidity', 'Malaria annual data', 'Facility Assessment',
    'IDSR weekly', 'Emergency Response', 'Inpatient morbidity', 'Nutrition', 'Vaccination'];
  dsNames.forEach((nm, i) => {
    const des = dataElements.filter((_, j) => j % dsNames.length === i);
    const ds = new Obj('dataSet', {
      id: uid(), code: `DS_${i + 1}`, name: nm, shortName: nm.slice(0, 50), displayName: nm, displayShortName: nm.slice(0, 50),
      periodType: i % 5 === 0 ? 'Quarterly' : 'Monthly', openFuturePeriods: 0, expiryDays: 0, categoryCombo: catCombo,
      dataSetElements: des.map((de) => ({ dataElement: de })), ...stamp(rand),
    });
    for (const de of des) (de.dataSets ||= []).push(ds);
    dataSets.push(ds);
  });
  for (const de of dataElements) de.dataSets ||= [];

  const programs = [];
  const pNames = ['Antenatal care visit', 'Child Programme', 'Contraceptives Voucher Program', 'Information Campaign',
    'Inpatient morbidity and mortality', 'Malaria case diagnosis', 'Malaria focus investigation', 'MNCH / PNC (Adult Woman)',
    'Provider Follow-up and Support Tool', 'TB program', 'WHO RMNCH Tracker', 'XX MAL RDT - Case Registration'];
  pNames.forEach((nm, i) => programs.push(new Obj('program', {
    id: uid(), code: `PR_${i + 1}`, name: nm, shortName: nm.slice(0, 50), displayName: nm, displayShortName: nm.slice(0, 50),
    programType: i % 3 === 0 ? 'WITHOUT_REGISTRATION' : 'WITH_REGISTRATION', version: 1 + (i % 4), ...stamp(rand),
  })));

  return { orgUnits, root, dataElements, indicators, dataSets, programs, catCombo, uid };
}

// Seeded users (dhis2-server.md §8; §5 for locked / disabled / 2FA behaviour).
export function buildUsers(data) {
  const defs = [
    { key: 'admin', id: 'xE7jOejl9FI', username: 'admin', password: 'district', firstName: 'John', surname: 'Traore',
      email: 'dummy@dhis2.org', superuser: true },
    { key: 'analyst', id: 'DXyJmlo9rge', username: 'android', password: 'Android123', firstName: 'John', surname: 'Barnes',
      email: 'android@dhis2.org', superuser: false },
    { key: 'locked', id: 'LcKdUsr0001', username: 'locked', password: 'Locked123', firstName: 'Lucy', surname: 'Locked',
      email: 'locked@dhis2.org', superuser: false, locked: true },
    { key: 'disabled', id: 'DsbldUsr001', username: 'disabled', password: 'Disabled123', firstName: 'Dan', surname: 'Disabled',
      email: 'disabled@dhis2.org', superuser: false, disabled: true },
    { key: 'twofa', id: 'TwFaUsr0001', username: 'twofa', password: 'TwoFactor123', firstName: 'Tess', surname: 'Twofactor',
      email: 'twofa@dhis2.org', superuser: false, twoFactor: true, twoFactorCode: '123456' },
  ];
  const superRole = new Obj('userRole', { id: 'yrB6vc5Ip3r', name: 'Superuser', displayName: 'Superuser' });
  const dataRole = new Obj('userRole', { id: 'Euq3XfEIEbx', name: 'Data entry clerk', displayName: 'Data entry clerk' });
  const users = defs.map((d) => new Obj('user', {
    id: d.id, code: d.key === 'admin' ? 'admin' : undefined, username: d.username, name: `${d.firstName} ${d.surname}`,
    displayName: `${d.firstName} ${d.surname}`, firstName: d.firstName, surname: d.surname, email: d.email,
    disabled: !!d.disabled, accountExpiry: undefined, created: '2012-11-21T11:02:04.303', lastUpdated: '2024-06-18T10:25:13.457',
    lastLogin: '2025-01-05T08:00:00.000', userRoles: [d.superuser ? superRole : dataRole],
    organisationUnits: [data.root], dataViewOrganisationUnits: [data.root], teiSearchOrganisationUnits: [],
  }));
  const byUsername = new Map();
  defs.forEach((d, i) => {
    const u = users[i];
    Object.defineProperty(u, '__auth', { value: { ...d }, enumerable: false });
    byUsername.set(d.username, u);
  });
  return { users, byUsername, defs, superRole, dataRole };
}

export const ALL_AUTHORITIES = ['ALL', 'F_OAUTH2_CLIENT_MANAGE', 'F_USER_VIEW', 'F_METADATA_EXPORT', 'M_dhis-web-dashboard'];
export const ANALYST_AUTHORITIES = ['M_dhis-web-dashboard', 'M_dhis-web-data-visualizer', 'F_DATAVALUE_ADD'];
