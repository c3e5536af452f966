// Legacy spring-security-oauth2 token endpoint of 2.39-2.41 (dhis2-server.md §3): password and
// refresh_token grants, opaque UUID tokens, access 12 h (or --access-ttl when given explicitly).
import querystring from 'node:querystring';
import { randomUUID } from 'node:crypto';
import { readBody, sendJson } from './util.mjs';
import { loginStatusFor } from './api.mjs';
import { tokenEndpointFault, takeFault } from './faults.mjs';

export async function handleUaa(S, req, res, rel) {
  if (rel !== '/uaa/oauth/token' || req.method !== 'POST') return sendJson(res, 404, { error: 'not_found' });
  const form = querystring.parse(await readBody(req));
  if (req._standinLog) req._standinLog.grantType = form.grant_type || null;
  if (tokenEndpointFault(S, req, res)) return;
  const auth = req.headers.authorization || '';
  let cid; let secret;
  if (/^basic /i.test(auth)) {
    const dec = Buffer.from(auth.slice(6).trim(), 'base64').toString();
    const i = dec.indexOf(':');
    cid = dec.slice(0, i); secret = dec.slice(i + 1);
  } else { cid = form.client_id; secret = form.client_secret; }
  const c = S.legacyClients.get(cid);
  if (!c || c.secret !== secret) return sendJson(res, 401, { error: 'unauthorized', error_description: 'Bad client credentials' });
  const accessMs = (S.opts.accessTtl === 300 ? 43200 : S.opts.accessTtl) * 1000;
  const issue = (username) => {
    const access = randomUUID();
    let refresh = [...S.uaaTokens.entries()].find(([, t]) => t.kind === 'refresh_token' && t.user === username && t.cid === cid && !t.revoked)?.[0];
    if (!refresh) {
      refresh = randomUUID();
      S.uaaTokens.set(refresh, { kind: 'refresh_token', user: username, cid, exp: Date.now() + 2147483647000 });
    }
    // gen: the key generation it was issued under (faults.mjs rotateSigningKey).
    S.uaaTokens.set(access, { kind: 'access_token', user: username, cid, exp: Date.now() + accessMs, issuedAtMs: Date.now(), gen: S.uaaGeneration });
    return sendJson(res, 200, { access_token: access, token_type: 'bearer', refresh_token: refresh, expires_in: Math.floor(accessMs / 1000) - 1, scope: 'ALL' },
      { 'Cache-Control': 'no-store' });
  };
  if (form.grant_type === 'password') {
    const st = loginStatusFor(S, String(form.username || ''), String(form.password || ''));
    if (st !== 'SUCCESS') return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Bad credentials' });
    return issue(String(form.username));
  }
  if (form.grant_type === 'refresh_token') {
    if (takeFault(S, 'refreshInvalidGrant')) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
    const t = S.uaaTokens.get(String(form.refresh_token || ''));
    if (!t || t.kind !== 'refresh_token' || t.revoked || t.cid !== cid) {
      return sendJson(res, 400, { error: 'invalid_grant', error_description: `Invalid refresh token: ${form.refresh_token}` });
    }
    return issue(t.user);
  }
  return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${form.grant_type}` });
}
