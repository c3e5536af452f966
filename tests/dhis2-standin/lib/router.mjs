// Top-level request dispatch: host alias, context path, control API, login pages, OAuth2, /api.
import { fixtures } from './state.mjs';
import { handleApi, authUser, loginStatusFor } from './api.mjs';
import { handleUaa } from './uaa.mjs';
import { checkFaults, setFaults, rotateSigningKey } from './faults.mjs';
import { sendJson, sendText, redirect, readJson, readBody, htmlEscape, isLoopback, parseCookies, webMessage } from './util.mjs';
import querystring from 'node:querystring';
import { dcrEnabled, handleRegister } from './dcr.mjs';

function authScheme(req) {
  const a = req.headers.authorization || '';
  const m = /^(\S+)\s/.exec(a);
  if (m) {
    const s = m[1].toLowerCase();
    if (s === 'basic' || s === 'apitoken' || s === 'bearer') return s;
    return s;
  }
  if (parseCookies(req.headers.cookie).JSESSIONID) return 'cookie';
  return 'none';
}

export async function handle(S, req, res) {
  const hostHeader = req.headers.host || '';
  const url = new URL(req.url, S.origin);
  let path = url.pathname;

  const isControl = path.startsWith(`${S.ctxPath}/__standin/`);
  if (!isControl) {
    // Request log (never the secret itself: no header values, no query string).
    // `fault`: which fault answered (faults.mjs), null for a normal answer.
    const entry = { seq: ++S.seq, method: req.method, path, host: hostHeader, auth: authScheme(req), grantType: null, status: null, fault: null };
    S.requests.push(entry);
    if (S.requests.length > 5000) S.requests.shift();
    req._standinLog = entry;
    // A request the client gave up on before any answer (a hanging fault) keeps status null.
    const done = () => { if (entry.status == null && res.headersSent) entry.status = res.statusCode; };
    res.on('finish', done);
    res.on('close', done);
  }

  // §7: cross-host redirect alias (play.dhis2.org -> play.im.dhis2.org): localhost answers with a
  // redirect to the canonical 127.0.0.1 host. Clients drop Authorization on it.
  if (/^localhost(:\d+)?$/i.test(hostHeader)) {
    redirect(res, 301, `${S.origin}${req.url}`);
    return;
  }

  if (S.ctxPath) {
    if (path !== S.ctxPath && !path.startsWith(`${S.ctxPath}/`)) {
      sendText(res, 404, 'Not Found');
      return;
    }
    path = path.slice(S.ctxPath.length) || '/';
  }
  const rel = path;
  const relUrl = rel + url.search;

  if (rel.startsWith('/__standin/')) return control(S, req, res, rel.slice('/__standin/'.length));

  const P = S.profileInfo;
  if (rel === P.loginPath || (rel === '/dhis-web-commons-security/login.action') || (P.loginPath.endsWith('/') && rel === P.loginPath.slice(0, -1))) {
    if (rel !== P.loginPath && req.method === 'GET') return redirect(res, 302, `${S.baseUrl}${P.loginPath}`);
    return loginPage(S, req, res);
  }
  if (rel === '/dhis-web-commons-security/logout.action' || rel === '/api/auth/logout') {
    const s = S.sessionFromCookieHeader(req.headers.cookie);
    if (s) S.sessions.delete(s.id);
    // DHIS2's authorization server authenticates with the same Spring session (dhis2-server.md §5.2;
    // dhis2-dcr.md §7: silent sign-in works only while the browser holds a live DHIS2 session), so the
    // logout ends the provider's own browser session too: the next authorize asks who you are.
    const gone = ['JSESSIONID=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax'];
    const sid = /(?:^|;\s*)_session=([^;]+)/.exec(req.headers.cookie || '')?.[1];
    if (S.oauth && sid) {
      const sessions = S.oauth.store.model('Session');
      for (const [k, e] of sessions) if (k === sid || e.payload?.uid === sid) sessions.delete(k);
      for (const n of ['_session', '_session.sig']) gone.push(`${n}=; Path=${S.ctxPath || '/'}; Max-Age=0; HttpOnly; SameSite=Lax`);
    }
    return redirect(res, 302, `${S.baseUrl}${P.loginPath}`, { 'Set-Cookie': gone });
  }
  if (rel === '/' || rel === '/dhis-web-dashboard/' || rel === '/dhis-web-dashboard') {
    const s = S.sessionFromCookieHeader(req.headers.cookie);
    if (!s?.user) return redirect(res, 302, `${S.baseUrl}${P.loginPath}`);
    if (rel === '/') return redirect(res, 302, `${S.baseUrl}/dhis-web-dashboard/`);
    return sendText(res, 200, `<!DOCTYPE html><html><body><h1 id="dashboard">Dashboard</h1><p>Signed in as ${htmlEscape(s.user)}</p></body></html>`, 'text/html;charset=UTF-8');
  }

  if (rel.startsWith('/uaa/')) {
    if (P.oauth2) return sendText(res, 404, 'Not Found');
    return handleUaa(S, req, res, rel);
  }

  const isOAuthPath = rel.startsWith('/oauth2/') || rel === '/userinfo' || rel.startsWith('/connect/') || rel.startsWith('/.well-known/');
  if (isOAuthPath) {
    if (!S.oauth) return sendText(res, 404, 'Not Found'); // §9.1 v2.40: no /oauth2/* (404)
    if (S.opts.oauth2Off || S.faults.oauth2Off) return oauthOff(S, req, res, rel);
    if (rel.startsWith('/.well-known/') && (S.opts.noDiscovery || S.faults.noDiscovery)) {
      // Discovery missing while /oauth2/* is there: clients fall back to DHIS2's default paths.
      return sendText(res, 404, 'Not Found');
    }
    if (S.opts.trailingSlash || S.faults.trailingSlash) {
      // §2.2 / §9.2 `trailing-slash`: a 2.42.4 stack answered /oauth2/* with a 301 to the
      // trailing-slash path (POSTs included). The stand-in's own interaction pages are exempt.
      if (rel.startsWith('/oauth2/') && !rel.startsWith('/oauth2/interaction/')) {
        if (!rel.endsWith('/')) return redirect(res, 301, `${S.baseUrl}${rel}/${url.search}`);
        return oauthRoute(S, req, res, rel.replace(/\/+$/, ''), url);
      }
    }
    return oauthRoute(S, req, res, rel, url);
  }

  if (rel === '/api' || rel === '/api/') return redirect(res, 302, `${S.baseUrl}/api/resources`);
  if (rel.startsWith('/api/')) return handleApi(S, req, res, rel, url);

  sendText(res, 404, 'Not Found');
}

// §9.2 `oauth2=off` (2.42.6+ with oauth2.server.enabled=off): discovery and the other OAuth2 pages
// go to the login page, and a token POST gets DHIS2's generic 401 WebMessage, not OAuth JSON.
function oauthOff(S, req, res, rel) {
  if (rel === '/oauth2/token' && req.method === 'POST') {
    return sendJson(res, 401, webMessage(401, { message: 'Unauthorized' }), { 'Cache-Control': 'no-cache, private' });
  }
  return redirect(res, 302, `${S.baseUrl}${S.profileInfo.loginPath}`);
}

async function oauthRoute(S, req, res, rel, url) {
  const O = S.oauth;
  const im = /^\/oauth2\/interaction\/([^/]+)(?:\/(consent))?$/.exec(rel);
  if (im) return O.handleInteraction(req, res, im[2] || '');

  // dhis2-dcr.md §2: DCR at /connect/register is answered by dcr.mjs, not by oidc-provider.
  if (rel === '/connect/register') return handleRegister(S, req, res, url);

  let target = rel;
  if (rel === '/oauth2/userinfo') target = '/userinfo'; // §2.2: both paths
  if (rel === '/.well-known/oauth-authorization-server') target = '/.well-known/openid-configuration';

  if (target === '/oauth2/token' || target === '/oauth2/revoke' || target === '/oauth2/introspect') {
    if (req.method === 'POST') {
      const ok = await O.preprocessTokenRequest(req, res, target.split('/')[2]);
      if (!ok) return;
      if (target === '/oauth2/token') O.rewriteTokenResponse(res); // access tokens are JWTs (jwt.mjs)
    }
  }
  if (target === '/userinfo') O.toStoredBearer(req);
  if (target === '/oauth2/authorize') {
    const c = O.clients.get(url.searchParams.get('client_id'));
    if (c?.broken) {
      // §2.4 pitfalls: a client whose fields were sent as JSON arrays fails at authorize with 500.
      return sendText(res, 500, '<!DOCTYPE html><html><body><h1>Internal Server Error</h1><p>authorizationGrantTypes cannot be empty</p></body></html>', 'text/html;charset=UTF-8');
    }
    // DHIS2 (Spring) answers with 302 where oidc-provider uses 303.
    let sc = 200;
    Object.defineProperty(res, 'statusCode', { configurable: true, get: () => sc, set: (v) => { sc = v === 303 ? 302 : v; } });
  }
  if (target === '/.well-known/openid-configuration') {
    // §2.3: SAS advertises scopes_supported ["openid"] and S256 only.
    const end = res.end.bind(res);
    res.end = (chunk, ...rest) => {
      try {
        if (chunk && res.statusCode === 200) {
          const doc = JSON.parse(chunk.toString());
          doc.scopes_supported = ['openid'];
          doc.code_challenge_methods_supported = ['S256'];
          doc.subject_types_supported = ['public'];
          doc.id_token_signing_alg_values_supported = ['RS256'];
          // §2.3: registration_endpoint only when DCR is on (dhis2-dcr.md §2, §7 path table).
          if (dcrEnabled(S)) doc.registration_endpoint = `${O.issuer}connect/register`;
          else delete doc.registration_endpoint;
          const txt = JSON.stringify(doc);
          res.setHeader('Content-Length', Buffer.byteLength(txt));
          return end(txt);
        }
      } catch { /* fall through */ }
      return end(chunk, ...rest);
    };
  }
  const newUrl = target + url.search;
  req.originalUrl = S.ctxPath + newUrl;
  req.url = newUrl;
  const provider = O.provider;
  if (!provider.__cb) provider.__cb = provider.callback();
  return provider.__cb(req, res);
}

function loginHtml(S, { error, twoFactor, username } = {}) {
  const P = S.profileInfo;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>DHIS2 login</title></head>
<body>
<h1>DHIS2</h1>
${error ? `<div id="error" role="alert">${htmlEscape(error)}</div>` : ''}
<form id="login-form" method="post" action="${htmlEscape(`${S.ctxPath}${P.loginPath}`)}">
  <label for="username">Username</label>
  <input type="text" id="username" name="username" autocomplete="username" value="${htmlEscape(username || '')}">
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password">
  ${twoFactor ? '<label for="twoFactorCode">Authentication code</label><input type="text" id="twoFactorCode" name="twoFactorCode" autocomplete="one-time-code">' : ''}
  <button type="submit" id="submit" name="submit">Log in</button>
</form>
</body></html>`;
}

const LOGIN_ERRORS = {
  BAD_CREDENTIALS: 'Incorrect username or password',
  ACCOUNT_LOCKED: 'Account locked',
  ACCOUNT_DISABLED: 'Account disabled',
  INCORRECT_TWO_FACTOR_CODE_TOTP: 'Incorrect authentication code',
};

async function loginPage(S, req, res) {
  if (req.method === 'GET' || req.method === 'HEAD') {
    return sendText(res, 200, loginHtml(S), 'text/html;charset=UTF-8', { 'Cache-Control': 'no-store' });
  }
  if (req.method !== 'POST') return sendText(res, 405, 'Method Not Allowed');
  const form = querystring.parse(await readBody(req));
  const username = String(form.username || form.j_username || '');
  const password = String(form.password || form.j_password || '');
  const code = form.twoFactorCode || form['2fa_code'];
  const status = loginStatusFor(S, username, password, code);
  if (status !== 'SUCCESS') {
    const twoFactor = status.startsWith('INCORRECT_TWO_FACTOR');
    const html = loginHtml(S, { error: LOGIN_ERRORS[status] || status, twoFactor, username });
    return sendText(res, 200, html, 'text/html;charset=UTF-8', { 'Cache-Control': 'no-store' });
  }
  const { session, redirectUrl } = establishSession(S, req, username);
  redirect(res, 302, redirectUrl, { 'Set-Cookie': S.sessionCookie(session) });
}

// Session fixation protection "migrate" (§5.2): a new id, the saved request carried over.
export function establishSession(S, req, username) {
  const old = S.sessionFromCookieHeader(req.headers.cookie);
  const session = S.newSession(username);
  if (old) { session.savedUrl = old.savedUrl; S.sessions.delete(old.id); }
  const saved = session.savedUrl;
  delete session.savedUrl;
  const redirectUrl = saved ? `${S.origin}${saved}` : `${S.baseUrl}/dhis-web-dashboard/`;
  return { session, redirectUrl };
}

async function control(S, req, res, what) {
  if (!isLoopback(req.socket.remoteAddress)) {
    return sendJson(res, 403, webMessage(403, { message: 'The stand-in control API answers loopback peers only' }));
  }
  const m = req.method;
  if (what === 'fixtures' && m === 'GET') return sendJson(res, 200, fixtures(S));
  if (what === 'faults') {
    // `held`: responses a fault keeps open right now (a hanging token request, a dripping body).
    const answer = () => sendJson(res, 200, { faults: S.faults, held: S.held.size });
    if (m === 'POST') {
      let body;
      try { body = await readJson(req); } catch { return sendJson(res, 400, webMessage(400, { message: 'Invalid JSON' })); }
      const err = checkFaults(body);
      if (err) return sendJson(res, 400, webMessage(400, { message: `Fault not set: ${err}` }));
      setFaults(S, body);
      return answer();
    }
    // Clearing does not bring back tokens a rotateSigningKey made invalid: the old key is gone.
    if (m === 'DELETE') { S.faults = {}; return answer(); }
    if (m === 'GET') return answer();
  }
  if (what === 'expire-tokens' && m === 'POST') {
    S.oauth?.expireAll();
    for (const t of S.uaaTokens.values()) if (t.kind === 'access_token') t.exp = Date.now() - 1;
    return sendJson(res, 200, { expired: true });
  }
  if (what === 'rotate-key' && m === 'POST') {
    // The same as the fault rotateSigningKey (faults.mjs), without recording it in the faults.
    const r = rotateSigningKey(S, (await readJson(req).catch(() => ({}))) || {});
    return sendJson(res, 200, { rotated: true, kid: r.kid });
  }
  if (what === 'requests') {
    if (m === 'GET') return sendJson(res, 200, { requests: S.requests });
    if (m === 'DELETE') { S.requests = []; return sendJson(res, 200, { requests: [] }); }
  }
  // Every token value handed out (test-only): E2E leak scans look for each in the app's files.
  if (what === 'issued' && m === 'GET') return sendJson(res, 200, { tokens: [...(S.issued || []), ...S.uaaTokens.keys()] });
  if (what === 'token-status' && m === 'POST') {
    const { token } = await readJson(req);
    if (S.oauth) return sendJson(res, 200, S.oauth.tokenStatus(String(token || '')));
    const u = S.uaaTokens.get(String(token || ''));
    return sendJson(res, 200, u ? { known: true, active: !u.revoked && u.exp > Date.now(), revoked: !!u.revoked, kind: u.kind }
      : { known: false, active: false, revoked: false });
  }
  return sendJson(res, 404, webMessage(404, { message: `Unknown control endpoint ${m} /__standin/${what}` }));
}
