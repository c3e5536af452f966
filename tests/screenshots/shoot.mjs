// Drives dhis2w Desktop through tauri-driver (WebDriver) and saves one PNG per screen.
// Called by run.sh inside a private bus and Xvfb. Usage: node shoot.mjs <app binary> <out dir>
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";

const [app, outDir] = process.argv.slice(2);
const PORT = Number(process.env.SHOTS_DRIVER_PORT || 4544);
const NATIVE = PORT + 1;
const W3C = "element-6066-11e4-a52f-4a89c6f4a20e";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error("[screenshots]", ...a);

const driver = spawn("tauri-driver", ["--port", String(PORT), "--native-port", String(NATIVE)], {
  stdio: ["ignore", "inherit", "inherit"],
});
const stop = () => { try { driver.kill(); } catch {} };
process.on("exit", stop);

async function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => { s.end(); resolve(true); });
    s.on("error", () => resolve(false));
  });
}
for (let i = 0; i < 100 && !((await portOpen(PORT)) && (await portOpen(NATIVE))); i++) await sleep(100);

async function wd(method, path, body) {
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value).slice(0, 300)}`);
  return json.value;
}

const session = await wd("POST", "/session", {
  capabilities: { alwaysMatch: { "tauri:options": { application: app } } },
});
const S = `/session/${session.sessionId}`;

async function find(xpath, timeout = 20_000) {
  const end = Date.now() + timeout;
  for (;;) {
    let why = "";
    try {
      const els = await wd("POST", `${S}/elements`, { using: "xpath", value: xpath });
      if (els.length) { const el = els[els.length - 1]; return el[W3C] ?? Object.values(el)[0]; }
    } catch (e) {
      why = e.message;
    }
    if (Date.now() > end) throw new Error(`not found: ${xpath} ${why}`);
    await sleep(200);
  }
}
const lit = (s) => `'${s}'`;
const button = (text, scope = "") => `${scope}//button[normalize-space(.)=${lit(text)}]`;
const text = (t) => `//*[contains(normalize-space(.), ${lit(t)})]`;
const card = (name) => `//li[contains(concat(' ', normalize-space(@class), ' '), ' instance-card ')][.//h3[normalize-space(text()[1])=${lit(name)} or normalize-space(.)=${lit(name)} or .//*[normalize-space(.)=${lit(name)}]]]`;
const click = async (xpath) => wd("POST", `${S}/element/${await find(xpath)}/click`, {});
async function fill(xpath, value) {
  const id = await find(xpath);
  await wd("POST", `${S}/element/${id}/clear`, {}).catch(() => {});
  await wd("POST", `${S}/element/${id}/value`, { text: value });
}
async function shot(name) {
  await sleep(600); // let the last paint land
  const png = await wd("GET", `${S}/screenshot`);
  writeFileSync(`${outDir}/${name}.png`, Buffer.from(png, "base64"));
  log("saved", `${outDir}/${name}.png`);
}

let failed = false;
try {
  // 1. Instances (the presets are listed).
  await find(card("Stand-in (password)"));
  // Wait (up to 15 s) until every card has read its session state.
  const t0 = Date.now();
  for (let i = 0; i < 150; i++) {
    const busy = await wd("POST", `${S}/elements`, { using: "xpath", value: '//*[@data-test="session-state"][normalize-space(.)="Checking…"]' });
    if (busy.length === 0) break;
    await sleep(100);
  }
  log(`session states read after ${Date.now() - t0} ms`);
  await shot("01-instances");

  // 2. Add instance wizard, after checking the stand-in's address.
  await click('//*[@data-test="add-instance"]');
  await find(text("Add a DHIS2 instance"));
  await fill('//input[@name="address"]', process.env.STANDIN_URL);
  await click(button("Check address"));
  await find('//*[@data-test="probe-result"]', 30_000);
  await shot("02-add-instance");
  await wd("POST", `${S}/execute/sync`, {
    script: "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));", args: [],
  });
  await click('//nav//button[normalize-space(.)="Instances"]').catch(() => {});
  await sleep(500);

  // 3. Sign-in: the browser sign-in dialog while it waits (the test browser never comes back).
  await click(button("Sign in", card("Stand-in (browser sign-in)")));
  await find(text("Continue in your browser"), 30_000);
  await shot("03-sign-in");
  await click('//*[@data-test="cancel-sign-in"]').catch(() => {});
  await sleep(800);
  const close = await find('//*[@data-test="close-sign-in"]', 3000).catch(() => null);
  if (close) await wd("POST", `${S}/element/${close}/click`, {});

  // 4. API browser: /api/organisationUnits on the password instance.
  await click(button("Switch to this one", card("Stand-in (password)"))).catch(() => {});
  await click('//nav//button[normalize-space(.)="Browse"]');
  await fill('//input[@data-test="browse-path"]', "/api/organisationUnits");
  await click('//*[@data-test="browse-send"]');
  await find('//*[@data-test="response-status"]', 30_000);
  await find('//*[@data-test="table-view"]', 30_000);
  await shot("04-browse");

  // 4b. The export dialog of that table.
  await click('//*[@data-test="export-open"]');
  await find('//*[@data-test="export-dialog"]');
  await shot("04b-export-dialog");
  await click(button("Cancel", '//*[@data-test="export-dialog"]'));
  await sleep(400);

  // 4c. "Find" in the header: results grouped by kind.
  await fill('//input[@data-test="find-input"]', "malaria");
  await find('//*[@data-test="find-results"]//*[contains(normalize-space(.), "Malaria cases confirmed")]', 30_000);
  await shot("04c-search-results");
  await wd("POST", `${S}/execute/sync`, {
    script: "document.activeElement && document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));", args: [],
  });

  // 4d. Analytics: "ANC 1st visit, last 12 months, each district", run and shown by name.
  await click('//nav//button[normalize-space(.)="Analytics"]');
  await fill('//input[@data-test="data-search"]', "ANC 1st");
  // The first hit is the data element itself (others, like "ANC 1st visit rate 45", follow).
  await click('(//*[@data-test="data-hit"][contains(normalize-space(.), "ANC 1st visit")])[1]');
  await click(`//label[contains(@class,'check-row')][normalize-space(.)="Last 12 months"]/input`);
  await click(`//label[contains(@class,'check-row')][normalize-space(.)="Each District"]/input`);
  await click('//*[@data-test="analytics-run"]');
  await find('//*[@data-test="analytics-result"]//*[contains(normalize-space(.), "Bombali")]', 30_000);
  await shot("06-analytics");
  // 4d'. The same result as a line chart (Chart.js, loaded on demand).
  await click('//*[@data-test="analytics-result"]//label[contains(@class,"radio-row")][normalize-space(.)="Line chart"]/input');
  await find('//*[@data-test="chart-canvas"]', 30_000);
  await sleep(500);
  await shot("06b-analytics-chart");
  await click('//*[@data-test="analytics-result"]//label[contains(@class,"radio-row")][normalize-space(.)="Table"]/input');
  await click('//*[@data-test="analytics-save"]');
  await fill('//input[@data-test="question-name"]', "ANC 1st visit by district");
  await click('//*[@data-test="name-save"]');
  await sleep(500);

  // 4e. Saved questions.
  await click('//nav//button[normalize-space(.)="Saved"]');
  await find('//*[@data-test="saved-table"]//*[contains(normalize-space(.), "ANC 1st visit by district")]');
  await shot("07-saved");

  // 5. Settings.
  await click('//nav//button[normalize-space(.)="Settings"]');
  await find(text("Settings"));
  await shot("05-settings");

  // The webview never leaves the app: a remote navigation is refused and the address goes to
  // the system browser (here the recording test browser) instead. (New-window requests cannot
  // be checked here: under WebDriver they go to the automation session, not the app.)
  const exec = (script) => wd("POST", `${S}/execute/sync`, { script, args: [] });
  await exec("window.location.href = 'https://example.org/navigated'; return 1;");
  await sleep(1500);
  const here = await exec("return window.location.href;");
  if (!/^(tauri:\/\/localhost|http:\/\/tauri\.localhost)/.test(here)) throw new Error(`the webview navigated to ${here}`);
  const opened = existsSync(process.env.OPENED_URLS) ? readFileSync(process.env.OPENED_URLS, "utf8") : "";
  for (const u of ["https://example.org/navigated"]) {
    if (!opened.includes(u)) throw new Error(`${u} did not go to the system browser (opened: ${JSON.stringify(opened)})`);
  }
  log("navigation guard: remote pages open in the system browser, the webview stays on", here);
} catch (e) {
  failed = true;
  log("FAILED:", e.message);
  await shot("failure").catch(() => {});
} finally {
  await wd("DELETE", S).catch(() => {});
  stop();
}
process.exit(failed ? 1 : 0);
