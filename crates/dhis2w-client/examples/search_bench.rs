//! Benchmark (not a test): "find anything by name" against a running stand-in, through the
//! core's `Workspace::search` as the app's Ctrl+K box calls it (seven kinds of objects asked
//! at once, grouped). Beside it, the floor: one raw GET of one kind with the same filter.
//! Prints one Markdown table row per query: median/min/max of the runs.
//!
//! DHIS2W_BENCH_URL=http://127.0.0.1:PORT \
//!   cargo run --release -p dhis2w-client --example search_bench -- [--runs N]

use std::time::Instant;

use dhis2w_client::profile::{AuthKind, InstanceInput};
use dhis2w_client::workspace::{SecretMode, Workspace, WorkspaceOptions};
use dhis2w_client::Secret;

fn runs() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

fn stats(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(|a, b| a.total_cmp(b));
    (ms[ms.len() / 2], ms[0], ms[ms.len() - 1])
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DHIS2W_BENCH_URL").expect("DHIS2W_BENCH_URL: the stand-in's address");
    let runs = runs().max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = Workspace::open(&WorkspaceOptions {
        config_dir: Some(dir.path().join("config")),
        data_dir: Some(dir.path().join("data")),
        secrets: SecretMode::SessionOnly,
        presets: None,
    })
    .await
    .expect("workspace");
    let mut input = InstanceInput::new("Bench", &url, AuthKind::Basic);
    input.username = Some("admin".into());
    input.password = Some(Secret::new("district"));
    let id = ws.add_instance(&input).await.expect("instance").id;
    let raw = reqwest::Client::new();

    for text in ["malaria", "ANC 1st", "Bo", "fbfJHSPpUQD", "Facility 12"] {
        // One warm-up (the session's client is built on first use).
        let found = ws.search(&id, text).await.expect("search");
        let hits: usize = found.groups.iter().map(|g| g.hits.len()).sum();
        let mut ours = Vec::new();
        let mut floor = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            ws.search(&id, text).await.expect("search");
            ours.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            raw.get(format!("{url}/api/organisationUnits"))
                .basic_auth("admin", Some("district"))
                .query(&[
                    ("filter", format!("identifiable:token:{text}").as_str()),
                    ("fields", "id,displayName,code"),
                    ("pageSize", "10"),
                ])
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .expect("raw GET")
                .bytes()
                .await
                .expect("body");
            floor.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (med, min, max) = stats(ours);
        let (fmed, _, _) = stats(floor);
        let hits = if hits == 1 {
            "1 hit".to_owned()
        } else {
            format!("{hits} hits")
        };
        println!(
            "| search \"{text}\" (all kinds, grouped) | {med:.0} ms | {min:.0} ms | {max:.0} ms | {runs} | {hits}; one org-unit GET alone: {fmed:.0} ms |"
        );
    }
}
