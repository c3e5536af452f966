// Device enrolment, dynamic client registration and private_key_jwt client authentication, as DHIS2
// 2.42.5+ does them for its Android app (dhis2-dcr.md §1-§4; dhis2-server.md §2.13).
//
// oidc-provider's own DCR is not used: DHIS2 requires both `jwks` and `jwks_uri` in one registration
// (dhis2-dcr.md §2), which oidc-provider refuses ("jwks and jwks_uri must not be used at the same time"),
// and DHIS2's assertion rules (first RSA key, kid ignored, jti not checked; §3) differ from
// oidc-provider's. So registration and the assertion check are done here, and a registered client is
// handed to the provider as a client_secret_basic client with an internal secret, like the seeded
// confidential client (oauth.mjs preprocessTokenRequest).
import { randomUUID, randomBytes } from 'node:crypto';
import { sendJson, sendText, sendWebMessage, redirect, readBody, webMessage } from './util.mjs';
import { signJwt, decodeJwt, verifyRs256 } from './jwt.mjs';

// dhis2-dcr.md §1 "Settings": database system settings (POST /api/systemSettings/{key}?value=…).
export const SETTING_DEFAULTS = {
  deviceEnrollmentRedirectAllowlist: 'dhis2oauth://oauth',
  deviceEnrollmentAllowedUserGroups: '',
  deviceEnrollmentIATTtlSeconds: 60,
};

// User-group UIDs of the seeded users, compared with deviceEnrollmentAllowedUserGroups (dhis2-dcr.md §1:
// the code compares group UIDs). The reference has no demo groups: these are the stand-in's own, and
// they are not shown in /api/me (whose userGroups stays [] as before).
export const USER_GROUPS = {
  admin: ['wl5cDMuUhmF'], // "Administrators"
  android: ['Kk12LkEWtXp'], // "Data analysts"
};

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
// dhis2-dcr.md §2 "scope" (2.43 branch head / 2.43.2): ALLOWED_CLIENT_SCOPES and DCR_DEFAULT_SCOPES.
const ALLOWED_SCOPES = ['openid', 'profile', 'username', 'email'];
const DEFAULT_DCR_SCOPES = ['openid', 'profile', 'username'];

// DCR exists when the authorization server is on (every stand-in OAuth2 profile stands for 2.42.5+ /
// 2.43.1+). `--dcr-off` / the fault `dcrOff` is the stand-in's switch for "feature disabled" (dhis2-dcr.md
// §1: oauth2.server.enabled=off, or 2.43.0): enrollDevice and /connect/register answer 404 and
// discovery has no registration_endpoint.
export function dcrEnabled(S) {
  return !!S.oauth && !S.opts.dcrOff && !S.faults.dcrOff && !S.opts.oauth2Off && !S.faults.oauth2Off;
}

export function setting(S, key) {
  return S.settings[key];
}

// --- the allowlist (dhis2-dcr.md §1 "Glob syntax") --------------------------------------------------
// TextUtils.createRegexFromGlob: * → .*, ? → ., . → \., \ → \\; every other character passes through
// unescaped. The whole string must match; only the candidate is lower-cased.
export function createRegexFromGlob(glob) {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else if (ch === '.') out += '\\.';
    else if (ch === '\\') out += '\\\\';
    else out += ch;
  }
  return out;
}

export function isRedirectUriAllowed(S, redirectUri) {
  if (!redirectUri || !redirectUri.trim()) return false;
  const entries = String(setting(S, 'deviceEnrollmentRedirectAllowlist') || '').split(',').map((s) => s.trim()).filter(Boolean);
  const candidate = redirectUri.toLowerCase();
  return entries.some((e) => {
    // A glob that is not a valid regex matches nothing (the reference is silent on this case).
    try { return new RegExp(`^(?:${createRegexFromGlob(e)})$`).test(candidate); } catch { return false; }
  });
}

function userInAllowedGroup(S, username) {
  const allowed = String(setting(S, 'deviceEnrollmentAllowedUserGroups') || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (allowed.length === 0) return true; // empty: any authenticated user may enroll
  const mine = USER_GROUPS[username] || [];
  return allowed.some((g) => mine.includes(g));
}

// response.sendError(status, msg) with no DHIS2 error page: Tomcat's own page (dhis2-dcr.md §1 marks the
// body ⚠ UNVERIFIED; this is Tomcat's standard status report).
function tomcatError(res, status, message) {
  const title = status === 403 ? 'Forbidden' : 'Bad Request';
  const html = `<!doctype html><html lang="en"><head><title>HTTP Status ${status} – ${title}</title></head><body><h1>HTTP Status ${status} – ${title}</h1><hr class="line" /><p><b>Type</b> Status Report</p><p><b>Message</b> ${message}</p><hr class="line" /><h3>Apache Tomcat</h3></body></html>`;
  sendText(res, status, html, 'text/html;charset=utf-8');
}

// --- GET /api/auth/enrollDevice (dhis2-dcr.md §1) ----------------------------------------------------
// `auth` is api.mjs authUser; called only when dcrEnabled(S).
export async function enrollDevice(S, req, res, url, authUser) {
  const P = S.profileInfo;
  const sess = S.sessionFromCookieHeader(req.headers.cookie);
  const xhr = (req.headers['x-requested-with'] || '').toLowerCase() === 'xmlhttprequest';
  if (!req.headers.authorization && !sess?.user && !xhr) {
    // A browser without a session goes to the login page. 2.43.1+/2.44 keep enrollDevice as the saved
    // request, so the login returns here; 2.42 does not (stale /api/deviceClients/ matcher) and the
    // user lands on the home page (dhis2-dcr.md §1 "It is a browser-facing endpoint").
    if (P.enrollSaved) {
      const s = sess || S.newSession(null);
      s.savedUrl = `${url.pathname}${url.search}`;
      return redirect(res, 302, `${S.baseUrl}${P.loginPath}`, { 'Set-Cookie': S.sessionCookie(s) });
    }
    return redirect(res, 302, `${S.baseUrl}${P.loginPath}`);
  }
  const auth = await authUser(S, req, res);
  if (!auth) return;
  const extra = auth.setCookie ? { 'Set-Cookie': auth.setCookie } : {};
  const sp = url.searchParams;
  // Both are @RequestParam(required) (dhis2-dcr.md §1); deviceVersion/deviceType/deviceAttestation are
  // ignored. The 400 text is Spring's MissingServletRequestParameterException message in a WebMessage
  // (the reference says only "Spring's missing-parameter 400").
  for (const p of ['redirectUri', 'state']) {
    if (!sp.has(p)) {
      return sendWebMessage(res, 400, { message: `Required request parameter '${p}' for method parameter type String is not present` }, extra);
    }
  }
  const redirectUri = sp.get('redirectUri');
  const state = sp.get('state');
  // The group is checked first, then the allowlist (dhis2-dcr.md §1 "Error responses").
  if (!userInAllowedGroup(S, auth.user.username)) return tomcatError(res, 403, 'forbidden_user');
  if (!isRedirectUriAllowed(S, redirectUri)) return tomcatError(res, 400, 'invalid_redirect_uri');
  const iat = issueIat(S, auth.user.username, redirectUri);
  // UriComponentsBuilder…queryParam("iat").queryParamIfPresent("state").build(true): appended as is.
  const sep = redirectUri.includes('?') ? '&' : '?';
  return redirect(res, 302, `${redirectUri}${sep}iat=${iat}&state=${state}`, {
    'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate', ...extra,
  });
}

// The initial access token (dhis2-dcr.md §1 "Success response"): RS256 with the server key; single use.
function issueIat(S, username, redirectUri) {
  const O = S.oauth;
  const now = Math.floor(Date.now() / 1000);
  const ttl = Number(setting(S, 'deviceEnrollmentIATTtlSeconds')) || 60;
  const jti = randomUUID();
  const claims = { iss: O.issuer, aud: [O.issuer], sub: username, iat: now, exp: now + ttl, jti, scope: 'client.create', redirect_url: redirectUri };
  S.dcr.iats.set(jti, { used: false, exp: now + ttl, sub: username, redirectUri });
  const iat = signJwt(O.signingJwk, claims, { kid: O.currentKid });
  S.issued?.push(iat); // listed by GET /__standin/issued for the leak scans
  return iat;
}

// --- POST /connect/register (dhis2-dcr.md §2) ---------------------------------------------------------
const regError = (res, status, error, description) => {
  const body = { error };
  if (description) body.error_description = description;
  sendJson(res, status, body, { 'Cache-Control': 'no-store' });
};

function bearerError(res, status, error) {
  sendJson(res, status, { error }, { 'WWW-Authenticate': `Bearer error="${error}"`, 'Cache-Control': 'no-store' });
}

// Checks the IAT: signed with the current key, not expired, known, unused (401 invalid_token), scope
// exactly client.create (403 insufficient_scope). Returns its claims or null after answering.
function checkIat(S, req, res) {
  const m = /^bearer\s+(\S+)$/i.exec(req.headers.authorization || '');
  const d = m ? decodeJwt(m[1]) : null;
  const O = S.oauth;
  const now = Math.floor(Date.now() / 1000);
  if (!d || d.header.alg !== 'RS256' || !verifyRs256(d, O.signingJwk)) { bearerError(res, 401, 'invalid_token'); return null; }
  const rec = S.dcr.iats.get(d.claims.jti);
  if (!rec || rec.used || !(d.claims.exp > now)) { bearerError(res, 401, 'invalid_token'); return null; }
  if (d.claims.scope !== 'client.create') { bearerError(res, 403, 'insufficient_scope'); return null; }
  return { claims: d.claims, rec };
}

// dhis2-dcr.md §2 "redirect_uris": SAS 1.5 rejects fragments; ss@7.0.6 (2.44) also URIs with no scheme
// and javascript:/data:/vbscript:. DHIS2 does not check them against the allowlist.
function badRedirect(P, uris) {
  if (!Array.isArray(uris) || uris.length === 0) return true;
  for (const u of uris) {
    if (typeof u !== 'string' || u.includes('#')) return true;
    if (P.dcrStrict) {
      const m = /^([a-z][a-z0-9+.-]*):/i.exec(u);
      if (!m || ['javascript', 'data', 'vbscript'].includes(m[1].toLowerCase())) return true;
    }
  }
  return false;
}

// dhis2-dcr.md §2 "scope", per profile: verbatim (2.42/2.43), filtered with defaults (2.43.2), refused (2.44).
function dcrScope(P, scope) {
  const asked = String(scope ?? '').split(' ').filter(Boolean);
  if (P.dcrScope === 'reject') return scope !== undefined && scope !== null ? { error: true } : { scopes: DEFAULT_DCR_SCOPES };
  if (P.dcrScope === 'filter') {
    if (asked.length === 0) return { scopes: DEFAULT_DCR_SCOPES };
    return { scopes: asked.filter((s) => ALLOWED_SCOPES.includes(s)) };
  }
  return { scopes: asked };
}

export async function handleRegister(S, req, res, url) {
  if (!dcrEnabled(S)) return sendText(res, 404, 'Not Found');
  const P = S.profileInfo;
  if (req.method === 'GET') return readRegistration(S, req, res, url);
  if (req.method !== 'POST') return sendText(res, 405, 'Method Not Allowed');
  const iat = checkIat(S, req, res);
  if (!iat) return;
  let b;
  try { b = JSON.parse(await readBody(req) || '{}'); } catch { return regError(res, 400, 'invalid_request'); }
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return regError(res, 400, 'invalid_request');
  // Validation (SAS OidcClientRegistrationAuthenticationValidator / provider), in this order; a failed
  // registration does not use up the IAT (dhis2-dcr.md §2, inferred there).
  if (badRedirect(P, b.redirect_uris)) return regError(res, 400, 'invalid_redirect_uri', 'Invalid Client Registration: redirect_uris');
  // The stand-in registers private_key_jwt clients only (dhis2-dcr.md "What a stand-in must reproduce" 9).
  const method = b.token_endpoint_auth_method ?? 'private_key_jwt';
  if (method !== 'private_key_jwt' || !b.jwks_uri) {
    return regError(res, 400, 'invalid_client_metadata', 'Invalid Client Registration: token_endpoint_auth_method');
  }
  if (P.dcrStrict && !/^https:\/\//i.test(String(b.jwks_uri))) {
    return regError(res, 400, 'invalid_client_metadata', 'Invalid Client Registration: jwks_uri');
  }
  const sc = dcrScope(P, b.scope);
  if (sc.error) return regError(res, 400, 'invalid_scope', 'Invalid Client Registration: scope');
  // DHIS2's converter (IJC): jwks required and parsed; both failures are an IllegalArgumentException
  // thrown inside the provider, likely a 500 (dhis2-dcr.md §2 ⚠ UNVERIFIED; the body here is the stand-in's).
  if (b.jwks === undefined || b.jwks === null) return sendJson(res, 500, { error: 'server_error', error_description: "'jwks' must be provided in registration" });
  const keys = b.jwks && Array.isArray(b.jwks.keys) ? b.jwks.keys : null;
  if (!keys || !keys.every((k) => k && typeof k === 'object' && typeof k.kty === 'string')) {
    return sendJson(res, 500, { error: 'server_error', error_description: "Invalid inline 'jwks' in registration" });
  }
  iat.rec.used = true;
  return sendJson(res, 201, registerDcrClient(S, b, sc.scopes, iat.claims.sub), { 'Cache-Control': 'no-store' });
}

// Stores the client (owned by the IAT subject) and returns the RFC 7591 answer (dhis2-dcr.md §2 "Response").
function registerDcrClient(S, b, scopes, owner) {
  const O = S.oauth;
  const P = S.profileInfo;
  const clientId = randomBytes(32).toString('base64url');
  const issuedAt = Math.floor(Date.now() / 1000);
  const regToken = randomBytes(32).toString('base64url');
  S.issued?.push(regToken);
  const alg = b.token_endpoint_auth_signing_alg || 'RS256';
  const name = b.client_name || clientId;
  // dhis2-dcr.md §4: 2.42.5/2.43.1 keep the SAS defaults (60 min, reused); 2.43.2/2.44 use
  // oauth2.server.dcr.refresh-token-ttl (default 30 days) with rotation. Consent off, PKCE on (§3).
  const tokens = P.dcrRotate
    ? { accessTtl: S.opts.accessTtl, refreshTtl: S.opts.dcrRefreshTtl, reuse: false }
    : { accessTtl: S.opts.accessTtl, refreshTtl: S.opts.refreshTtl, reuse: true };
  O.registerClient({
    clientId, name, uid: S.newUid(), redirectUris: b.redirect_uris, scope: scopes.join(' '),
    dcr: { jwks: b.jwks, alg, owner, regToken, issuedAt, jwksUri: b.jwks_uri, grantTypes: b.grant_types || ['authorization_code'] },
    tokens, noConsent: true,
  });
  return {
    client_id: clientId, client_id_issued_at: issuedAt, client_name: name, redirect_uris: b.redirect_uris,
    grant_types: b.grant_types || ['authorization_code'], response_types: ['code'], scope: scopes.join(' '),
    token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: alg, id_token_signed_response_alg: 'RS256',
    registration_client_uri: `${O.issuer}connect/register?client_id=${clientId}`, registration_access_token: regToken,
    jwks_uri: b.jwks_uri, jwks: b.jwks,
  };
}

// GET /connect/register?client_id=… with the registration access token (a client.read token; SAS offers
// only GET here, no update or delete: dhis2-dcr.md §5 "No key rotation").
function readRegistration(S, req, res, url) {
  const m = /^bearer\s+(\S+)$/i.exec(req.headers.authorization || '');
  const c = S.oauth.clients.get(url.searchParams.get('client_id') || '');
  if (!m || !c?.dcr || c.dcr.regToken !== m[1]) return bearerError(res, 401, 'invalid_token');
  return sendJson(res, 200, {
    client_id: c.clientId, client_id_issued_at: c.dcr.issuedAt, client_name: c.metadata.client_name, redirect_uris: c.metadata.redirect_uris,
    grant_types: c.dcr.grantTypes, response_types: ['code'], scope: c.scopeText,
    token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: c.dcr.alg, id_token_signed_response_alg: 'RS256',
    registration_client_uri: `${S.oauth.issuer}connect/register?client_id=${c.clientId}`, jwks_uri: c.dcr.jwksUri, jwks: c.dcr.jwks,
  }, { 'Cache-Control': 'no-store' });
}

// --- private_key_jwt at the token, revocation and introspection endpoints (dhis2-dcr.md §3) -----------
// Returns null when the assertion authenticates client `c`, else a short reason (for the log only: the
// answer is always 401 {"error":"invalid_client"}, dhis2-server.md §2.12).
export function checkClientAssertion(S, c, form) {
  if (form.client_assertion_type !== JWT_BEARER) return 'client_assertion_type';
  if (!c?.dcr) return 'not a private_key_jwt client';
  const d = decodeJwt(form.client_assertion);
  if (!d) return 'malformed assertion';
  if (d.header.alg !== c.dcr.alg) return 'alg';
  // The first RSA key of the inline set; kid is not used. No RSA key → the decoder fails
  // (IllegalStateException "No RSA key in the inline JWKS"); the stand-in answers invalid_client
  // (the reference does not say what the client sees).
  const key = (c.dcr.jwks.keys || []).find((k) => k.kty === 'RSA');
  if (!key) return 'No RSA key in the inline JWKS';
  if (d.header.alg !== 'RS256' || !verifyRs256(d, key)) return 'signature';
  const cl = d.claims;
  if (cl.iss !== c.clientId || cl.sub !== c.clientId) return 'iss/sub';
  const iss = S.oauth.issuer;
  const base = iss.replace(/\/+$/, '');
  const accepted = [iss, `${base}/oauth2/token`, `${base}/oauth2/introspect`, `${base}/oauth2/revoke`, `${base}/oauth2/par`];
  const aud = [].concat(cl.aud ?? []);
  if (!aud.some((a) => accepted.includes(a))) return 'aud';
  const now = Math.floor(Date.now() / 1000);
  // exp required; exp/nbf with 60 s skew; iat and jti are not checked (no replay cache).
  if (typeof cl.exp !== 'number' || cl.exp + 60 < now) return 'exp';
  if (typeof cl.nbf === 'number' && cl.nbf - 60 > now) return 'nbf';
  return null;
}

// --- system settings (dhis2-dcr.md §1 "Settings") -------------------------------------------------------
// POST /api/systemSettings/{key}?value=… (or a text/plain body) and GET /api/systemSettings/{key}; only
// the three enrolment keys are stored. Superuser only here, and the success text is the stand-in's (the
// reference names neither the authority nor the answer).
export async function systemSettings(S, req, res, key, url, user) {
  if (!(key in SETTING_DEFAULTS)) {
    return sendWebMessage(res, 404, { message: `Setting does not exist: ${key}` });
  }
  if (req.method === 'GET') return sendJson(res, 200, { [key]: S.settings[key] });
  if (req.method !== 'POST') return sendWebMessage(res, 405, { message: `Request method '${req.method}' is not supported` });
  if (!user.__auth.superuser) return sendWebMessage(res, 403, { message: 'Access is denied' });
  let value = url.searchParams.get('value');
  if (value === null) value = (await readBody(req)).trim();
  S.settings[key] = key === 'deviceEnrollmentIATTtlSeconds' ? Number(value) || SETTING_DEFAULTS[key] : value;
  return sendJson(res, 200, webMessage(200, { message: `System setting '${key}' set to value '${value}'.` }));
}
