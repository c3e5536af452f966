// Fault switches for the client's fault matrix (issue 14): what a flaky network, a proxy or a restarted
// server does to the token endpoint and to /api/*. Set with `POST /__standin/faults` (router.mjs `control`).
//
// dhis2-server.md covers only the key rotation (§2.1, §2.9 "Restarts", §9.2 `restart`) and the cross-host
// redirect (§7). It is silent on proxies (502/503, Retry-After), connections cut mid-body, bodies that never
// end, token endpoints that hang or answer HTML, and https→http redirects: those answers are the stand-in's
// own, shaped like what nginx and a captive portal send, not like anything DHIS2 itself writes.
//
// Shapes: `true` (or a plain string) stays on until `DELETE /__standin/faults`; an object with `count: N`
// answers the next N matching requests, then clears itself, so a test can check the recovery.
import { sendJson, sendText, sendWebMessage, redirect, reason } from './util.mjs';

const TOKEN_MODES = ['5xx', 'timeout', 'html'];
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

// --- setting faults ----------------------------------------------------------------------------

const isInt = (v, min, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(v) && v >= min && v <= max;
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function checkCount(name, v) {
  if (isObj(v) && v.count !== undefined && !isInt(v.count, 1)) return `${name}.count must be an integer >= 1`;
  return null;
}

// One checker per new fault; each returns an error text or null. `false`/`null` switch a fault off.
const CHECKS = {
  tokenEndpoint(v) {
    const mode = isObj(v) ? v.mode : v;
    if (!TOKEN_MODES.includes(mode)) return `tokenEndpoint must be one of ${TOKEN_MODES.join(', ')} (or {mode, count})`;
    if (isObj(v) && v.status !== undefined && !isInt(v.status, 500, 599)) return 'tokenEndpoint.status must be 500-599';
    return checkCount('tokenEndpoint', v);
  },
  refreshInvalidGrant: (v) => (typeof v === 'boolean' || isObj(v) ? checkCount('refreshInvalidGrant', v) : 'refreshInvalidGrant must be true or {count}'),
  rotateSigningKey(v) {
    if (v === true) return null;
    if (!isObj(v) || ![undefined, 'works', 'invalid_grant'].includes(v.refresh)) {
      return 'rotateSigningKey must be true or {refresh: "works"|"invalid_grant"}';
    }
    return null;
  },
  apiStatus(v) {
    const o = isObj(v) ? v : { status: v };
    if (!isInt(o.status, 400, 599)) return 'apiStatus.status must be an integer 400-599 (502 and 503 are the proxy answers)';
    const ra = o.retryAfter;
    if (ra !== undefined && !isInt(ra, 0) && !(typeof ra === 'string' && ra.trim())) {
      return 'apiStatus.retryAfter must be seconds (an integer >= 0) or an HTTP-date string';
    }
    if (o.body !== undefined && !['html', 'text'].includes(o.body)) return 'apiStatus.body must be "html" or "text"';
    return checkCount('apiStatus', o);
  },
  resetMidBody(v) {
    if (typeof v === 'boolean') return null;
    if (!isObj(v)) return 'resetMidBody must be true or {count, after, reset}';
    if (v.after !== undefined && !isInt(v.after, 0)) return 'resetMidBody.after must be an integer >= 0 (bytes of body sent)';
    return checkCount('resetMidBody', v);
  },
  slowDrip(v) {
    if (typeof v === 'boolean') return null;
    if (!isObj(v)) return 'slowDrip must be true or {count, intervalMs}';
    if (v.intervalMs !== undefined && !isInt(v.intervalMs, 10)) return 'slowDrip.intervalMs must be an integer >= 10';
    return checkCount('slowDrip', v);
  },
  redirect(v) {
    const o = isObj(v) ? v : { to: v };
    const to = o.to;
    if (to !== 'cross-host' && to !== 'https-to-http' && !(typeof to === 'string' && /^https?:\/\/[^/\s]+/i.test(to))) {
      return 'redirect.to must be "cross-host", "https-to-http" or an absolute http(s) URL';
    }
    if (o.status !== undefined && !REDIRECT_STATUSES.includes(o.status)) return `redirect.status must be one of ${REDIRECT_STATUSES.join(', ')}`;
    return checkCount('redirect', o);
  },
};

// Checks every known fault in `body`; unknown keys are merged as they come (the older faults are free-form).
export function checkFaults(body) {
  if (!isObj(body)) return 'the body must be a JSON object';
  for (const [k, v] of Object.entries(body)) {
    if (v === false || v === null || !CHECKS[k]) continue;
    const err = CHECKS[k](v);
    if (err) return err;
  }
  return null;
}

// Merges `body` into S.faults. Shorthands are stored as objects so a count can be kept on them.
// rotateSigningKey is an action, not a state: it rotates now and records when.
export function setFaults(S, body) {
  const { rotateSigningKey: rotate, ...rest } = body;
  for (const [k, v] of Object.entries(rest)) {
    if (k === 'tokenEndpoint' && typeof v === 'string') rest[k] = { mode: v };
    else if (k === 'apiStatus' && typeof v === 'number') rest[k] = { status: v };
    else if (k === 'redirect' && typeof v === 'string') rest[k] = { to: v };
    else if (isObj(v)) rest[k] = { ...v }; // our own copy: counts are decremented in place
  }
  Object.assign(S.faults, rest);
  if (rotate) S.faults.rotateSigningKey = rotateSigningKey(S, isObj(rotate) ? rotate : {});
}

// Returns the fault's value (after counting this use) or null when it is off. An object with `count`
// is removed when its count runs out.
export function takeFault(S, name) {
  const f = S.faults[name];
  if (f === undefined || f === null || f === false) return null;
  if (isObj(f) && f.count !== undefined) {
    f.count = Number(f.count) - 1;
    if (f.count <= 0) delete S.faults[name];
  }
  return f;
}

const mark = (req, what) => { if (req._standinLog) req._standinLog.fault = what; };

// --- responses that never finish -----------------------------------------------------------------
// Hanging and dripping responses are kept in S.held, so that stopping the server can end them (the
// process must still exit on SIGTERM with such a request open; server.mjs `stop`).

export function hold(S, res, timer) {
  const entry = { res, timer };
  S.held.add(entry);
  res.on('close', () => { clearInterval(timer); S.held.delete(entry); });
}

export function releaseHeld(S) {
  for (const { res, timer } of S.held) { clearInterval(timer); res.socket?.destroy(); }
  S.held.clear();
}

// --- the signing key (§2.1, §2.9 "Restarts", §9.2 `restart`) -------------------------------------
// DHIS2 makes a new signing key at every start unless a keystore is configured, so every access token
// issued before is refused with 401 invalid_token. Refresh tokens live in the database: one observer saw
// them keep working, another saw invalid_grant, hence the two sub-modes.
export function rotateSigningKey(S, { refresh = 'works' } = {}) {
  const dropRefresh = refresh === 'invalid_grant';
  if (S.oauth) {
    S.oauth.rotateKey({ dropRefreshTokens: dropRefresh });
  } else {
    // 2.40 (/uaa, §3) has no signing key: its opaque tokens live in a token store. The reference is silent
    // on losing them; the stand-in refuses the earlier access tokens the same way so that one matrix row
    // runs on every profile.
    S.uaaGeneration += 1;
    if (dropRefresh) for (const t of S.uaaTokens.values()) if (t.kind === 'refresh_token') t.revoked = true;
  }
  return { at: new Date().toISOString(), kid: S.oauth?.currentKid ?? null, refresh };
}

// --- the token endpoint: POST /oauth2/token (oauth.mjs) and POST /uaa/oauth/token (uaa.mjs) ------------
// Called once the form has been read (the request was accepted). Returns true when the fault answered.
export function tokenEndpointFault(S, req, res) {
  const f = takeFault(S, 'tokenEndpoint');
  const mode = f ? f.mode : S.faults.tokenEndpointFailure ? '5xx' : null; // tokenEndpointFailure: the older name of "5xx"
  if (!mode) return false;
  mark(req, `tokenEndpoint:${mode}`);
  if (mode === 'timeout') {
    // Never answer: the client's own timeout has to end it.
    hold(S, res);
    return true;
  }
  if (mode === 'html') {
    // A 200 that is not JSON: what a captive portal, an SSO gateway or a wrong context path serves.
    sendText(res, 200, PORTAL_HTML, 'text/html;charset=UTF-8', { 'Cache-Control': 'no-store' });
    return true;
  }
  sendJson(res, f?.status || 500, { error: 'server_error' }, { 'Cache-Control': 'no-store' });
  return true;
}

const PORTAL_HTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Network login</title></head>
<body><h1>Sign in to the network</h1><p>Your session has ended. Please sign in to continue.</p></body></html>`;

// --- /api/* (api.mjs, before authentication, so any credentials or none get the fault) -------------------
// Returns true when a fault answered. The older free-form faults keep their shapes: delayMs;
// status + statusCount + retryAfter (a WebMessage); resetMidBody + resetCount.
export async function apiFault(S, req, res, rel, url) {
  const f = S.faults;
  if (f.delayMs) await new Promise((r) => setTimeout(r, Number(f.delayMs)));
  let x;
  if ((x = takeFault(S, 'redirect'))) return redirectFault(S, req, res, rel, url, x);
  if ((x = takeFault(S, 'apiStatus'))) return proxyStatus(req, res, x);
  if (f.status) return legacyStatus(S, req, res);
  if ((x = takeFault(S, 'resetMidBody'))) {
    if (x === true && f.resetCount !== undefined) {
      f.resetCount = Number(f.resetCount) - 1;
      if (f.resetCount <= 0) { delete f.resetMidBody; delete f.resetCount; }
    }
    return cutBody(S, req, res, isObj(x) ? x : {});
  }
  if ((x = takeFault(S, 'slowDrip'))) return drip(S, req, res, isObj(x) ? x : {});
  return false;
}

// §7: play.dhis2.org answers with a 302 to another host; clients must not carry credentials there.
// "cross-host" sends the client to the localhost alias of this server (which answers 301 back to 127.0.0.1,
// router.mjs), so the request log shows whether credentials went to localhost. The stand-in speaks http
// only, so "https-to-http" names the same host and path with http://: a downgrade only when the client
// reached the stand-in through an https front (a TLS proxy in the client's test, whose instance base URL is
// https://…). Any other value is used as the Location as it is.
function redirectFault(S, req, res, rel, url, { to, status = 302 }) {
  let location = to;
  if (to === 'cross-host') location = `${S.aliasUrl}${rel}${url.search}`;
  else if (to === 'https-to-http') location = `http://${req.headers.host}${S.ctxPath}${rel}${url.search}`;
  mark(req, 'redirect');
  redirect(res, status, location);
  return true;
}

// A reverse proxy's answer while DHIS2 restarts (nginx's own pages), not a DHIS2 WebMessage.
function proxyStatus(req, res, { status, retryAfter, body = 'html' }) {
  const h = { 'Cache-Control': 'no-store' };
  if (retryAfter !== undefined) h['Retry-After'] = String(retryAfter);
  const title = `${status} ${reason(status)}`;
  mark(req, `apiStatus:${status}`);
  if (body === 'text') sendText(res, status, `${title}\n`, 'text/plain;charset=UTF-8', h);
  else sendText(res, status, `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`, 'text/html', h);
  return true;
}

function legacyStatus(S, req, res) {
  const f = S.faults;
  const status = Number(f.status);
  const retryAfter = f.retryAfter;
  if (f.statusCount !== undefined) {
    f.statusCount = Number(f.statusCount) - 1;
    if (f.statusCount <= 0) { delete f.status; delete f.statusCount; delete f.retryAfter; }
  }
  const h = {};
  if (retryAfter !== undefined || status === 503 || status === 429) h['Retry-After'] = String(retryAfter ?? 1);
  mark(req, `status:${status}`);
  sendWebMessage(res, status, { message: reason(status) }, h);
  return true;
}

// A page of org units that is never sent whole: the headers promise all of it (Content-Length), `after`
// bytes arrive (default: half), then the connection ends. By default it is closed (FIN), so the client
// always gets the headers and the partial body, then an early end. `reset: true` sends a TCP RST instead
// (ECONNRESET), 200 ms after the partial body: Linux throws away what the client has not read yet when the
// RST arrives, so a client that reads later may see the reset before the headers.
const CUT_BODY = Buffer.from(JSON.stringify({
  pager: { page: 1, total: 40, pageSize: 50, pageCount: 1 },
  organisationUnits: Array.from({ length: 40 }, (_, i) => ({ id: `OuCut${String(i).padStart(6, '0')}`, displayName: `Cut-off unit ${i + 1}` })),
}));

function cutBody(S, req, res, { after, reset = false }) {
  const n = Math.min(after ?? Math.floor(CUT_BODY.length / 2), CUT_BODY.length - 1);
  mark(req, 'resetMidBody');
  res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': CUT_BODY.length });
  res.flushHeaders();
  hold(S, res);
  const end = () => setTimeout(() => {
    if (!res.socket || res.socket.destroyed) return;
    if (reset) res.socket.resetAndDestroy(); else res.socket.destroy();
  }, reset ? 200 : 20);
  if (n > 0) res.write(CUT_BODY.subarray(0, n), end); else end();
  return true;
}

// Headers at once, then one byte (JSON whitespace) every intervalMs (default 500) for ever: a body that
// never ends, slow enough to defeat an idle-read timeout, so only an overall deadline ends it.
function drip(S, req, res, { intervalMs = 500 }) {
  mark(req, 'slowDrip');
  res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store' });
  res.flushHeaders();
  const timer = setInterval(() => { if (!res.destroyed) res.write(' '); }, intervalMs);
  hold(S, res, timer);
  return true;
}
