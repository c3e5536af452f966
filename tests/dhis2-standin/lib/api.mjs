// The /api/* surface: authentication (§4, §5, §2.11) and the read API (§6).
import net from 'node:net';
import { sendJson, sendWebMessage, sendText, redirect, readJson, webMessage, dhisDate, UID_RE, sha256hex,
  parseCookies } from './util.mjs';
import { validateChecksum, makeV2, makeV1 } from './pat.mjs';
import { parseFields, project } from './query.mjs';
import { METADATA_COLLECTIONS, listCollection, hrefCtx, orgUnitPrefilter, orgUnitTree, identifiableObject, metadataExport } from './metadata.mjs';
import { handleAnalytics } from './analytics.mjs';
import { apiFault } from './faults.mjs';
import { dcrEnabled, enrollDevice, systemSettings, SETTING_DEFAULTS } from './dcr.mjs';
import { Obj, ALL_AUTHORITIES, ANALYST_AUTHORITIES } from './data.mjs';
import { seededChars } from './util.mjs';
import { randomBytes } from 'node:crypto';
import { ALNUM } from './util.mjs';

const randomCode = (n) => { const b = randomBytes(n); let s = ''; for (const x of b) s += ALNUM[x % 62]; return s; };

// Login status shared by the form login, /api/auth/login and the legacy password grant (§2.8, §5).
export function loginStatusFor(S, username, password, twoFactorCode) {
  const u = S.users.byUsername.get(username);
  if (!u || u.__auth.password !== password) return 'BAD_CREDENTIALS';
  if (u.__auth.disabled) return 'ACCOUNT_DISABLED';
  if (u.__auth.locked) return 'ACCOUNT_LOCKED';
  if (u.__auth.twoFactor && twoFactorCode === undefined) return 'INCORRECT_TWO_FACTOR_CODE_TOTP';
  if (u.__auth.twoFactor && String(twoFactorCode) !== u.__auth.twoFactorCode) return 'INCORRECT_TWO_FACTOR_CODE_TOTP';
  return 'SUCCESS';
}

const COLLECTIONS = {
  ...METADATA_COLLECTIONS,
  oAuth2Clients: { singular: 'oAuth2Client', klass: 'org.hisp.dhis.security.oauth2.client.Dhis2OAuth2Client', label: 'Dhis2OAuth2Client', items: (S) => oauthClientObjects(S), authority: 'F_OAUTH2_CLIENT_MANAGE' },
};

function oauthClientObjects(S) {
  if (S.oauth) {
    return [...S.oauth.clients.values()].map((c) => new Obj('oAuth2Client', {
      id: c.uid || `OAc${seededChars(`oac-${c.clientId}`, 8)}`, name: c.metadata.client_name, displayName: c.metadata.client_name, clientId: c.clientId,
      clientAuthenticationMethods: c.dcr ? 'private_key_jwt' : c.public ? 'none' : 'client_secret_basic,client_secret_post',
      authorizationGrantTypes: c.broken ? undefined : 'authorization_code,refresh_token',
      redirectUris: c.broken ? undefined : c.metadata.redirect_uris.join(','), scopes: c.broken ? undefined : c.metadata.scope.split(' ').join(','),
      clientSettings: c.clientSettingsJson ?? '{"@class":"java.util.Collections$UnmodifiableMap","settings.client.require-proof-key":true,"settings.client.require-authorization-consent":true}',
      ...(c.tokenSettingsJson ? { tokenSettings: c.tokenSettingsJson } : {}),
      ...(c.dcr ? { createdBy: { username: c.dcr.owner } } : {}), // dhis2-dcr.md §2: owned by the enrolling user
    }));
  }
  return [...S.legacyClients.values()].map((c) => new Obj('oAuth2Client', {
    id: c.id, name: c.name, displayName: c.name, cid: c.cid, secret: c.secret, grantTypes: c.grantTypes, redirectUris: c.redirectUris,
  }));
}

const wwwBearer = (d) => `Bearer error="invalid_token", error_description="${d}", error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"`;

function userFlagsBlock(u) {
  return u.__auth.disabled ? 'disabled' : u.__auth.locked ? 'locked' : u.__auth.twoFactor ? '2fa' : null;
}

// Returns { user, scheme, setCookie } or null after sending the failure response.
export async function authUser(S, req, res) {
  const P = S.profileInfo;
  const header = req.headers.authorization || '';
  const xhr = (req.headers['x-requested-with'] || '').toLowerCase() === 'xmlhttprequest';
  const unauthorized = (message = 'Unauthorized') => { sendWebMessage(res, 401, { message }); return null; };

  if (/^basic /i.test(header)) {
    // §5.1: 401 WebMessage, no WWW-Authenticate header.
    const dec = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const i = dec.indexOf(':');
    const username = i < 0 ? dec : dec.slice(0, i);
    const password = i < 0 ? '' : dec.slice(i + 1);
    const st = loginStatusFor(S, username, password, '__basic_cannot_carry_a_code__');
    if (st === 'ACCOUNT_LOCKED') return unauthorized('Account locked');
    if (st === 'ACCOUNT_DISABLED') return unauthorized('Account disabled');
    if (st !== 'SUCCESS') return unauthorized('Unauthorized'); // includes 2FA users (§5.4)
    const current = S.sessionFromCookieHeader(req.headers.cookie);
    if (current?.user === username) return { user: S.users.byUsername.get(username), scheme: 'basic' };
    const s = S.newSession(username);
    return { user: S.users.byUsername.get(username), scheme: 'basic', setCookie: S.sessionCookie(s) };
  }

  if (/^apitoken(\s|$)/i.test(header)) return authPat(S, req, res, header);

  // §9.2 `oauth2=off`: no JWT filter is installed, so a Bearer header is ignored (unauthenticated).
  const bearerIgnored = S.oauth && (S.opts.oauth2Off || S.faults.oauth2Off);
  if (/^bearer /i.test(header) && !bearerIgnored) {
    const token = header.slice(7).trim();
    if (!S.oauth) {
      // 2.40: opaque /uaa tokens (§3).
      const t = S.uaaTokens.get(token);
      // gen: issued before a rotateSigningKey fault (faults.mjs) → "Invalid access token", as for an unknown one.
      if (!t || t.kind !== 'access_token' || t.revoked || t.exp <= Date.now() || t.gen < S.uaaGeneration) {
        const d = t && t.exp <= Date.now() && !(t.gen < S.uaaGeneration) ? `Access token expired: ${token}` : `Invalid access token: ${token}`;
        sendJson(res, 401, { error: 'invalid_token', error_description: d }, { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${d}"` });
        return null;
      }
      return { user: S.users.byUsername.get(t.user), scheme: 'bearer' };
    }
    const r = await S.oauth.validateBearer(token);
    if (!r.ok) {
      sendWebMessage(res, 401, { message: 'invalid_token', devMessage: r.description }, { 'WWW-Authenticate': wwwBearer(r.description) });
      return null;
    }
    return { user: r.user, scheme: 'bearer' };
  }

  const s = S.sessionFromCookieHeader(req.headers.cookie);
  if (s?.user) return { user: S.users.byUsername.get(s.user), scheme: 'cookie' };

  // §5.1: no credentials -> 302 to the login page, unless X-Requested-With: XMLHttpRequest.
  if (xhr || header) return unauthorized('Unauthorized');
  redirect(res, 302, `${S.baseUrl}${P.loginPath}`);
  return null;
}

// §4.4 / §4.5
function authPat(S, req, res, header) {
  const P = S.profileInfo;
  const fail = (code, message) => { sendWebMessage(res, code, { message }, { 'WWW-Authenticate': 'ApiToken' }); return null; };
  const m = /^ApiToken (?<token>[a-z0-9-._~+/]+=*)$/i.exec(header);
  if (!m) return P.plainV1 ? fail(401, 'invalid_token') : fail(400, 'Api token is malformed');
  const token = m.groups.token;
  if (!validateChecksum(token, { plainV1: P.plainV1 }).ok) return fail(400, 'Checksum validation failed');
  const rec = S.pats.get(sha256hex(token));
  if (!rec) return fail(401, 'The API token does not exists');
  if (rec.expire <= Date.now()) return fail(401, 'Failed to authenticate API token, token has expired.');
  for (const a of rec.attributes) {
    if (a.type === 'IpAllowedList') {
      const ip = (req.headers['x-forwarded-for'] || '').split(',')[0].trim() || String(req.socket.remoteAddress).replace(/^::ffff:/, '');
      if (!a.allowedIps.includes(ip)) return fail(401, 'Failed to authenticate API token, request ip address is not allowed.');
    }
    if (a.type === 'MethodAllowedList' && !a.allowedMethods.map((x) => x.toUpperCase()).includes(req.method)) {
      return fail(401, 'Failed to authenticate API token, request http method is not allowed.');
    }
    if (a.type === 'RefererAllowedList') {
      const ref = (req.headers.referer || '').toLowerCase();
      if (!ref || !a.allowedReferrers.map((x) => x.toLowerCase()).includes(ref)) {
        return fail(401, 'Failed to authenticate API token, request http referrer is missing or not allowed.');
      }
    }
  }
  const owner = S.users.byUsername.get(rec.owner);
  if (!owner) return fail(401, 'The API token owner does not exists.');
  if (userFlagsBlock(owner)) return fail(401, 'The API token is disabled, locked or 2FA is enabled.');
  return { user: owner, scheme: 'apitoken' };
}

const isSuper = (u) => !!u.__auth.superuser;

export async function handleApi(S, req, res, rel, url) {
  const P = S.profileInfo;
  // §6.7: /api/NN/... within the profile's range behaves like /api/...; outside it 404.
  let path = rel.slice(4); // after "/api"
  const vm = /^\/(\d+)(\/.*)?$/.exec(path);
  if (vm) {
    const n = Number(vm[1]);
    if (n < P.apiMin || n > P.apiMax) return sendText(res, 404, 'Not Found');
    path = vm[2] || '/';
  }
  // /api/analytics.csv etc. keep their extension (dhis2-analytics.md §1.1).
  const am = /^\/analytics(?:\.([a-z+]+))?\/?$/.exec(path);
  path = path.replace(/\.json$/, '').replace(/\/+$/, '') || '/';

  if (await apiFault(S, req, res, rel, url)) return; // faults.mjs

  // Public endpoints.
  if (path === '/ping') { // §5.2: outside security, 200, empty body
    res.writeHead(200, { 'Content-Length': 0 });
    return res.end();
  }
  if (path === '/loginConfig' && P.loginConfig) return sendJson(res, 200, loginConfig(S));
  if (path === '/auth/login' && req.method === 'POST' && P.loginConfig) return apiLogin(S, req, res);
  // dhis2-dcr.md §1: device enrolment (browser-facing: a missing session goes to the login page).
  // With DCR off the controller does not exist: the ordinary 404 below, after authentication.
  if (path === '/auth/enrollDevice' && req.method === 'GET' && dcrEnabled(S)) return enrollDevice(S, req, res, url, authUser);

  const auth = await authUser(S, req, res);
  if (!auth) return;
  const { user } = auth;
  const extra = auth.setCookie ? { 'Set-Cookie': auth.setCookie } : {};
  const json = (code, body, h = {}) => sendJson(res, code, body, { ...extra, ...h });
  if (auth.setCookie) res.setHeader('Set-Cookie', auth.setCookie);
  const sp = url.searchParams;

  if (path === '/system/ping') return sendText(res, 200, 'pong', 'text/plain;charset=UTF-8', extra);
  if (path === '/system/info') {
    let info = systemInfo(S, isSuper(user));
    if (sp.get('fields')) info = project(info, parseFields(sp.get('fields')));
    return json(200, info, { 'Cache-Control': 'no-store' });
  }
  if (path === '/system/context') return json(200, { contextPath: S.baseUrl, userAgent: req.headers['user-agent'] || '' });
  if (path === '/me') {
    // dhis2-analytics.md §5: default fields `*`; organisationUnits[id,name] etc. expand the references.
    return json(200, project(meFor(S, user), parseFields(sp.getAll('fields').join(',') || '*'), hrefCtx(S)));
  }
  if (am) return handleAnalytics(S, req, res, url, user, am[1] || 'json', isSuper(user));
  if (path === '/metadata') {
    if (req.method !== 'GET') return sendWebMessage(res, 405, { message: `Request method '${req.method}' is not supported` });
    return metadataExport(S, req, res, url, isSuper(user), systemInfo(S, true));
  }
  const io = /^\/identifiableObjects\/([^/]+)$/.exec(path);
  if (io) return identifiableObject(S, req, res, url, io[1], user, isSuper(user));
  if (path === '/me/authorities') return json(200, isSuper(user) ? ALL_AUTHORITIES : ANALYST_AUTHORITIES);
  const ss = /^\/systemSettings\/([A-Za-z0-9]+)$/.exec(path);
  if (ss && S.oauth && ss[1] in SETTING_DEFAULTS) return systemSettings(S, req, res, ss[1], url, user);
  if (path === '/resources') return json(200, { resources: resources(S) });
  if (path === '/schemas') return json(200, { schemas: Object.keys(COLLECTIONS).map((k) => schema(S, k)) });
  const sm = /^\/schemas\/([A-Za-z0-9]+)$/.exec(path);
  if (sm) {
    const k = Object.keys(COLLECTIONS).find((c) => COLLECTIONS[c].singular === sm[1] || c === sm[1]);
    if (!k) return sendWebMessage(res, 404, { message: `Schema not found for ${sm[1]}` });
    return json(200, schema(S, k));
  }
  if (path === '/openapi' || path === '/openapi/openapi' || path === '/openapi.json') return json(200, openapi(S));
  if (path === '/apiToken' || path === '/apiTokens' || path.startsWith('/apiToken/') || path.startsWith('/apiTokens/')) return apiTokens(S, req, res, path, user, url, extra);

  const cm = /^\/([A-Za-z0-9]+)(?:\/([^/]+))?(?:\/(children|ancestors|parents))?$/.exec(path);
  if (cm && COLLECTIONS[cm[1]]) {
    const name = cm[1];
    const def = COLLECTIONS[name];
    if (def.authority && !isSuper(user)) {
      return sendWebMessage(res, 403, { message: `Access is denied, requires one Authority from [${def.authority}]` });
    }
    if (def.superOnly && !isSuper(user)) {
      return sendWebMessage(res, 403, { message: "You don't have the proper permissions to read objects of this type." });
    }
    if (name === 'oAuth2Clients' && req.method === 'POST' && !cm[2]) return createOAuthClient(S, req, res);
    if (name === 'oAuth2Clients' && req.method === 'DELETE' && cm[2]) return deleteOAuthClient(S, res, cm[2]);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendWebMessage(res, 405, { message: `Request method '${req.method}' is not supported` });
    }
    if (!cm[2]) {
      const prefilter = name === 'organisationUnits' ? orgUnitPrefilter(S, sp, user) : undefined;
      return listCollection(S, req, res, url, name, def.items(S), { prefilter });
    }
    const id = cm[2];
    // A malformed UID was observed to give 405, not 404 (§6.1).
    if (!UID_RE.test(id)) return sendWebMessage(res, 405, { message: `Request method '${req.method}' is not supported` });
    const obj = findById(S, name, def, id);
    if (!obj) return sendWebMessage(res, 404, { message: `${def.label} with id ${id} could not be found.`, errorCode: 'E1005' });
    if (name === 'organisationUnits') {
      const handled = await orgUnitTree(S, req, res, url, obj, cm[3]);
      if (handled !== false) return;
    }
    if (cm[3]) return sendWebMessage(res, 404, { message: `No endpoint ${req.method} /api${path}` });
    return json(200, project(obj, parseFields(sp.getAll('fields').join(',') || '*'), hrefCtx(S)));
  }
  return sendWebMessage(res, 404, { message: `No endpoint ${req.method} /api${path}` });
}

// Id lookups on the data collections use a per-collection Map (the large org-unit list has ~380k entries).
function findById(S, name, def, id) {
  const items = def.items(S);
  if (items.length < 200) return items.find((o) => o.id === id);
  S.__byId ||= new Map();
  let m = S.__byId.get(name);
  if (!m || m.src !== items) { m = new Map(items.map((o) => [o.id, o])); m.src = items; S.__byId.set(name, m); }
  return m.get(id);
}

async function apiLogin(S, req, res) {
  let body;
  try { body = await readJson(req); } catch { return sendWebMessage(res, 400, { message: 'Invalid JSON' }); }
  const st = loginStatusFor(S, String(body.username || ''), String(body.password || ''), body.twoFactorCode);
  if (st === 'BAD_CREDENTIALS') return sendWebMessage(res, 401, { message: 'Bad credentials' });
  if (st !== 'SUCCESS') return sendJson(res, 200, { loginStatus: st });
  const { establishSession } = await import('./router.mjs');
  const { session, redirectUrl } = establishSession(S, req, String(body.username));
  return sendJson(res, 200, { loginStatus: 'SUCCESS', redirectUrl }, { 'Set-Cookie': S.sessionCookie(session) });
}

function loginConfig(S) {
  return {
    apiVersion: S.profileInfo.version, applicationTitle: 'DHIS 2 Demo - Sierra Leone',
    applicationDescription: 'DHIS2 stand-in server for dhis2w Desktop tests', applicationNotification: '',
    applicationLeftSideFooter: '', applicationRightSideFooter: '', countryFlag: 'sierraleone', uiLocale: 'en',
    loginPageLogo: '/api/staticContent/logo_front.png', loginPageLayout: 'DEFAULT', useCustomLogoFront: false,
    minPasswordLength: 8, maxPasswordLength: 72, emailConfigured: false, selfRegistrationEnabled: false,
    selfRegistrationNoRecaptcha: false, allowAccountRecovery: false, recaptchaSite: '6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI',
    oidcProviders: [],
  };
}

function systemInfo(S, superuser) {
  const P = S.profileInfo;
  const now = dhisDate(Date.now());
  const full = {
    contextPath: S.baseUrl, userAgent: 'dhis2-standin', calendar: 'iso8601', dateFormat: 'yyyy-mm-dd', serverDate: now,
    serverTimeZoneId: 'Etc/UTC', serverTimeZoneDisplayName: 'Coordinated Universal Time',
    lastAnalyticsTableSuccess: '2025-01-05T02:00:00.000', intervalSinceLastAnalyticsTableSuccess: '6 h, 0 m, 0 s',
    lastAnalyticsTableRuntime: '4 m, 12 s', lastSystemMonitoringSuccess: '2025-01-05T02:00:00.000',
    version: P.version, revision: P.revision, buildTime: '2025-01-02T10:00:00.000', jasperReportsVersion: '6.20.6',
    environmentVariable: 'DHIS2_HOME', fileStoreProvider: 'filesystem', readOnlyMode: 'off', nodeId: 'standin-1',
    javaVersion: '17.0.13', javaVendor: 'Eclipse Adoptium', javaOpts: '-Xms1024m -Xmx4096m', osName: 'Linux',
    osArchitecture: 'amd64', osVersion: '6.1.0', externalDirectory: '/opt/dhis2', readReplicaCount: 0,
    memoryInfo: 'Mem Total in JVM: 2048 Mb', cpuCores: 2, encryption: true, emailConfigured: false,
    redisEnabled: false,
    // --data alt stands for a second server: another system id and name.
    systemId: S.data.variant ? '5c1b9a8e-2f3d-4e7a-9b6c-0d4e8f2a1c37' : 'eed3d451-4ff5-4193-b951-ffcc68954299',
    systemName: S.data.variant ? 'DHIS 2 Demo - Sierra Leone (second instance)' : 'DHIS 2 Demo - Sierra Leone',
    instanceBaseUrl: S.baseUrl, clusterHostname: '', isMetadataVersionEnabled: true, isMetadataSyncEnabled: false,
    databaseInfo: { name: 'dhis2', user: 'dhis', url: 'jdbc:postgresql://db/dhis2', databaseVersion: 'PostgreSQL 16.4', spatialSupport: true },
  };
  if (superuser) return full;
  // §6.2: non-superusers get a reduced object.
  const drop = ['javaVersion', 'javaVendor', 'javaOpts', 'osName', 'osArchitecture', 'osVersion', 'jasperReportsVersion',
    'fileStoreProvider', 'redisHostname', 'clusterHostname', 'memoryInfo', 'cpuCores', 'externalDirectory', 'environmentVariable', 'readReplicaCount', 'nodeId'];
  const r = { ...full };
  for (const k of drop) delete r[k];
  r.encryption = false;
  r.redisEnabled = false;
  r.databaseInfo = { spatialSupport: true };
  return r;
}

function meFor(S, u) {
  const P = S.profileInfo;
  const ref = (o) => o; // Obj references: rendered as {id}, or expanded by fields=organisationUnits[id,name]
  const authorities = isSuper(u) ? ALL_AUTHORITIES : ANALYST_AUTHORITIES;
  const me = {
    id: u.id, username: u.username, surname: u.surname, firstName: u.firstName, displayName: u.displayName, name: u.name,
    email: u.email, created: u.created, lastUpdated: u.lastUpdated, languages: [], settings: { keyUiLocale: 'en', keyDbLocale: 'en', keyAnalysisDisplayProperty: 'name' },
    organisationUnits: u.organisationUnits.map(ref), dataViewOrganisationUnits: u.dataViewOrganisationUnits.map(ref),
    teiSearchOrganisationUnits: [], userGroups: [], userRoles: u.userRoles.map(ref), authorities,
    programs: S.data.programs.map((p) => p.id), dataSets: S.data.dataSets.map((d) => d.id),
    access: { manage: true, externalize: true, write: true, read: true, update: true, delete: true },
    favorites: [], translations: [], attributeValues: [], externalAccess: false, userAccesses: [], userGroupAccesses: [],
  };
  const pats = [...S.pats.values()].filter((p) => p.owner === u.username).map((p) => ({ id: p.id, expire: p.expire }));
  if (P.userCredentials) {
    // §6.3: 2.39-2.41 nest a userCredentials object.
    me.userCredentials = {
      id: u.id, username: u.username, userRoles: u.userRoles.map(ref), disabled: !!u.__auth.disabled,
      twoFA: !!u.__auth.twoFactor, lastLogin: u.lastLogin, externalAuth: false, passwordLastUpdated: '2024-01-01T00:00:00.000',
    };
    return me;
  }
  me.patTokens = pats;
  me.disabled = !!u.__auth.disabled;
  if (P.meEmailVerified) {
    me.emailVerified = false;
    me.twoFactorType = u.__auth.twoFactor ? 'TOTP_ENABLED' : 'NOT_ENABLED';
  }
  return me;
}

function splitCamel(s) {
  const w = s.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return w[0].toUpperCase() + w.slice(1);
}

function resources(S) {
  return Object.keys(COLLECTIONS).map((k) => ({
    displayName: splitCamel(k), singular: COLLECTIONS[k].singular, plural: k, href: `${S.baseUrl}/api/${k}`,
  }));
}

function schema(S, k) {
  const d = COLLECTIONS[k];
  const items = d.items(S).slice(0, 3);
  const sample = Object.assign({}, ...items.slice().reverse());
  const props = items.length ? Object.keys(sample).filter((p) => !p.startsWith('__')) : ['id'];
  return {
    klass: d.klass, shareable: true, metadata: true, relativeApiEndpoint: `/${k}`, plural: k, displayName: splitCamel(d.singular),
    singular: d.singular, secondaryMetadata: false, collectionName: k, name: d.label, namespace: 'http://dhis2.org/schema/dxf/2.0',
    persisted: true, embeddedObject: false, identifiableObject: true, nameableObject: k !== 'users', translatable: true,
    favoritable: false, subscribable: false, dataShareable: false, defaultPrivate: false, order: 1000,
    href: `${S.baseUrl}/api/schemas/${d.singular}`, apiEndpoint: `${S.baseUrl}/api/${k}`, authorities: [],
    properties: props.map((p) => {
      const v = sample[p];
      const ref = v instanceof Obj;
      const coll = Array.isArray(v);
      return {
        name: p, fieldName: p, persisted: true, readable: true, writable: p !== 'id', simple: !ref && !coll, collection: coll, owner: true,
        propertyType: ref ? 'REFERENCE' : coll ? 'COLLECTION' : typeof v === 'number' ? 'INTEGER' : typeof v === 'boolean' ? 'BOOLEAN'
          : /^(created|lastUpdated|openingDate)$/.test(p) ? 'DATE' : p === 'id' ? 'IDENTIFIER' : 'TEXT',
        required: p === 'name' || p === 'id', unique: p === 'id' || p === 'code',
      };
    }),
  };
}

function openapi(S) {
  const paths = {};
  for (const k of Object.keys(COLLECTIONS)) {
    paths[`/api/${k}`] = { get: { operationId: `GET /${k}`, tags: [k] } };
    paths[`/api/${k}/{uid}`] = { get: { operationId: `GET /${k}/{uid}`, tags: [k] } };
  }
  for (const p of ['/api/me', '/api/system/info', '/api/system/ping', '/api/ping', '/api/loginConfig', '/api/apiToken']) paths[p] = { get: {} };
  return { openapi: '3.0.1', info: { title: 'DHIS2 API (stand-in)', version: S.profileInfo.version }, servers: [{ url: S.baseUrl }], paths };
}

// §2.4 POST /api/oAuth2Clients
async function createOAuthClient(S, req, res) {
  let b;
  try { b = await readJson(req); } catch { return sendWebMessage(res, 400, { message: 'Invalid JSON' }); }
  const conflict = (message, errorCode, extraResp) => sendWebMessage(res, 409, { message, errorCode, response: extraResp });
  const uid = S.newUid();
  const created = () => sendJson(res, 201, webMessage(201, {
    response: { responseType: 'ObjectReport', uid, klass: COLLECTIONS.oAuth2Clients.klass, errorReports: [] },
  }), { Location: `${S.baseUrl}/api/oAuth2Clients/${uid}` });
  if (!S.oauth) {
    // Legacy shape {name, cid, secret, grantTypes[], redirectUris[]} (§2.4, 2.41 and older).
    if (!b.cid) return conflict('Missing required property cid', 'E4000');
    if (S.legacyClients.has(b.cid)) return conflict(`Property \`cid\` with value \`${b.cid}\` on object ${b.name || b.cid} [${uid}] (OAuth2Client) already exists on object ${S.legacyClients.get(b.cid).id}.`, 'E5003');
    if (typeof b.secret !== 'string' || b.secret.length !== 36) return conflict('Property `secret` must be exactly 36 characters', 'E4001');
    S.legacyClients.set(b.cid, { cid: b.cid, secret: b.secret, name: b.name || b.cid, grantTypes: b.grantTypes || [], redirectUris: b.redirectUris || [], id: uid });
    return created();
  }
  if (!b.clientId || typeof b.clientId !== 'string') return conflict('Missing required property `clientId`.', 'E4000');
  if (b.clientId === 'system-dcr-registrar-client' || S.oauth.clients.has(b.clientId)) {
    return conflict(`Property \`clientId\` with value \`${b.clientId}\` on object ${b.name || b.clientId} [${uid}] (Dhis2OAuth2Client) already exists on object ${b.clientId}.`, 'E5003');
  }
  const arrays = ['redirectUris', 'scopes', 'authorizationGrantTypes', 'clientAuthenticationMethods'].some((k) => Array.isArray(b[k]));
  const str = (v) => (typeof v === 'string' ? v : '');
  const P = S.profileInfo;
  if (!arrays) {
    const grants = str(b.authorizationGrantTypes).split(',').map((s) => s.trim()).filter(Boolean);
    for (const g of grants) {
      if (g !== 'authorization_code' && g !== 'refresh_token') {
        // dhis2-dcr.md §6 "409 error shape": E1004 on the REST path (the older profiles keep E4000).
        return conflict(`Invalid authorization grant type: ${g}. Only authorization_code and refresh_token are allowed.`, P.restrictedScopes ? 'E1004' : 'E4000');
      }
    }
  }
  const list = (v) => str(v).split(',').map((x) => x.trim()).filter(Boolean);
  let settings = { tokens: undefined, noConsent: false };
  if (P.restrictedScopes && !arrays) {
    const r = restrictedClientChecks(S, b, list);
    if (r.error) return conflict(r.error, 'E1004');
    settings = r;
  } else if (typeof b.tokenSettings === 'string' && b.tokenSettings.trim()) {
    // 2.42.5 / 2.43.1 do not check tokenSettings at create (dhis2-dcr.md §6 table); one that parses is honoured.
    try { settings.tokens = tokenSettingsOf(S, JSON.parse(b.tokenSettings)); settings.tokenSettingsJson = b.tokenSettings; } catch { /* ignored */ }
  }
  const methods = str(b.clientAuthenticationMethods);
  const isPublic = methods.trim() === 'none' || !b.clientSecret;
  S.oauth.registerClient({
    clientId: b.clientId, name: b.name || b.clientId.slice(0, 230), uid,
    secretHash: isPublic ? undefined : String(b.clientSecret),
    redirectUris: arrays ? [] : list(b.redirectUris),
    scope: arrays ? '' : list(b.scopes).join(' '),
    broken: arrays, // §2.4 pitfalls: arrays are accepted (201) but dropped; authorize then fails with 500.
    tokens: isPublic ? undefined : settings.tokens, // §2.5: never a refresh token for a `none` client
    noConsent: settings.noConsent, clientSettingsJson: settings.clientSettingsJson, tokenSettingsJson: settings.tokenSettingsJson,
  });
  return created();
}

// 2.43.2 / 2.44 validation of POST /api/oAuth2Clients (dhis2-dcr.md §6 table "branch heads and master";
// dhis2-server.md §2.4, §9.1). Returns {error} or the parsed settings.
const CLIENT_SCOPES = ['email', 'openid', 'profile', 'username'];
const PKCE_KEY = 'settings.client.require-proof-key';
const CONSENT_KEY = 'settings.client.require-authorization-consent';
function restrictedClientChecks(S, b, list) {
  // Redirect URIs: http/https always; any other scheme must equal an allowlist entry verbatim.
  const allow = String(S.settings.deviceEnrollmentRedirectAllowlist || '').split(',').map((x) => x.trim());
  for (const u of list(b.redirectUris)) {
    if (!/^https?:\/\//i.test(u) && !allow.includes(u)) return { error: `Redirect URI not in deviceEnrollmentRedirectAllowlist: ${u}` };
  }
  for (const sc of list(b.scopes)) {
    // The reference gives no text for a client.* scope; this wording is the stand-in's.
    if (sc.startsWith('client.')) return { error: `Invalid scope: '${sc}'. Scopes starting with 'client.' are reserved.` };
    if (!CLIENT_SCOPES.includes(sc)) return { error: `Invalid scope: '${sc}'. Allowed scopes are: ${CLIENT_SCOPES.join(', ')}.` };
  }
  let cs = { [PKCE_KEY]: true, [CONSENT_KEY]: true }; // blank settings: consent=true, PKCE=true
  let clientSettingsJson;
  if (typeof b.clientSettings === 'string' && b.clientSettings.trim()) {
    // Texts for unparsable or incomplete settings are the stand-in's (the reference names the rule only).
    try { cs = JSON.parse(b.clientSettings); } catch { return { error: 'Invalid clientSettings: not a JSON settings map.' }; }
    if (typeof cs?.[PKCE_KEY] !== 'boolean' || typeof cs?.[CONSENT_KEY] !== 'boolean') {
      return { error: `Invalid clientSettings: ${PKCE_KEY} and ${CONSENT_KEY} must both be booleans.` };
    }
    if (cs[PKCE_KEY] === false) return { error: `PKCE cannot be disabled: ${PKCE_KEY} must be true.` };
    clientSettingsJson = b.clientSettings;
  }
  let tokens;
  let tokenSettingsJson;
  if (typeof b.tokenSettings === 'string' && b.tokenSettings.trim()) {
    try { tokens = tokenSettingsOf(S, JSON.parse(b.tokenSettings)); } catch { return { error: 'Invalid tokenSettings: not a JSON settings map.' }; }
    tokenSettingsJson = b.tokenSettings;
  }
  return { tokens, noConsent: cs[CONSENT_KEY] === false, clientSettingsJson, tokenSettingsJson };
}

// SAS token settings (dhis2-dcr.md §6 "Settings JSON format"): Durations as ["java.time.Duration", seconds].
// A plain number is taken as seconds too (the reference expects it to fail at token time: ⚠ not copied).
function tokenSettingsOf(S, t) {
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new Error('not a map');
  const dur = (v) => (Array.isArray(v) ? Number(v[1]) : typeof v === 'number' ? v : undefined);
  const access = dur(t['settings.token.access-token-time-to-live']);
  const refresh = dur(t['settings.token.refresh-token-time-to-live']);
  const reuse = t['settings.token.reuse-refresh-tokens'];
  return {
    accessTtl: access > 0 ? Math.round(access) : S.opts.accessTtl,
    refreshTtl: refresh > 0 ? Math.round(refresh) : S.opts.refreshTtl,
    reuse: reuse !== false,
  };
}

function deleteOAuthClient(S, res, id) {
  if (S.oauth) {
    for (const [k, c] of S.oauth.clients) {
      if (c.uid === id) { S.oauth.clients.delete(k); S.oauth.store.model('Client').delete(k); return sendJson(res, 200, webMessage(200, {})); }
    }
  } else {
    for (const [k, c] of S.legacyClients) if (c.id === id) { S.legacyClients.delete(k); return sendJson(res, 200, webMessage(200, {})); }
  }
  return sendWebMessage(res, 404, { message: `Dhis2OAuth2Client with id ${id} could not be found.`, errorCode: 'E1005' });
}

// §4.1 POST /api/apiToken
async function apiTokens(S, req, res, path, user, url, extra) {
  const P = S.profileInfo;
  const id = path.split('/')[2];
  const mine = () => [...S.pats.entries()].filter(([, r]) => r.owner === user.username);
  const view = (r) => new Obj('apiToken', {
    id: r.id, version: r.version, type: r.type, expire: r.expire, attributes: r.attributes, created: dhisDate(r.created),
    lastUpdated: dhisDate(r.created), createdBy: { id: user.id, username: user.username }, displayName: r.id,
  });
  if (req.method === 'POST' && !id) {
    let b;
    try { b = await readJson(req); } catch { return sendWebMessage(res, 400, { message: 'Invalid JSON' }); }
    const attributes = Array.isArray(b.attributes) ? b.attributes : [];
    const bad = (m) => sendWebMessage(res, 409, { message: `Failed to validate the token's attributes, message: ${m}` });
    for (const a of attributes) {
      if (a.type === 'IpAllowedList') {
        for (const ip of a.allowedIps || []) if (!net.isIP(String(ip))) return bad(`Not a valid ip address, value=${ip}`);
      } else if (a.type === 'MethodAllowedList') {
        for (const m of a.allowedMethods || []) {
          if (!['HEAD', 'GET', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(String(m).toUpperCase())) return bad(`Not a valid http method, value=${m}`);
        }
      } else if (a.type === 'RefererAllowedList') {
        for (const r of a.allowedReferrers || []) {
          let ok = false;
          try { const u = new URL(String(r)); ok = /^https?:$/.test(u.protocol) && !(u.hostname === 'localhost' && u.port); } catch { ok = false; }
          if (!ok) return bad(`Not a valid referrer url, value=${r}`);
        }
      } else return bad(`Unknown attribute type, value=${a.type}`);
    }
    const key = P.patV2 ? makeV2(randomCode(44)) : makeV1(randomCode(32), P.plainV1);
    const uid = S.newUid();
    const rec = {
      id: uid, owner: user.username, expire: Number(b.expire) || Date.now() + 30 * 86400000, attributes, version: P.patV2 ? 2 : 1,
      type: P.patV2 ? 'PERSONAL_ACCESS_TOKEN_V2' : 'PERSONAL_ACCESS_TOKEN', created: Date.now(),
    };
    S.pats.set(sha256hex(key), rec); // only the hash is kept; the key is shown once
    return sendJson(res, 201, webMessage(201, {
      response: { responseType: 'ObjectReport', uid, klass: 'org.hisp.dhis.security.apikey.ApiToken', errorReports: [], key },
    }), { Location: `${S.baseUrl}/api/apiToken/${uid}`, ...extra });
  }
  if (req.method === 'GET' && !id) {
    return listCollection(S, req, res, url, 'apiToken', mine().map(([, r]) => view(r)));
  }
  const found = mine().find(([, r]) => r.id === id);
  if (!found) return sendWebMessage(res, 404, { message: `ApiToken with id ${id} could not be found.`, errorCode: 'E1005' });
  if (req.method === 'DELETE') { S.pats.delete(found[0]); return sendJson(res, 200, webMessage(200, {})); }
  if (req.method === 'GET') return sendJson(res, 200, project(view(found[1]), parseFields('*')), extra);
  return sendWebMessage(res, 405, { message: `Request method '${req.method}' is not supported` });
}
