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

export function buildData({ size = 'small', variant = 'main' } = {}) {
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
  // "ANC 1st visit" keeps the Sierra Leone demo UID used throughout dhis2-analytics.md (§1.3).
  const anc1 = dataElements.find((d) => d.name === 'ANC 1st visit');
  used.add(FIXED.anc1st);
  anc1.id = FIXED.anc1st;

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

  const data = { orgUnits, root, dataElements, indicators, dataSets, programs, catCombo, uid };
  addAnalystData(data, { size });
  if (variant === 'alt') applyAltVariant(data);
  return data;
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
  const bo = data.root.children.find((o) => o.name === 'Bo');
  const users = defs.map((d) => new Obj('user', {
    id: d.id, code: d.key === 'admin' ? 'admin' : undefined, username: d.username, name: `${d.firstName} ${d.surname}`,
    displayName: `${d.firstName} ${d.surname}`, firstName: d.firstName, surname: d.surname, email: d.email,
    disabled: !!d.disabled, accountExpiry: undefined, created: '2012-11-21T11:02:04.303', lastUpdated: '2024-06-18T10:25:13.457',
    lastLogin: '2025-01-05T08:00:00.000', userRoles: [d.superuser ? superRole : dataRole],
    // The analyst is a district user: Bo for data capture and data view (dhis2-analytics.md §5: USER_ORGUNIT
    // resolves to the capture units, analytics access checks use the data-view units).
    organisationUnits: d.key === 'analyst' && bo ? [bo] : [data.root],
    dataViewOrganisationUnits: d.key === 'analyst' && bo ? [bo] : [data.root], teiSearchOrganisationUnits: [],
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

// ---------------------------------------------------------------------------------------------
// Analyst data: the objects that search, the org-unit tree and analytics tests rely on. Every UID
// here is fixed (valid 11-character DHIS2 UIDs); the Sierra Leone demo's own UIDs are used where
// dhis2-analytics.md quotes them (districts, levels, ANC 1st visit, ANC 1 Coverage, Fixed/Outreach).
// ---------------------------------------------------------------------------------------------
export const FIXED = {
  anc1st: 'fbfJHSPpUQD', // DE "ANC 1st visit" (dhis2-analytics.md §1.3)
  malariaConfirmed: 'Mc9Pq2Lx7Ta', // DE "Malaria cases confirmed"
  malariaDeaths: 'Md4Rt8Vk1Yb', // DE "Malaria deaths"
  malariaSuspected: 'Ms6Hn3Wj5Qc', // DE "Malaria cases suspected"
  population: 'Tp2Gf6Nm8Re', // DE "Total population"
  malariaIncidence: 'Mi7Jz5Bq3Xd', // IN "Malaria incidence rate"
  malariaFatality: 'Mf3Kd9Cs1We', // IN "Malaria case fatality rate"
  anc1Coverage: 'Uvn6LCg7dVU', // IN "ANC 1 Coverage" (dhis2-analytics.md §1.3)
  malariaProgram: 'Mp1Vx8Lr4Ua', // PR "Malaria case registration"
  malariaPositivePi: 'Mq5Tz2Hy9Ib', // PI "Malaria positive cases"
  malariaActPi: 'Mt8Ua3Iz0Jc', // PI "Malaria cases treated with ACT"
  malariaDataSet: 'Mm2Ds7Kq9Rf', // DS "Malaria monthly"
  perCent: 'JkWynlWMjJR', perThousand: 'Wz7nRtd2Kd0', // indicator types
  levels: { National: 'H1KlN4QIauv', District: 'wjP19dkFeIk', Chiefdom: 'tTUf91fCytl', Section: 'Sc5LvlQ4xPa', Facility: 'm9lBJogzE95' },
  districts: {
    Bo: 'O6uvpzGd5pu', Bombali: 'fdc6uOvgoji', Bonthe: 'lc3eMKXaEfw', Kailahun: 'jUb8gELQApl', Kambia: 'PMa2VCrupOd',
    Kenema: 'kJq2mPyFEHo', Koinadugu: 'qhqAxPSTUXp', Kono: 'Vth0fbpFcsO', Moyamba: 'jmIPBj66vD6', 'Port Loko': 'TEQlaapDQoK',
    Pujehun: 'bL4ooGhyHRQ', Tonkolili: 'eIQbndfxQMb', 'Western Area': 'at6UHUQatSo',
  },
  ouGroups: { CHC: 'CXw2yu5fodb', CHP: 'uYxK4wmcPqA', MCHP: 'EYbopBOJWsW', Hospital: 'tDZVQ1WtwpA', Clinic: 'RXL3lPSK8oG' },
  // Category model: default + "Location Fixed/Outreach" (ANC data elements) + "Gender" (malaria cases/deaths).
  defaultCategory: 'GLevLNI9wkl', defaultOption: 'xYerKDKCefk', defaultCoc: 'HllvX50cXC0',
  locationCategory: 'lOc5Hy2NbVc', locationCombo: 'lFo7Ks4PdYe', fixedOption: 'fCoXd1L9qWe', outreachOption: 'oRt2Kp8ZvMn',
  fixedCoc: 'pq2XI5kz2BY', outreachCoc: 'PT59n8BQbqM',
  genderCategory: 'gEn6Jt3McXd', genderCombo: 'gNd8Lu5QeZf', maleOption: 'mAl3Qx7RkTs', femaleOption: 'fEm4Wz6YpLu',
  maleCoc: 'mCc9Mv6RfAg', femaleCoc: 'fCc0Nw7SgBh',
};

// The `--data alt` instance (a "second server"): same kind of data, but these objects have another
// UID (same code and name), and these are missing. Exposed in /__standin/fixtures as `dataVariant`.
export const ALT_CHANGED = {
  [FIXED.malariaConfirmed]: 'Kc9Pq2Lx7Tz', [FIXED.malariaIncidence]: 'Ki7Jz5Bq3Xz', [FIXED.malariaProgram]: 'Kp1Vx8Lr4Uz',
  [FIXED.districts.Bombali]: 'Kdc6uOvgojz',
};
export const ALT_MISSING = [FIXED.malariaDeaths, FIXED.malariaFatality, FIXED.malariaActPi, FIXED.malariaDataSet, FIXED.districts.Koinadugu];

const FIXED_STAMP = { created: '2013-03-04T10:12:44.512', lastUpdated: '2024-05-16T08:30:11.204' };

function named(type, id, nm, extra = {}) {
  return new Obj(type, { id, code: extra.code, name: nm, shortName: nm.slice(0, 50), displayName: nm, displayShortName: nm.slice(0, 50), ...FIXED_STAMP, ...extra });
}

function addAnalystData(data, { size }) {
  const { orgUnits, root, dataElements, indicators, dataSets, programs, catCombo } = data;
  const rand = prng(size === 'large' ? 9090 : 9191);

  // Org units: the demo's district UIDs, then paths recomputed (orgUnits is in breadth-first order).
  for (const ou of root.children) {
    const id = FIXED.districts[ou.name];
    if (id) ou.id = id;
  }
  for (const ou of orgUnits) {
    ou.path = ou.parent ? `${ou.parent.path}/${ou.id}` : `/${ou.id}`;
    ou.leaf = ou.children.length === 0; // OrganisationUnit.isLeaf() (dhis2-analytics.md §5)
    ou.organisationUnitGroups = [];
  }
  const depth = orgUnits[orgUnits.length - 1].level; // breadth-first: the last unit is on the deepest level
  const levelNames = depth === 5 ? ['National', 'District', 'Chiefdom', 'Section', 'Facility'] : ['National', 'District', 'Chiefdom', 'Facility'];
  data.orgUnitLevels = levelNames.map((nm, i) => new Obj('organisationUnitLevel', {
    id: FIXED.levels[nm], name: nm, displayName: nm, level: i + 1, offlineLevels: undefined, ...FIXED_STAMP,
  }));
  data.orgUnitGroups = Object.entries(FIXED.ouGroups).map(([nm, id]) => named('organisationUnitGroup', id, nm, {
    code: nm.toUpperCase(), organisationUnits: [],
  }));
  const groupByName = new Map(data.orgUnitGroups.map((g) => [g.name, g]));
  for (const ou of orgUnits) {
    if (!ou.leaf) continue;
    const m = / (CHC|MCHP|CHP|Hospital|Clinic) \d+$/.exec(ou.name);
    const g = m && groupByName.get(m[1]);
    if (g) { g.organisationUnits.push(ou); ou.organisationUnitGroups = [g]; }
  }

  // Category model.
  const opt = (id, nm) => named('categoryOption', id, nm, { code: nm.toUpperCase(), startDate: undefined, endDate: undefined });
  const defaultOpt = opt(FIXED.defaultOption, 'default');
  const fixedOpt = opt(FIXED.fixedOption, 'Fixed');
  const outreachOpt = opt(FIXED.outreachOption, 'Outreach');
  const maleOpt = opt(FIXED.maleOption, 'Male');
  const femaleOpt = opt(FIXED.femaleOption, 'Female');
  const cat = (id, nm, options) => named('category', id, nm, { code: nm.toUpperCase().replace(/\W+/g, '_'), dataDimensionType: 'DISAGGREGATION', categoryOptions: options });
  const defaultCat = cat(FIXED.defaultCategory, 'default', [defaultOpt]);
  const locationCat = cat(FIXED.locationCategory, 'Location Fixed/Outreach', [fixedOpt, outreachOpt]);
  const genderCat = cat(FIXED.genderCategory, 'Gender', [maleOpt, femaleOpt]);
  const coc = (id, nm, options) => new Obj('categoryOptionCombo', { id, code: nm.toUpperCase(), name: nm, displayName: nm, ignoreApproval: false, categoryOptions: options, ...FIXED_STAMP });
  const defaultCoc = coc(FIXED.defaultCoc, 'default', [defaultOpt]);
  const fixedCoc = coc(FIXED.fixedCoc, 'Fixed', [fixedOpt]);
  const outreachCoc = coc(FIXED.outreachCoc, 'Outreach', [outreachOpt]);
  const maleCoc = coc(FIXED.maleCoc, 'Male', [maleOpt]);
  const femaleCoc = coc(FIXED.femaleCoc, 'Female', [femaleOpt]);
  Object.assign(catCombo, { code: 'default', shortName: 'default', dataDimensionType: 'DISAGGREGATION', categories: [defaultCat], categoryOptionCombos: [defaultCoc], ...FIXED_STAMP });
  const locationCombo = named('categoryCombo', FIXED.locationCombo, 'Location Fixed/Outreach', { code: 'LOCATION_FIXED_OUTREACH', dataDimensionType: 'DISAGGREGATION', categories: [locationCat], categoryOptionCombos: [fixedCoc, outreachCoc] });
  const genderCombo = named('categoryCombo', FIXED.genderCombo, 'Gender', { code: 'GENDER', dataDimensionType: 'DISAGGREGATION', categories: [genderCat], categoryOptionCombos: [maleCoc, femaleCoc] });
  for (const c of [defaultCoc, fixedCoc, outreachCoc]) c.categoryCombo = c === defaultCoc ? catCombo : locationCombo;
  for (const c of [maleCoc, femaleCoc]) c.categoryCombo = genderCombo;
  data.categoryOptions = [defaultOpt, fixedOpt, outreachOpt, maleOpt, femaleOpt];
  data.categories = [defaultCat, locationCat, genderCat];
  data.categoryCombos = [catCombo, locationCombo, genderCombo];
  data.categoryOptionCombos = [defaultCoc, fixedCoc, outreachCoc, maleCoc, femaleCoc];
  for (const de of dataElements) if (/^ANC /.test(de.name)) de.categoryCombo = locationCombo;

  // Malaria data elements and the population denominator.
  const de = (id, nm, code, combo, extra = {}) => named('dataElement', id, nm, {
    code, description: `Number of ${nm.toLowerCase()}`, formName: nm, valueType: 'NUMBER', aggregationType: 'SUM', domainType: 'AGGREGATE',
    zeroIsSignificant: false, categoryCombo: combo, dataSets: [], ...extra,
  });
  const malariaDes = [
    de(FIXED.malariaConfirmed, 'Malaria cases confirmed', 'DE_MAL_CONF', genderCombo),
    de(FIXED.malariaDeaths, 'Malaria deaths', 'DE_MAL_DEATH', genderCombo),
    de(FIXED.malariaSuspected, 'Malaria cases suspected', 'DE_MAL_SUSP', catCombo),
  ];
  const population = de(FIXED.population, 'Total population', 'DE_POP', catCombo, { aggregationType: 'AVERAGE_SUM_ORG_UNIT', description: 'Total population' });
  dataElements.push(...malariaDes, population);
  dataElements.sort((a, b) => a.name.localeCompare(b.name));
  const malariaDs = named('dataSet', FIXED.malariaDataSet, 'Malaria monthly', {
    code: 'DS_MAL', periodType: 'Monthly', openFuturePeriods: 0, expiryDays: 0, categoryCombo: catCombo,
    dataSetElements: malariaDes.map((d) => ({ dataElement: d })),
  });
  for (const d of malariaDes) d.dataSets.push(malariaDs);
  dataSets.push(malariaDs);

  // Indicators: types, the three named ones, and a type on every generated indicator.
  const perCent = named('indicatorType', FIXED.perCent, 'Per cent', { factor: 100, number: false });
  const perThousand = named('indicatorType', FIXED.perThousand, 'Per thousand', { factor: 1000, number: false });
  data.indicatorTypes = [perCent, perThousand];
  for (const ind of indicators) ind.indicatorType = perCent;
  const ind = (id, nm, code, num, den, type, extra = {}) => named('indicator', id, nm, {
    code, numerator: num, numeratorDescription: extra.nd, denominator: den, denominatorDescription: extra.dd,
    annualized: !!extra.annualized, decimals: extra.decimals, indicatorType: type,
  });
  indicators.push(
    ind(FIXED.malariaIncidence, 'Malaria incidence rate', 'IN_MAL_INC', `#{${FIXED.malariaConfirmed}}`, `#{${FIXED.population}}`, perThousand, { nd: 'Malaria cases confirmed', dd: 'Total population', annualized: true }),
    ind(FIXED.malariaFatality, 'Malaria case fatality rate', 'IN_MAL_CFR', `#{${FIXED.malariaDeaths}}`, `#{${FIXED.malariaConfirmed}}`, perCent, { nd: 'Malaria deaths', dd: 'Malaria cases confirmed', decimals: 1 }),
    ind(FIXED.anc1Coverage, 'ANC 1 Coverage', 'IN_ANC1_COV', `#{${FIXED.anc1st}}`, `#{${FIXED.population}}`, perCent, { nd: 'ANC 1st visit', dd: 'Total population', annualized: true }),
  );
  indicators.sort((a, b) => a.name.localeCompare(b.name));

  // Programs and program indicators.
  const malariaProgram = named('program', FIXED.malariaProgram, 'Malaria case registration', {
    code: 'PR_MAL_REG', programType: 'WITH_REGISTRATION', version: 3,
  });
  programs.push(malariaProgram);
  programs.sort((a, b) => a.name.localeCompare(b.name));
  const pi = (id, nm, program, extra = {}) => named('programIndicator', id, nm, {
    code: extra.code, description: extra.description, program, analyticsType: 'EVENT', aggregationType: extra.aggregationType || 'COUNT',
    expression: extra.expression || 'V{event_count}', filter: extra.filter, decimals: extra.decimals,
  });
  const piUid = () => uidFrom(rand);
  const byName = (n) => programs.find((p) => p.name === n);
  data.programIndicators = [
    pi(FIXED.malariaPositivePi, 'Malaria positive cases', malariaProgram, { code: 'PI_MAL_POS', filter: "#{hYyB7FUS5eR.vANAXwtLwcT} == 'Positive'" }),
    pi(FIXED.malariaActPi, 'Malaria cases treated with ACT', malariaProgram, { code: 'PI_MAL_ACT' }),
    pi(piUid(), 'Average age at visit', byName('Antenatal care visit'), { aggregationType: 'AVERAGE', expression: 'd2:yearsBetween(A{iESIqZ0R0R0},V{event_date})', decimals: 1 }),
    pi(piUid(), 'ANC visits (tracker)', byName('Antenatal care visit')),
    pi(piUid(), 'Children registered under 5', byName('Child Programme'), { analyticsType: 'ENROLLMENT' }),
    pi(piUid(), 'BCG doses (tracker)', byName('Child Programme')),
    pi(piUid(), 'Malaria focus investigations completed', byName('Malaria focus investigation')),
    pi(piUid(), 'TB cases notified', byName('TB program')),
    pi(piUid(), 'Contraceptive vouchers redeemed', byName('Contraceptives Voucher Program')),
    pi(piUid(), 'Inpatient deaths', byName('Inpatient morbidity and mortality')),
  ].sort((a, b) => a.name.localeCompare(b.name));
}

// Applies the `--data alt` differences (see ALT_CHANGED / ALT_MISSING).
function applyAltVariant(data) {
  const collections = ['orgUnits', 'dataElements', 'indicators', 'dataSets', 'programs', 'programIndicators'];
  const typeOf = { orgUnits: 'organisationUnit', dataElements: 'dataElement', indicators: 'indicator', dataSets: 'dataSet', programs: 'program', programIndicators: 'programIndicator' };
  const changed = [];
  const missing = [];
  for (const c of collections) {
    for (const o of data[c]) {
      const alt = ALT_CHANGED[o.id];
      if (alt) { changed.push({ type: typeOf[c], name: o.name, code: o.code, mainId: o.id, altId: alt }); o.id = alt; }
    }
  }
  const gone = new Set();
  for (const c of collections) {
    for (const o of data[c]) if (ALT_MISSING.includes(o.id)) { missing.push({ type: typeOf[c], name: o.name, code: o.code, id: o.id }); gone.add(o); }
  }
  // An org unit goes with its whole subtree.
  const goneOu = (ou) => { for (let p = ou; p; p = p.parent) if (gone.has(p)) return true; return false; };
  data.orgUnits = data.orgUnits.filter((o) => !goneOu(o));
  for (const ou of data.orgUnits) {
    ou.path = ou.parent ? `${ou.parent.path}/${ou.id}` : `/${ou.id}`;
    if (ou.children.some((k) => gone.has(k))) ou.children = ou.children.filter((k) => !gone.has(k));
  }
  const alive = new Set(data.orgUnits);
  for (const g of data.orgUnitGroups) g.organisationUnits = g.organisationUnits.filter((o) => alive.has(o));
  for (const c of ['dataElements', 'indicators', 'dataSets', 'programs', 'programIndicators']) data[c] = data[c].filter((o) => !gone.has(o));
  for (const ds of data.dataSets) ds.dataSetElements = ds.dataSetElements.filter((x) => !gone.has(x.dataElement));
  for (const de of data.dataElements) de.dataSets = de.dataSets.filter((x) => !gone.has(x));
  const swap = (expr) => expr && expr.replace(/[A-Za-z][A-Za-z0-9]{10}/g, (u) => ALT_CHANGED[u] || u);
  for (const i of data.indicators) { i.numerator = swap(i.numerator); i.denominator = swap(i.denominator); }
  data.variant = { name: 'alt', changed, missing };
}
