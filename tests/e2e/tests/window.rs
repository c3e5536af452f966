//! The real window's figures (issue 13): P3, start-up to the instance list and idle memory, and
//! P4, a big list (`/api/organisationUnits?paging=false`) from Get to the first view, the
//! longest main-thread block meanwhile and the peak memory, beside a bare `JSON.parse` of the
//! same bytes in the same webview; then the tree and text views of it, and a click handled
//! while the answer loads.
//!
//! `make test` runs it once on the small data set (the figures are printed, nothing timed is
//! judged). `make bench` runs it on the release binary (`DHIS2W_E2E_APP`) with
//! `DHIS2W_BENCH_FULL=1`: the large data set's 57 MB list, three runs, rows written to
//! `$DHIS2W_BENCH_OUT`; that mode also asserts the window stayed responsive (the 50 MB
//! scenario). `DHIS2W_BENCH_P4_RUNS=N` runs the big list N times instead of three.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{ensure, Context, Result};
use dhis2w_e2e::ui::{card, LONG, SHORT};
use dhis2w_e2e::*;
use serde_json::{json, Value};

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

/// Starts counting the longest gap between timer ticks on the page's main thread (WebKit has
/// no Long Tasks API): a tick every ~4 ms, so a gap is a block of the main thread.
const JANK: &str = "
  if (!window.__jank) {
    window.__jank = { max: 0, last: performance.now() };
    const tick = () => { const now = performance.now(); const gap = now - window.__jank.last;
      if (gap > window.__jank.max) { window.__jank.max = gap; window.__jank.at = performance.timeOrigin + now; }
      window.__jank.last = now; setTimeout(tick, 0); };
    setTimeout(tick, 0);
  }
  window.__jank.max = 0; window.__jank.last = performance.now();";

/// "name N MB, …" for a process tree's breakdown (procs::tree_breakdown).
fn by_process(parts: &[(String, u64)]) -> String {
    parts
        .iter()
        .map(|(n, kb)| format!("{n} {} MB", kb / 1024))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Stops the memory sampler when the test ends early on an error.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

async fn js(app: &App, script: &str) -> Result<Value> {
    Ok(app.client.execute(script, vec![]).await?)
}

async fn mark(app: &App, name: &str, timeout: Duration) -> Result<f64> {
    poll(&format!("the {name} mark"), timeout, || async {
        let v = js(
            app,
            &format!(
                "const m = performance.getEntriesByName('{name}'); \
                 return m.length ? performance.timeOrigin + m[m.length - 1].startTime : null;"
            ),
        )
        .await?;
        Ok(v.as_f64())
    })
    .await
}

/// One launch's P3 figures.
struct StartUp {
    start_ms: f64,
    /// Process start → the page's navigation start: the app's own set-up, GTK and WebKit's
    /// processes, before any of the page runs.
    native_ms: f64,
    /// Navigation start → DOMContentLoaded: the page's script loaded and run.
    script_ms: Option<f64>,
    /// DOMContentLoaded → the instance list answered (`dhis2w-listed`), when the page has it.
    listed_ms: Option<f64>,
    idle_mb: f64,
    breakdown: Vec<(String, u64)>,
}

/// Process start → the page's `ready` mark (the static page sets it too), then the process
/// tree's memory once idle.
async fn start_up(app: &App, full: bool) -> Result<StartUp> {
    let pid = app.app_pid().context("the app's process")?;
    let started = procs::started_at(pid).context("its start time")?;
    let started_ms = started.duration_since(UNIX_EPOCH)?.as_secs_f64() * 1000.0;
    let ready = mark(app, "dhis2w-ready", SHORT).await?;
    let phases = js(
        app,
        "const listed = performance.getEntriesByName('dhis2w-listed'); \
         return [performance.timeOrigin, performance.timing.domContentLoadedEventStart || null, \
                 listed.length ? performance.timeOrigin + listed[0].startTime : null];",
    )
    .await?;
    let at = |i: usize| phases.get(i).and_then(Value::as_f64);
    let origin = at(0).unwrap_or(started_ms);
    let script_end = at(1);
    tokio::time::sleep(Duration::from_secs(if full { 10 } else { 1 })).await;
    Ok(StartUp {
        start_ms: ready - started_ms,
        native_ms: origin - started_ms,
        script_ms: script_end.map(|d| d - origin),
        listed_ms: at(2).zip(script_end).map(|(l, d)| l - d),
        idle_mb: procs::tree_pss_kb(pid) as f64 / 1024.0,
        breakdown: procs::tree_breakdown(pid),
    })
}

/// The last large Get in the app's log: (request ms, command ms).
fn app_timing(log: &std::path::Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(log).ok()?;
    let line = text
        .lines()
        .rev()
        .find(|l| l.contains("browse_get answered"))?;
    let field = |name: &str| -> Option<u64> {
        let rest = &line[line.find(&format!("{name}="))? + name.len() + 1..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    Some((field("request_ms")?, field("command_ms")?))
}

/// "Where the time goes" for the P3 row: medians of each phase.
fn start_up_phases(runs: &[StartUp]) -> String {
    let median = |v: Vec<f64>| {
        if v.is_empty() {
            None
        } else {
            Some(stats(v).0 / 1000.0)
        }
    };
    let mut parts = Vec::new();
    if let Some(s) = median(runs.iter().map(|r| r.native_ms).collect()) {
        parts.push(format!("process start → the page starts loading {s:.2} s (the app's set-up, GTK, WebKit's processes)"));
    }
    if let Some(s) = median(runs.iter().filter_map(|r| r.script_ms).collect()) {
        parts.push(format!("the page's script loaded and run {s:.2} s"));
    }
    if let Some(s) = median(runs.iter().filter_map(|r| r.listed_ms).collect()) {
        parts.push(format!("the instance list asked and answered {s:.2} s"));
    }
    parts.join(", ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_start_up_and_a_big_answer() -> Result<()> {
    let full = std::env::var("DHIS2W_BENCH_FULL").as_deref() == Ok("1");
    let runs = if full { 3 } else { 1 };
    let env = TestEnv::new("window")?;
    let args: &[&str] = if full { &["--data", "large"] } else { &[] };
    let standin = StandIn::start(args, &env.root).await?;
    let (user, password, _) = standin.user("admin");
    env.write_presets(
        &json!([{ "name": "Sierra Leone", "baseUrl": standin.url, "authKind": "basic",
        "username": user, "password": password, "color": "#1565c0", "oauth2": null,
        "caCertPath": null, "notes": null }]),
    )?;
    let mut rows = Vec::new();

    // P3: process start → the instance list painted; idle memory 10 s later.
    // The floor first (one app at a time: the single-instance plugin): the same binary and
    // window showing a static page (DHIS2W_BENCH_FLOOR), measured the same way.
    let mut floor_runs = Vec::new();
    // One launch more than measured: the first one pays for the new data folder and cold caches.
    for run in 0..=runs {
        let floor_opts = LaunchOptions {
            extra_env: vec![("DHIS2W_BENCH_FLOOR".into(), "1".into())],
            ..LaunchOptions::default()
        };
        let f = App::launch(&env, floor_opts)
            .await
            .context("the static page (floor) launch")?;
        // Measured the same way, so the unmeasured launch is as long as the others (Mesa writes
        // its shader cache from a thread of its own; a launch closed at once may not have).
        let measured = start_up(&f, full).await?;
        if run > 0 {
            floor_runs.push(measured);
        }
        f.close().await?;
    }
    // The app gets the same first, unmeasured launch; its figure is reported on its own. Under
    // software OpenGL (Mesa's llvmpipe, as here) the launch that fills Mesa's shader cache in a
    // new user account waits 1.3 to 2.3 s longer for its first frame (none does with the cache
    // turned off); that is once per account, not at every start.
    let mut app_runs = Vec::new();
    let mut first_launch_ms = 0.0;
    let mut app = None;
    for run in 0..=runs {
        let a = App::launch(&env, LaunchOptions::default()).await?;
        a.wait_el(&card("Sierra Leone"), SHORT).await?;
        let measured = start_up(&a, full).await?;
        if run == 0 {
            first_launch_ms = measured.start_ms;
        } else {
            app_runs.push(measured);
        }
        if run < runs {
            a.close().await?;
        } else {
            app = Some(a);
        }
    }
    let app = app.context("the last launch")?;
    let starts = |r: &[StartUp]| r.iter().map(|m| m.start_ms).collect::<Vec<_>>();
    let (fm, _, _) = stats(starts(&floor_runs));
    let (m, min, max) = stats(starts(&app_runs));
    rows.push(format!(
        "| P3 | start-up: process start → the instance list painted | ≤ 1.0 s | {:.2} s (min {:.2}, max {:.2}) | the same window showing a static page: {:.2} s | {:.1}× | {runs} launches each, after one unmeasured launch each (the app's took {:.2} s: the first launch in a new user account, whose first frame can wait while Mesa's software OpenGL fills its shader cache, once per account); the clock of a process start has 10 ms steps. Where the time goes (medians): {}; the static page: {} |",
        m / 1000.0, min / 1000.0, max / 1000.0, fm / 1000.0, m / fm,
        first_launch_ms / 1000.0,
        start_up_phases(&app_runs),
        start_up_phases(&floor_runs)
    ));
    let idle = |r: &[StartUp]| r.iter().map(|m| m.idle_mb).collect::<Vec<_>>();
    let (fm, _, _) = stats(idle(&floor_runs));
    let (m, min, max) = stats(idle(&app_runs));
    let parts = |r: &[StartUp]| -> String {
        by_process(r.last().map(|m| m.breakdown.as_slice()).unwrap_or_default())
    };
    rows.push(format!(
        "| P3 | idle memory of the whole process tree (PSS), {} s after start-up | ≤ 200 MB | {m:.0} MB (min {min:.0}, max {max:.0}) | the static page: {fm:.0} MB | {:.1}× | the app: {}; the static page: {} |",
        if full { 10 } else { 1 },
        m / fm,
        parts(&app_runs),
        parts(&floor_runs)
    ));

    // P4: the big list; on the large data set three runs in a row in the same window (the 50 MB
    // scenario), each checking all that the first does. The rows profile the first run.
    // DHIS2W_BENCH_P4_RUNS: more runs, to see whether memory keeps growing from one to the next.
    let p4_runs = match std::env::var("DHIS2W_BENCH_P4_RUNS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        Some(n) if full => n,
        _ if full => 3,
        _ => 1,
    };
    let mut p4 = Vec::new();
    let pid = app.app_pid().context("the app's process")?;
    for run in 0..p4_runs {
        let mut r = big_answer(&app, &env, &standin, full, run == 0, run + 1 == p4_runs)
            .await
            .with_context(|| format!("the big list, run {} of {p4_runs}", run + 1))?;
        // What the window holds once the answer is shown and the page has been idle 10 s
        // (WebKit collects its garbage and gives pages back on its own timers).
        if full {
            tokio::time::sleep(Duration::from_secs(10)).await;
            r.settled_mb = procs::tree_pss_kb(pid) as f64 / 1024.0;
            r.settled_breakdown = procs::tree_breakdown(pid);
        }
        p4.push(r);
    }
    rows.extend(p4[0].rows.iter().cloned());
    if p4_runs > 1 {
        let list = |f: fn(&BigAnswer) -> f64, digits: usize| {
            p4.iter()
                .map(|r| format!("{:.*}", digits, f(r)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        rows.push(format!(
            "| P4 | the same list, {p4_runs} runs in a row in one window | every run passes | {p4_runs} of {p4_runs} passed | – | – | each run: Get, a click handled while loading, the table, the Tree and Text views, the last line, Find. Get → first view: {} s; memory before each Get: {} MB, its peak: {} MB, 10 s after the run (the answer on screen, the page idle): {} MB; by process after the last run: {} |",
            list(|r| r.get_to_view_s, 2),
            list(|r| r.base_mb, 0),
            list(|r| r.peak_mb, 0),
            list(|r| r.settled_mb, 0),
            by_process(p4.last().map(|r| r.settled_breakdown.as_slice()).unwrap_or_default())
        ));
    }
    app.close().await?;

    for r in &rows {
        println!("{r}");
    }
    if let Ok(out) = std::env::var("DHIS2W_BENCH_OUT") {
        std::fs::write(out, rows.join("\n") + "\n")?;
    }
    env.passed();
    Ok(())
}

/// One run of the big list (P4): its rows, and the figures compared across runs.
struct BigAnswer {
    rows: Vec<String>,
    get_to_view_s: f64,
    peak_mb: f64,
    base_mb: f64,
    settled_mb: f64,
    /// The processes holding `settled_mb`: name and kB, largest first.
    settled_breakdown: Vec<(String, u64)>,
}

/// Gets the big list in the Browse screen and checks and times what the user meets: the first
/// view, a click while it loads, the Tree and Text views, the text's last line and Find. `first`:
/// the first run (goes to Browse, takes the screenshots); `last`: the last run (a screenshot
/// while the answer downloads, when there was a run before).
async fn big_answer(
    app: &App,
    env: &TestEnv,
    standin: &StandIn,
    full: bool,
    first: bool,
    last: bool,
) -> Result<BigAnswer> {
    let mut rows = Vec::new();
    // The busy click below opens the query options: start each run with them closed.
    js(app, "const d = document.querySelector('details.query-editor'); if (d) d.open = false; return true;").await?;
    let pid = app.app_pid().context("the app's process")?;
    if first {
        app.go_to("Browse").await?;
    }
    // The large data set's list as the stand-in's own benchmark reads it; on the small data set,
    // a list over 1 MB, so `make test` passes it through the loopback address (and the CSP) too.
    let fields = if full {
        "id,name,path,level,parent[id]"
    } else {
        "*,children[*]"
    };
    app.fill(
        "#browse-path",
        &format!("/api/organisationUnits?paging=false&fields={fields}"),
    )
    .await?;
    // The stand-in serves the list once before the measured Get: a running DHIS2 server is warm,
    // while the stand-in's first answer of 377,690 objects also compiles its own code and took
    // twice as long as the next (4.1 s against 2.0 s in the same run), which the app's figure
    // then carried.
    let warm = standin
        .get_bytes(
            "admin",
            &format!("/api/organisationUnits?paging=false&fields={fields}"),
            Duration::from_secs(120),
        )
        .await
        .context("the warm-up request")?;
    ensure!(warm > 1_000_000, "the warm-up request: {warm} bytes");
    // Reading every process's smaps_rollup walks its page tables: every 50 ms it cost the app and
    // the stand-in a share of the 2 cores (Get → view 3.5 s against 2.9 s at 200 ms, the same peak).
    const SAMPLE_MS: u64 = 200;
    let base = procs::tree_members(pid);
    let base_kb: u64 = base.iter().map(|e| e.2).sum();
    // The peak and each process's share at that moment (the profile the P4 row cites).
    let peak = Arc::new(std::sync::Mutex::new((base_kb, base.clone())));
    let stop = StopOnDrop(Arc::new(AtomicBool::new(false)));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.0.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let now = procs::tree_members(pid);
                let total: u64 = now.iter().map(|e| e.2).sum();
                let mut p = peak.lock().unwrap();
                if total > p.0 {
                    *p = (total, now);
                }
                drop(p);
                std::thread::sleep(Duration::from_millis(SAMPLE_MS));
            }
        })
    };
    js(app, JANK).await?;
    app.watch_browse().await?;
    app.click("[data-test=\"browse-send\"]").await?;
    // A click on another control while the answer loads: the query options open at once.
    let busy_click = async {
        app.wait_el("[data-test=\"browse-cancel\"]", SHORT).await?;
        app.click("details.query-editor > summary").await?;
        // What the analyst sees while it downloads; not in the first run, which is profiled.
        if last
            && !first
            && app
                .wait_el("[data-test=\"browse-progress\"]", SHORT)
                .await
                .is_ok()
        {
            app.screenshot("big-list-loading").await?;
        }
        js(
            app,
            "return { open: document.querySelector('details.query-editor').open, \
                      busy: !!document.querySelector('[data-test=\"browse-cancel\"]') \
                            || document.body.innerText.includes('Opening the response') };",
        )
        .await
    }
    .await;
    let (status, _) = app.wait_browse_result().await?;
    ensure!(status == "200", "the list: {status}");
    let get = mark(app, "dhis2w-get", SHORT).await?;
    let shown = mark(app, "dhis2w-response-shown", LONG).await?;
    let received = mark(app, "dhis2w-received", SHORT).await?;
    let parsed = mark(app, "dhis2w-parsed", SHORT).await?;
    // Set only when the body waited at a loopback address (large answers).
    let ready = mark(app, "dhis2w-answer-ready", Duration::from_millis(200))
        .await
        .ok();
    ensure!(
        ready.is_some(),
        "a list over 1 MB waits at a loopback address (no dhis2w-answer-ready mark)"
    );
    let fallback = js(
        app,
        "return performance.getEntriesByName('dhis2w-handoff-fallback').length > 0;",
    )
    .await?
    .as_bool()
    .unwrap_or(false);
    // The CSP lets the page reach the app's loopback port (see src-tauri/src/handoff_port.rs)…
    ensure!(
        !fallback,
        "the page could not read its loopback address (CSP?)"
    );
    // … and no other: not even an opaque request to the stand-in on 127.0.0.1 leaves the page.
    let other = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0] + '/api/ping', { mode: 'no-cors' }).then(() => done('sent'), () => done('refused'));",
            vec![json!(standin.url)],
        )
        .await?;
    ensure!(other == json!("refused"), "another local port: {other}");
    let longest = js(app, "return window.__jank.max;")
        .await?
        .as_f64()
        .unwrap_or(0.0);
    // Where the longest block fell, for the profile: the phase it ended in.
    let block_end = js(app, "return window.__jank.at || 0;")
        .await?
        .as_f64()
        .unwrap_or(0.0);
    let block_phase = [
        (get, "before Get"),
        (ready.unwrap_or(get), "while waiting for the app's answer"),
        (received, "while reading the body from its loopback address"),
        (parsed, "while parsing in the worker"),
        (
            shown,
            "while receiving the worker's table and painting the first view",
        ),
        (f64::INFINITY, "after the first view"),
    ]
    .iter()
    .find(|(until, _)| block_end <= *until)
    .map_or("", |(_, what)| *what);
    let block_at = if block_end > 0.0 {
        format!(
            "; it ended {block_phase}, {:.2} s after Get",
            (block_end - get) / 1000.0
        )
    } else {
        String::new()
    };
    stop.0.store(true, Ordering::SeqCst);
    // The app's own account of the Get (its log): the request, and the command around it.
    let logged = app_timing(&env.root.join("data/logs/dhis2w.log"));
    let _ = sampler.join();
    let (peak_kb, at_peak) = peak.lock().unwrap().clone();
    let peak_mb = peak_kb as f64 / 1024.0;
    let at_peak = at_peak
        .iter()
        .map(|(p, name, kb)| {
            let before = base.iter().find(|b| b.0 == *p).map_or(0, |b| b.2);
            format!(
                "{name} {} MB ({:+} MB)",
                kb / 1024,
                (*kb as i64 - before as i64) / 1024
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    // The floor: the same bytes (fetched again through the app's command) parsed bare.
    let floor = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const inv = window.__TAURI_INTERNALS__.invoke;
             inv('instances_list').then(async (st) => {
               const raw = await inv('browse_get', { request: { requestId: 'bench-floor', instanceId: st.instances[0].id,
                 path: '/api/organisationUnits', query: [['paging', 'false'], ['fields', arguments[0]]], record: false } });
               const bytes = new Uint8Array(raw);
               const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.byteLength - 4, false);
               const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(bytes.byteLength - 4 - n, bytes.byteLength - 4)));
               // A large answer waits at its loopback address (meta.bodyUrl), as the UI reads it.
               const body = meta.bodyUrl ? new Uint8Array(await (await fetch(meta.bodyUrl)).arrayBuffer())
                 : bytes.subarray(0, bytes.byteLength - 4 - n);
               const t = performance.now();
               const v = JSON.parse(new TextDecoder().decode(body));
               done({ ms: performance.now() - t, bytes: body.byteLength, items: (v.organisationUnits || []).length, rustMs: meta.elapsedMs });
             }).catch((e) => done({ error: String(e && e.message || e) }));",
            vec![json!(fields)],
        )
        .await?;
    let body_mb = floor["bytes"].as_f64().unwrap_or(0.0) / 1e6;
    let parse_ms = floor["ms"].as_f64().unwrap_or(f64::NAN);
    ensure!(body_mb > 0.0, "the floor's request: {floor}");
    let get_to_view = shown - get;
    let rust_s = floor["rustMs"].as_f64().unwrap_or(f64::NAN) / 1000.0;
    // The request alone (sent again for the floor; read to the end in Rust).
    let inside = logged.map_or(String::new(), |(request_ms, command_ms)| {
        format!(
            "its request to the stand-in {:.2} s and {} ms of the app's own work around it, by its log; ",
            request_ms as f64 / 1000.0,
            command_ms.saturating_sub(request_ms)
        )
    });
    let handoff = match ready {
        Some(r) => format!(
            ": the app's answer {:.2} s ({inside}the same request alone, later, read in Rust: {rust_s:.2} s), then the body read from its loopback address {:.2} s{}",
            (r - get) / 1000.0,
            (received - r) / 1000.0,
            if fallback { " through the IPC fallback" } else { "" }
        ),
        None => format!(" (the request alone, read in Rust: {rust_s:.2} s)"),
    };
    rows.push(format!(
        "| P4 | {body_mb:.1} MB org-unit list: Get → first view painted | ≤ 1.5 s | {:.2} s | a bare `JSON.parse` of the same bytes: {:.2} s | {:.1}× | one run. Where the time goes: Get → the bytes in the webview {:.2} s{handoff}; parsing and building the table in the worker {:.2} s; the first view painted {:.2} s |",
        get_to_view / 1000.0,
        parse_ms / 1000.0,
        get_to_view / parse_ms,
        (received - get) / 1000.0,
        (parsed - received) / 1000.0,
        (shown - parsed) / 1000.0
    ));
    rows.push(format!(
        "| P4 | longest main-thread block meanwhile | ≤ 200 ms | {longest:.0} ms | – | – | the longest gap between timer ticks (WebKit has no Long Tasks API){block_at} |"
    ));
    rows.push(format!(
        "| P4 | peak memory of the process tree meanwhile (PSS) | ≤ 4× the body ({:.0} MB) | {peak_mb:.0} MB ({:.1}× the body; {:.0} MB before Get) | – | – | sampled every {SAMPLE_MS} ms; at the peak, by process (change since before Get): {at_peak} |",
        body_mb * 4.0, peak_mb / body_mb, base_kb as f64 / 1024.0
    ));

    // Other views of the same answer, each switch timed by its longest block.
    for (label, check) in [
        (
            "Tree",
            "return !!document.querySelector('[data-test=\"json-view\"] .jse-tree-mode');",
        ),
        // A large answer's text is our own view of the lines in sight, never the editor's warning.
        (
            "Text",
            "return !document.body.innerText.includes('may crash your browser') \
             && !!document.querySelector('[data-test=\"json-view\"] .jse-text-mode, [data-test=\"large-text-lines\"]');",
        ),
    ] {
        js(app, JANK).await?;
        let t = std::time::Instant::now();
        let clicked = app
            .client
            .execute(
                &format!(
                    "const b = [...document.querySelectorAll('section.response button')].find((x) => x.innerText.trim() === '{label}'); \
                     if (b) b.click(); return !!b;"
                ),
                vec![],
            )
            .await?;
        ensure!(clicked == json!(true), "the {label} view button");
        poll(&format!("the {label} view"), LONG, || async {
            Ok(js(app, check).await?.as_bool().filter(|b| *b))
        })
        .await?;
        let shown_after = t.elapsed().as_secs_f64();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let block = js(app, "return window.__jank.max;")
            .await?
            .as_f64()
            .unwrap_or(0.0);
        if first {
            app.screenshot(&format!("big-list-{}", label.to_lowercase()))
                .await?;
        }
        rows.push(format!(
            "| P4 | switch to the {label} view: longest main-thread block | ≤ 200 ms | {block:.0} ms | – | – | view shown after {shown_after:.2} s |"
        ));
    }
    // The text view reaches every line: scroll to the very end, then find a district by name.
    // (The small data set's list is short enough for the JSON editor's own text view.)
    if full {
        js(app, JANK).await?;
        js(
            app,
            "const b = document.querySelector('[data-test=\"large-text\"]'); \
             b.scrollTop = b.scrollHeight; b.dispatchEvent(new Event('scroll')); return true;",
        )
        .await?;
        let (last_shown, lines) = poll("the text's last line", LONG, || async {
            let v = js(
                app,
                "const g = document.querySelector('.large-text-gutter'); \
                 const s = document.querySelector('[data-test=\"large-text-status\"]'); \
                 if (!g || !s) return null; const n = g.textContent.trim().split('\\n'); \
                 const b = document.querySelector('[data-test=\"large-text\"]'); \
                 const inner = b.getBoundingClientRect().top + b.clientTop + b.clientHeight; \
                 return [n[n.length - 1], s.textContent.replace(/[^0-9]/g, ''), \
                         g.getBoundingClientRect().bottom <= inner + 1];",
            )
            .await?;
            // The last line is numbered with the line count, and not cut off at the bottom.
            Ok(
                (v[0].as_str().is_some() && v[0] == v[1] && v[2] == json!(true))
                    .then(|| (v[0].as_str().unwrap_or("").to_owned(), v[1].clone())),
            )
        })
        .await
        .context("the last line number shown is the text's line count")?;
        ensure!(last_shown.len() > 3, "lines: {lines}");
        app.fill("[data-test=\"large-text-find\"]", "Bombali")
            .await?;
        app.click("[data-test=\"large-text-find-next\"]").await?;
        let found = app
            .wait_text_in("[data-test=\"large-text-status\"]", "Line ", LONG)
            .await?;
        ensure!(
            app.text_of("[data-test=\"large-text-match\"]").await? == "Bombali",
            "the match is marked: {found}"
        );
        let block = js(app, "return window.__jank.max;")
            .await?
            .as_f64()
            .unwrap_or(0.0);
        if first {
            app.screenshot("big-list-text-find").await?;
        }
        rows.push(format!(
            "| P4 | text view: scroll to the last of {last_shown} lines, then find a name | ≤ 200 ms | {block:.0} ms | – | – | longest main-thread block |"
        ));
    }
    if first {
        app.screenshot("big-list").await?;
    }
    let clicked = busy_click?;
    if full {
        ensure!(
            clicked["open"] == json!(true) && clicked["busy"] == json!(true),
            "a click while the answer loads is handled at once: {clicked}"
        );
    }
    rows.push(format!(
        "| P4 | a click on another control while the answer loads | handled at once | {} | – | – | |",
        if clicked["open"] == json!(true) && clicked["busy"] == json!(true) {
            "handled while loading"
        } else {
            "the answer was already in (small data set)"
        }
    ));
    Ok(BigAnswer {
        rows,
        get_to_view_s: get_to_view / 1000.0,
        peak_mb,
        base_mb: base_kb as f64 / 1024.0,
        settled_mb: 0.0,
        settled_breakdown: Vec::new(),
    })
}
