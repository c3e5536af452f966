// JWTs: the small RS256 helpers (also used by dcr.mjs for the IAT and client assertions) and the access
// tokens as DHIS2 issues them (dhis2-server.md §2.10, §2.11; dhis2-dcr.md §7, "What a stand-in must
// reproduce" 15).
//
// oidc-provider still issues and stores its opaque access token: the stored record keeps introspection,
// revocation, userinfo and the control API's token-status working as SAS's oauth2_authorization table does.
// What the client receives is an RS256 JWT whose `jti` is that opaque id. oidc-provider's own JWT format
// (resource indicators, accessTokenFormat 'jwt') is not used because it does not store the token, so
// introspection, revocation and token-status would know nothing about it, and its userinfo endpoint
// refuses any token with an `aud`.
//
// On /api/* the JWT is checked by signature and claims only (§2.11), never against the store, so a revoked
// access token keeps working until it expires, as on DHIS2 (dhis2-dcr.md §7).
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';

const b64json = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

export function signJwt(privateJwk, claims, header = {}) {
  const h = { alg: 'RS256', typ: 'JWT', ...header };
  const input = `${b64json(h)}.${b64json(claims)}`;
  const sig = sign('sha256', Buffer.from(input), createPrivateKey({ key: privateJwk, format: 'jwk' }));
  return `${input}.${sig.toString('base64url')}`;
}

// Returns { header, claims, input, sig } or null for anything that is not a compact JWS with JSON parts.
export function decodeJwt(token) {
  const parts = String(token || '').split('.');
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object' || Array.isArray(claims)) return null;
    return { header, claims, input: `${parts[0]}.${parts[1]}`, sig: Buffer.from(parts[2], 'base64url') };
  } catch { return null; }
}

// Key objects per JWK object: /api/* verifies every bearer request.
const publicKeys = new WeakMap();

export function verifyRs256(d, jwk) {
  try {
    let key = publicKeys.get(jwk);
    if (!key) { key = createPublicKey({ key: jwk, format: 'jwk' }); publicKeys.set(jwk, key); }
    return verify('sha256', Buffer.from(d.input), key, d.sig);
  } catch { return false; }
}

const isoSeconds = (sec) => new Date(sec * 1000).toISOString().replace(/\.\d+Z$/, 'Z'); // Instant.toString()
const DECODE_ERR = 'An error occurred while attempting to decode the Jwt: ';

// --- issuing (§2.10) ---------------------------------------------------------------------------------
// The JWT for oidc-provider's stored access token `opaque` (the token endpoint's answer is rewritten with
// it, OAuthServer.rewriteTokenResponse). Claims as SAS's JwtGenerator plus DHIS2's tokenCustomizer: sub =
// the username, aud = [client id], scope as an array, `username` only with the username scope, `email`
// only with the email scope. The header is SAS's: alg and kid, no typ.
export function mintAccessJwt(O, opaque) {
  const t = O.store.tokens.get(opaque);
  const e = O.store.model('AccessToken').get(opaque);
  if (!t || !e) return opaque;
  if (t.jwt) return t.jwt;
  const p = e.payload;
  const scope = String(p.scope || '').split(' ').filter(Boolean);
  const user = O.S.users.byUsername.get(p.accountId);
  const claims = { sub: p.accountId, aud: [p.clientId], nbf: p.iat, scope, iss: O.issuer, exp: p.exp, iat: p.iat, jti: p.jti || opaque };
  if (scope.includes('username')) claims.username = user?.username ?? p.accountId;
  // 2.42.5+ fails token issuance for a user without an email; every seeded user has one.
  if (scope.includes('email')) claims.email = user?.email;
  t.jwt = signJwt(O.signingJwk, claims, { typ: undefined, kid: O.currentKid });
  return t.jwt;
}

// The stored opaque id of an access-token JWT this server issued (the exact string, as SAS looks tokens up
// by value), or null. `currentKeyOnly`: also require a signature by the current key (userinfo decodes the
// JWT first, as SAS's resource server does).
export function opaqueIdOf(O, token, { currentKeyOnly = false } = {}) {
  const d = decodeJwt(token);
  const jti = d && typeof d.claims.jti === 'string' ? d.claims.jti : null;
  if (!jti || O.store.tokens.get(jti)?.jwt !== token) return null;
  if (currentKeyOnly && !(d.header.kid === O.currentKid && verifyRs256(d, O.signingJwk))) return null;
  return jti;
}

// --- the test switch POST /__standin/expire-tokens -----------------------------------------------------
// "Every access token issued before now is expired": a cutoff, since a self-contained token cannot be
// changed once issued. `iat` has whole seconds only, so the tokens of the last two seconds are listed by
// jti; anything older than that is refused by its iat alone. Tokens issued after the switch always pass.
export function expiryCutoff(O, nowMs = Date.now()) {
  const recent = new Set();
  for (const [id, t] of O.store.tokens) if (t.kind === 'AccessToken' && t.issuedAtMs >= nowMs - 2000) recent.add(id);
  return { ms: nowMs, recent };
}

function cutOff(cutoff, claims) {
  if (!cutoff) return false;
  return claims.iat * 1000 < cutoff.ms - 2000 || cutoff.recent.has(claims.jti);
}

// --- /api/* (§2.11) ----------------------------------------------------------------------------------
// The checks of Dhis2JwtAuthenticationManagerResolver in its order: issuer (read before the signature is
// checked), then Spring's decoder (signature with the current key(s), exp), audience, mapping claim. The
// texts are Spring's and DHIS2's. Unlike Spring (60 s clock skew), an expired token is refused at once.
export function verifyAccessJwt(O, token) {
  const bad = (description) => ({ ok: false, description });
  const d = decodeJwt(token);
  if (!d) return bad(`${DECODE_ERR}Malformed token`);
  const c = d.claims;
  const trim = (s) => String(s ?? '').replace(/\/+$/, '');
  if (typeof c.iss !== 'string' || trim(c.iss) !== trim(O.issuer)) return bad('Invalid issuer');
  const keys = O.verificationKeys().filter((k) => d.header.kid === undefined || k.kid === d.header.kid);
  if (d.header.alg !== 'RS256' || keys.length === 0) {
    return bad(`${DECODE_ERR}Signed JWT rejected: Another algorithm expected, or no matching key(s) found`);
  }
  if (!keys.some((k) => verifyRs256(d, k))) return bad(`${DECODE_ERR}Signed JWT rejected: Invalid signature`);
  const now = Date.now() / 1000;
  if (typeof c.exp !== 'number' || c.exp <= now) return bad(`${DECODE_ERR}Jwt expired at ${isoSeconds(Number(c.exp) || 0)}`);
  if (cutOff(O.expiredBefore, c)) return bad(`${DECODE_ERR}Jwt expired at ${isoSeconds(Math.floor(O.expiredBefore.ms / 1000) - 1)}`);
  if (typeof c.nbf === 'number' && c.nbf > now + 60) return bad(`${DECODE_ERR}Jwt used before ${isoSeconds(c.nbf)}`);
  // The internal provider requires every audience to be a registered client (a deleted client's tokens fail).
  const aud = [].concat(c.aud ?? []);
  if (aud.length === 0 || !aud.every((a) => O.clients.has(a))) return bad('Invalid audience');
  if (O.S.faults.mappingBroken) return bad('Invalid mapping claim');
  // The internal provider maps on the `username` claim, present only with the username scope. A token
  // granted the legacy `ALL` scope is mapped through sub (= the username), as a 2.42/2.43 server set up
  // with the matching provider config would do.
  const scopes = Array.isArray(c.scope) ? c.scope : String(c.scope ?? '').split(' ').filter(Boolean);
  const value = typeof c.username === 'string' ? c.username : scopes.includes('ALL') && typeof c.sub === 'string' ? c.sub : null;
  const user = value ? O.S.users.byUsername.get(value) : null;
  if (!user) return bad(`Found no matching DHIS2 user for the mapping claim: 'username' with the value: '${value}'`);
  return { ok: true, user, scopes, clientId: aud[0] };
}
