#!/usr/bin/env node
// The "system browser" of the dhis2w Desktop end-to-end suite.
//
// dhis2w Desktop runs the program named by DHIS2W_TEST_BROWSER with the authorize URL as its single
// argument (test-only; a real install opens the system browser instead). This program plays the
// person at that browser: it opens the URL in headless Debian Chromium, fills the DHIS2 login form,
// approves the consent page, and lets the redirect reach the app:
//
//   - loopback mode (redirect_uri http://127.0.0.1:PORT/...): Chromium follows the redirect to the
//     app's loopback listener, and we wait for the app's "you can close this tab" page;
//   - deep-link mode (redirect_uri org.dhis2w.desktop:/...): Chromium cannot open a custom scheme, so
//     we capture the final redirect's Location and deliver it with `gio open "<url>"`, which starts a
//     second app instance that single-instance forwards to the running one.
//
// What to do comes from environment variables, overridden by an optional JSON control file that the
// test may rewrite between sign-ins (so one app launch can sign in as different users):
//
//   DHIS2W_TEST_USER / DHIS2W_TEST_PASSWORD   credentials for the login form
//   DHIS2W_TEST_BROWSER_LOG                   JSON-lines log of what we did (appended; the test reads it)
//   DHIS2W_TEST_BROWSER_CONFIG                optional JSON file: { user, password, consent: "approve"|"deny",
//                                             action: "complete"|"hold", selectors: {...}, timeoutMs,
//                                             profileDir (one browser profile kept across launches) }
//   DHIS2W_TEST_BROWSER_RELEASE               for action "hold": a file whose appearance ends the hold
//   DHIS2W_TEST_CHROMIUM                      Chromium binary (default /usr/bin/chromium)
//
// action "hold" opens the page, logs it (with the redirect_uri, so a test can read the loopback
// port) and then waits, like a person who walked away, until the release file appears or the
// timeout passes. It never signs in.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const started = Date.now();
const logPath = process.env.DHIS2W_TEST_BROWSER_LOG || join(tmpdir(), 'dhis2w-test-browser.log');

function log(event, fields = {}) {
  const line = JSON.stringify({ t: new Date().toISOString(), ms: Date.now() - started, pid: process.pid, event, ...fields });
  try { appendFileSync(logPath, line + '\n'); } catch (e) { process.stderr.write(`test-browser: cannot write ${logPath}: ${e.message}\n`); }
  process.stderr.write(`test-browser: ${line}\n`);
}

// Never log a secret: authorization codes, tokens and passwords are replaced by their length.
function redact(u) {
  try {
    const url = new URL(u);
    for (const k of ['code', 'iat', 'access_token', 'refresh_token', 'id_token', 'password', 'client_secret']) {
      if (url.searchParams.has(k)) url.searchParams.set(k, `<redacted:${url.searchParams.get(k).length}>`);
    }
    return url.toString();
  } catch { return String(u); }
}

function readConfig() {
  const cfg = {
    user: process.env.DHIS2W_TEST_USER || '',
    password: process.env.DHIS2W_TEST_PASSWORD || '',
    consent: process.env.DHIS2W_TEST_CONSENT || 'approve',
    action: process.env.DHIS2W_TEST_BROWSER_ACTION || 'complete',
    timeoutMs: Number(process.env.DHIS2W_TEST_BROWSER_TIMEOUT_MS || 45000),
    releaseFile: process.env.DHIS2W_TEST_BROWSER_RELEASE || '',
    selectors: {
      username: '#username', password: '#password', submit: '#submit',
      consent: '#submit-consent', cancelConsent: '#cancel-consent',
    },
  };
  const file = process.env.DHIS2W_TEST_BROWSER_CONFIG;
  if (file && existsSync(file)) {
    const over = JSON.parse(readFileSync(file, 'utf8'));
    Object.assign(cfg, { ...over, selectors: { ...cfg.selectors, ...(over.selectors || {}) } });
  }
  return cfg;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const authorizeUrl = process.argv[2];
  if (!authorizeUrl || process.argv.length !== 3) {
    log('error', { message: `expected exactly one argument (the authorize URL), got ${process.argv.length - 2}` });
    return 2;
  }
  const cfg = readConfig();
  const au = new URL(authorizeUrl);
  // The code flow's redirect_uri, or a device enrolment's redirectUri (/api/auth/enrollDevice).
  const redirectUri = au.searchParams.get('redirect_uri') || au.searchParams.get('redirectUri') || '';
  const deepLink = redirectUri !== '' && !/^https?:/i.test(redirectUri);
  log('start', {
    authorizeUrl: redact(authorizeUrl), redirectUri, clientId: au.searchParams.get('client_id'),
    enrolment: au.pathname.endsWith('/api/auth/enrollDevice'),
    state: au.searchParams.get('state'), scope: au.searchParams.get('scope'),
    codeChallengeMethod: au.searchParams.get('code_challenge_method'),
    mode: deepLink ? 'deep_link' : 'loopback', action: cfg.action, user: cfg.user,
  });

  // A fresh profile every time (playwright passes it to Chromium as --user-data-dir), unless the
  // control file names one (`profileDir`): then the browser keeps its cookies from one launch to the
  // next, like a person's browser that is still signed in to DHIS2.
  const keepProfile = !!cfg.profileDir;
  const profile = keepProfile ? cfg.profileDir : mkdtempSync(join(tmpdir(), 'dhis2w-test-chromium-'));
  const launch = () => chromium.launchPersistentContext(profile, {
    executablePath: process.env.DHIS2W_TEST_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  let browser;
  // A kept profile may still be locked by the previous launch for a moment.
  for (let attempt = 0; ; attempt++) {
    try { browser = await launch(); break; } catch (e) {
      if (!keepProfile || attempt >= 30) throw e;
      await sleep(500);
    }
  }
  // Chromium drops session cookies (DHIS2's JSESSIONID) when it quits; a person's browser keeps
  // running between sign-ins, so a kept profile carries every cookie over to the next launch.
  const cookieFile = join(profile, 'dhis2w-cookies.json');
  if (keepProfile && existsSync(cookieFile)) {
    await browser.addCookies(JSON.parse(readFileSync(cookieFile, 'utf8'))).catch((e) => log('cookie-warning', { message: e.message }));
  }
  try {
    const page = browser.pages()[0] || await browser.newPage();
    let captured = null; // the deep-link callback URL, once seen
    const seeLocation = (loc) => {
      if (!captured && deepLink && loc && loc.startsWith(redirectUri.split('?')[0])) {
        captured = loc;
        log('deeplink-captured', { url: redact(loc) });
      }
    };
    page.on('response', (r) => {
      const s = r.status();
      if (s >= 300 && s < 400) seeLocation(r.headers()['location']);
    });
    page.on('requestfailed', (r) => seeLocation(r.url()));
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) log('page', { url: redact(f.url()) }); });

    try {
      await page.goto(authorizeUrl, { waitUntil: 'domcontentloaded', timeout: 15000 });
    } catch (e) {
      // Navigations that end in a custom scheme abort; that is expected in deep-link mode.
      if (!captured) log('goto-warning', { message: e.message.split('\n')[0] });
    }

    // Not a sign-in page (e.g. DHIS2's logout page before "sign in as a different user"): just open it.
    if (!redirectUri) {
      await page.waitForLoadState('load', { timeout: 10000 }).catch(() => {});
      log('visited', { url: redact(page.url()) });
      return 0;
    }

    if (cfg.action === 'hold') {
      log('holding', { url: redact(page.url()) });
      const until = Date.now() + cfg.timeoutMs;
      while (Date.now() < until && !(cfg.releaseFile && existsSync(cfg.releaseFile))) await sleep(200);
      log('released', { byFile: !!(cfg.releaseFile && existsSync(cfg.releaseFile)) });
      return 0;
    }

    const deadline = Date.now() + cfg.timeoutMs;
    let loggedIn = false;
    let consented = false;
    const callbackPrefix = deepLink ? null : redirectUri.split('?')[0];
    while (Date.now() < deadline) {
      if (captured) break;
      const url = page.url();
      if (callbackPrefix && url.startsWith(callbackPrefix)) {
        await page.waitForLoadState('load', { timeout: 5000 }).catch(() => {});
        const text = (await page.textContent('body', { timeout: 2000 }).catch(() => '')) || '';
        log('callback', { mode: 'loopback', url: redact(url), pageText: text.trim().slice(0, 300) });
        return 0;
      }
      const errText = await page.locator('#error').first().textContent({ timeout: 200 }).catch(() => null);
      if (errText !== null && !(await page.locator(cfg.selectors.username).count())) {
        log('server-error-page', { url: redact(url), text: errText.trim().slice(0, 300) });
        return 3;
      }
      const user = page.locator(cfg.selectors.username);
      if (!loggedIn && await user.count() && await user.first().isVisible()) {
        await user.first().fill(cfg.user);
        await page.locator(cfg.selectors.password).first().fill(cfg.password);
        log('login', { user: cfg.user, url: redact(url) });
        loggedIn = true;
        await page.locator(cfg.selectors.submit).first().click();
        await sleep(300);
        continue;
      }
      const consentBtn = page.locator(cfg.consent === 'deny' ? cfg.selectors.cancelConsent : cfg.selectors.consent);
      if (!consented && await consentBtn.count() && await consentBtn.first().isVisible()) {
        log('consent', { decision: cfg.consent, url: redact(url) });
        consented = true;
        await consentBtn.first().click();
        await sleep(300);
        continue;
      }
      if (loggedIn && await user.count() && await user.first().isVisible()) {
        // Back on the login page after submitting: the credentials were refused.
        const msg = await page.locator('body').textContent().catch(() => '');
        log('login-refused', { url: redact(url), text: (msg || '').trim().slice(0, 300) });
        loggedIn = false;
        return 4;
      }
      await sleep(200);
    }
    if (!captured) {
      const shot = `${logPath}.timeout-${process.pid}.png`;
      await page.screenshot({ path: shot }).catch(() => {});
      log('timeout', { url: redact(page.url()), screenshot: shot });
      return 5;
    }

    // action "capture": the answer is written to `captureFile` instead (the test hands it to an app
    // started afterwards, as the OS does when the app was closed meanwhile).
    if (cfg.action === 'capture' && cfg.captureFile) {
      writeFileSync(cfg.captureFile, captured);
      log('captured', { url: redact(captured) });
      return 0;
    }
    // Deep-link mode: hand the callback URL to the desktop, as the OS would when a browser opens it.
    const r = spawnSync('gio', ['open', captured], { encoding: 'utf8', timeout: 20000 });
    log('gio-open', { url: redact(captured), status: r.status, stderr: (r.stderr || '').trim().slice(0, 300), error: r.error?.message });
    return r.status === 0 ? 0 : 6;
  } finally {
    if (keepProfile) {
      const cookies = await browser.cookies().catch(() => []);
      try { writeFileSync(cookieFile, JSON.stringify(cookies)); } catch (e) { log('cookie-warning', { message: e.message }); }
    }
    await browser.close().catch(() => {});
    if (!keepProfile) rmSync(profile, { recursive: true, force: true });
  }
}

let code = 1;
try {
  code = await main();
} catch (e) {
  log('error', { message: String(e?.stack || e).slice(0, 1000) });
  code = 1;
}
log('exit', { code });
process.exit(code);
