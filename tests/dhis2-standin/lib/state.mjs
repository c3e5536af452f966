// Server state: profile, seeded data, users, sessions, PATs, faults, request log.
import { randomBytes, randomUUID } from 'node:crypto';
import { buildData, buildUsers, FIXED } from './data.mjs';
import { makeV1, makeV2 } from './pat.mjs';
import { seededChars, sha256hex, parseCookies, prng, uidFrom } from './util.mjs';
import { OAuthServer } from './oauth.mjs';
import { defaultOrder, warmIdentifiable } from './query.mjs';
import { SETTING_DEFAULTS, USER_GROUPS } from './dcr.mjs';

// §1 version map and §9.1 profiles. The DCR fields follow dhis2-dcr.md's version matrix:
// enrollSaved: enrollDevice survives the login as the saved request (§1; not on 2.42);
// dcrScope: verbatim | filter | reject (§2 "scope"); dcrRotate: 30-day rotating refresh tokens (§4);
// dcrStrict: ss@7.0.6 checks (https jwks_uri, redirect schemes; §2); restrictedScopes: the 2.43.2+
// /api/oAuth2Clients rules (§6 table, dhis2-server.md §2.4, §9.1).
const V243 = { loginPath: '/login/', apiMin: 28, oauth2: true, loginConfig: true, userCredentials: false, meEmailVerified: true, patV2: true, plainV1: false };
export const PROFILES = {
  '2.44': { ...V243, version: '2.44.0', revision: 'a41c7e0', apiMax: 44,
    enrollSaved: true, dcrScope: 'reject', dcrRotate: true, dcrStrict: true, restrictedScopes: true },
  // 2.43.2 stands for the 2.43 branch head (dhis2-dcr.md "core@2.43 … likely 2.43.2"): filtered DCR
  // scopes and rotating 30-day refresh tokens, as the backport c4d50804c6d.
  '2.43.2': { ...V243, version: '2.43.2', revision: '7eb8226', apiMax: 43,
    enrollSaved: true, dcrScope: 'filter', dcrRotate: true, dcrStrict: false, restrictedScopes: true },
  '2.43': { version: '2.43.1', revision: '8f6a2b9', loginPath: '/login/', apiMin: 28, apiMax: 43, oauth2: true,
    loginConfig: true, userCredentials: false, meEmailVerified: true, patV2: true, plainV1: false,
    enrollSaved: true, dcrScope: 'verbatim', dcrRotate: false },
  '2.42': { version: '2.42.5.2', revision: '68de0ef', loginPath: '/dhis-web-login/', apiMin: 28, apiMax: 42, oauth2: true,
    loginConfig: true, userCredentials: false, meEmailVerified: false, patV2: true, plainV1: false,
    enrollSaved: false, dcrScope: 'verbatim', dcrRotate: false },
  '2.40': { version: '2.40.8', revision: '4f1a3c2', loginPath: '/dhis-web-commons/security/login.action', apiMin: 0, apiMax: 99,
    oauth2: false, loginConfig: false, userCredentials: true, meEmailVerified: false, patV2: false, plainV1: true },
};

export async function createState(opts) {
  const profileInfo = PROFILES[opts.profile];
  const origin = `http://127.0.0.1:${opts.port}`;
  const S = {
    opts, profileInfo, origin, ctxPath: opts.ctxPath,
    baseUrl: `${origin}${opts.ctxPath}`,
    aliasUrl: `http://localhost:${opts.port}${opts.ctxPath}`,
    startedAt: Date.now(),
    sessions: new Map(),
    faults: opts.mappingBroken ? { mappingBroken: true } : {},
    requests: [],
    seq: 0,
    uaaTokens: new Map(),
    issued: [],
    uaaGeneration: 0, // 2.40: bumped by the rotateSigningKey fault (faults.mjs)
    held: new Set(), // responses a fault keeps open (faults.mjs hold)
    // dhis2-dcr.md §1 system settings (--enrollment-allowlist, --enrollment-groups, --iat-ttl set the start values).
    settings: {
      ...SETTING_DEFAULTS,
      ...(opts.enrollmentAllowlist !== undefined ? { deviceEnrollmentRedirectAllowlist: opts.enrollmentAllowlist } : {}),
      ...(opts.enrollmentGroups !== undefined ? { deviceEnrollmentAllowedUserGroups: opts.enrollmentGroups } : {}),
      ...(opts.iatTtl ? { deviceEnrollmentIATTtlSeconds: opts.iatTtl } : {}),
    },
    dcr: { iats: new Map() }, // IAT jti -> {used, exp, sub, redirectUri}
    log: (...a) => { if (opts.verbose) console.error('[standin]', ...a); },
  };
  // --data small | large | alt (alt = small with the second-instance differences, data.mjs ALT_*).
  S.data = buildData({ size: opts.data === 'large' ? 'large' : 'small', variant: opts.data === 'alt' ? 'alt' : 'main' });
  S.users = buildUsers(S.data);
  // Sort the big org-unit list by name once at start-up (the default list order, dhis2-analytics.md §4.1), so
  // the first paging=false request of --data large does not pay for it.
  if (opts.data === 'large') defaultOrder(S.data.orgUnits);
  // Likewise the lower-cased names a search compares (query.mjs identLower): the first search would
  // otherwise take about a second.
  if (opts.data === 'large') warmIdentifiable(defaultOrder(S.data.orgUnits));
  const uidRand = prng(777);
  S.newUid = () => uidFrom(uidRand);

  // Sessions (§5.2): JSESSIONID=…; Path=/; HttpOnly; SameSite=Lax.
  S.newSession = (user) => {
    const s = { id: randomBytes(16).toString('hex').toUpperCase(), user, created: Date.now() };
    S.sessions.set(s.id, s);
    return s;
  };
  S.sessionCookie = (s) => `JSESSIONID=${s.id}; Path=/; HttpOnly; SameSite=Lax`;
  S.sessionFromCookieHeader = (h) => {
    const id = parseCookies(h).JSESSIONID;
    return id ? S.sessions.get(id) : undefined;
  };

  // Seeded PATs (§4), generated deterministically with correct checksums. Only SHA-256 hashes are kept.
  S.pats = new Map(); // hash -> token record
  S.patFixtures = {};
  const DAY = 86400000;
  const mk = (label, owner, { expire = Date.now() + 30 * DAY, attributes = [], v1 = false } = {}) => {
    const plain = profileInfo.plainV1;
    const key = v1 || !profileInfo.patV2 ? makeV1(seededChars(`pat-v1-${label}`, 32), plain) : makeV2(seededChars(`pat-v2-${label}`, 44));
    const rec = {
      id: `Pat${seededChars(`pat-uid-${label}`, 8)}`, owner, expire, attributes,
      version: 1, type: key.startsWith('d2p_') ? 'PERSONAL_ACCESS_TOKEN_V2' : plain ? 'PERSONAL_ACCESS_TOKEN' : 'PERSONAL_ACCESS_TOKEN_V1',
      created: Date.now(),
    };
    S.pats.set(sha256hex(key), rec);
    S.patFixtures[label] = key;
    return key;
  };
  const referrerValue = 'https://dhis2w.example.org/app';
  mk('valid', 'admin');
  mk('analyst', 'android');
  mk('expired', 'admin', { expire: Date.now() - DAY });
  mk('getOnly', 'admin', { attributes: [{ type: 'MethodAllowedList', allowedMethods: ['GET'] }] });
  mk('ipLimited', 'admin', { attributes: [{ type: 'IpAllowedList', allowedIps: ['203.0.113.7'] }] });
  mk('referrer', 'admin', { attributes: [{ type: 'RefererAllowedList', allowedReferrers: [referrerValue] }] });
  mk('v1', 'admin', { v1: true });
  mk('lockedOwner', 'locked');
  mk('disabledOwner', 'disabled');
  mk('twofaOwner', 'twofa');
  S.patFixtures.referrerValue = referrerValue;

  if (profileInfo.oauth2) {
    S.oauth = new OAuthServer(S);
    await S.oauth.init();
  } else {
    // §3: legacy /uaa server, client shape {cid, secret (a UUID)}.
    S.legacyClients = new Map([
      ['dhis2w-desktop', { cid: 'dhis2w-desktop', secret: '5a0d4e3c-9d7e-4b1a-8f44-2c6b9e1d7a10', name: 'dhis2w Desktop',
        grantTypes: ['password', 'refresh_token', 'authorization_code'], redirectUris: ['http://127.0.0.1/oauth2/callback'], id: 'LgcyCl00001' }],
    ]);
  }
  S.randomUUID = randomUUID;
  return S;
}

export function fixtures(S) {
  const users = {};
  for (const d of S.users.defs) {
    const u = { username: d.username, password: d.password, displayName: `${d.firstName} ${d.surname}`, id: d.id, superuser: d.superuser };
    if (d.locked) u.locked = true;
    if (d.disabled) u.disabled = true;
    if (d.twoFactor) { u.twoFactor = true; u.twoFactorCode = d.twoFactorCode; }
    users[d.key] = u;
  }
  const redirectUris = ['http://127.0.0.1/oauth2/callback', 'org.dhis2w.desktop:/oauth2/callback'];
  let clients;
  if (S.oauth) {
    clients = {
      confidential: { clientId: 'dhis2w-desktop', clientSecret: S.oauth.seedSecret, redirectUris, scope: 'ALL',
        scopes: S.oauth.scopesFor(), authMethods: ['client_secret_basic', 'client_secret_post'], refreshTokens: true },
      public: { clientId: 'dhis2w-desktop-public', redirectUris, scope: 'ALL', scopes: S.oauth.scopesFor(), authMethods: ['none'], refreshTokens: false },
    };
    if (S.profileInfo.restrictedScopes) {
      // 2.43.2 / 2.44: `ALL` is refused, so the seeded clients carry the four OIDC scopes.
      for (const c of Object.values(clients)) { c.scope = 'openid profile username email'; c.scopes = S.oauth.clientScopes(); }
    }
  } else {
    const c = S.legacyClients.get('dhis2w-desktop');
    clients = { confidential: { clientId: c.cid, clientSecret: c.secret, redirectUris: c.redirectUris, scope: 'ALL', tokenEndpoint: '/uaa/oauth/token' } };
  }
  const P = S.profileInfo;
  return {
    baseUrl: S.baseUrl, aliasUrl: S.aliasUrl, contextPath: S.ctxPath, profile: S.opts.profile, version: P.version,
    loginPath: P.loginPath, oauth2: P.oauth2, issuer: S.oauth ? S.oauth.issuer : null,
    accessTtl: S.opts.accessTtl, refreshTtl: S.opts.refreshTtl, data: S.opts.data,
    rootOrgUnit: 'ImspTQPwCqd', apiVersions: [P.apiMin, P.apiMax],
    orgUnitCount: S.data.orgUnits.length, analyticsMaxLimit: S.opts.analyticsMaxLimit, analyticsDate: S.opts.analyticsDate ?? null,
    testObjects: testObjects(S), dataVariant: S.data.variant || null,
    users, pats: { ...S.patFixtures }, clients,
    // dhis2-dcr.md §1, §4 (dcr.mjs): present on the OAuth2 profiles.
    ...(S.oauth ? { enrollment: {
      enabled: !S.opts.dcrOff, settings: { ...S.settings }, userGroups: USER_GROUPS,
      enrollPath: '/api/auth/enrollDevice', registrationEndpoint: `${S.oauth.issuer}connect/register`,
      refreshTtl: S.profileInfo.dcrRotate ? S.opts.dcrRefreshTtl : S.opts.refreshTtl, rotatingRefresh: !!S.profileInfo.dcrRotate,
    } } : {}),
  };
}

// The named objects tests search for (ids as served by this instance; see data.mjs FIXED).
function testObjects(S) {
  const find = (list, id) => { const o = list.find((x) => x.id === id || x.code === id); return o ? { id: o.id, name: o.name, code: o.code } : null; };
  const d = S.data;
  return {
    anc1stVisit: find(d.dataElements, FIXED.anc1st),
    malariaCasesConfirmed: find(d.dataElements, 'DE_MAL_CONF'),
    malariaDeaths: find(d.dataElements, 'DE_MAL_DEATH'),
    malariaCasesSuspected: find(d.dataElements, 'DE_MAL_SUSP'),
    totalPopulation: find(d.dataElements, 'DE_POP'),
    malariaIncidenceRate: find(d.indicators, 'IN_MAL_INC'),
    malariaCaseFatalityRate: find(d.indicators, 'IN_MAL_CFR'),
    anc1Coverage: find(d.indicators, 'IN_ANC1_COV'),
    malariaCaseRegistration: find(d.programs, 'PR_MAL_REG'),
    malariaPositiveCases: find(d.programIndicators, 'PI_MAL_POS'),
    malariaMonthly: find(d.dataSets, 'DS_MAL'),
    bo: find(d.orgUnits, FIXED.districts.Bo),
  };
}
