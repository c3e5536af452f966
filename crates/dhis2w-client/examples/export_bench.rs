//! Benchmark (not a test): exporting a large table to Excel and CSV through the core's
//! exporter, as "Get all pages → Export" does: pages of 10,000 DHIS2 org units are flattened
//! and spilled as they arrive, then the file is written. Prints one Markdown table row per
//! figure: median/min/max of the runs, and the peak memory growth against the data's size.
//!
//! cargo run --release -p dhis2w-client --example export_bench -- [--rows N] [--runs N]

use dhis2w_client::table::export::{ExportAbout, ExportFormat, Exporter};
use serde_json::{json, Value};
use std::time::Instant;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process so far (kB), from /proc (Linux).
fn peak_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn page(start: usize, n: usize) -> Vec<Value> {
    (start..start + n)
        .map(|i| {
            json!({
                "id": format!("OU{i:09}"),
                "name": format!("Facility {i} — Bo district, Chiefdom {}", i % 157),
                "level": 4 + (i % 2),
                "path": format!("/ImspTQPwCqd/O6uvpzGd5pu/c{:09}/OU{i:09}", i / 100),
                "parent": {"id": format!("c{:09}", i / 100)},
                "openingDate": "1994-01-01T00:00:00.000"
            })
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    // The high-water mark before anything is built: growth is measured from here.
    let base = peak_kb().unwrap_or(0);
    let rows = arg("--rows", 400_000);
    let runs = arg("--runs", 3).max(1);
    const PAGE: usize = 10_000;
    let data_bytes: usize = (0..rows)
        .step_by(PAGE)
        .map(|s| {
            serde_json::to_vec(&page(s, PAGE.min(rows - s)))
                .unwrap()
                .len()
        })
        .sum();
    let dir = tempfile::tempdir().expect("temp dir");
    for format in [ExportFormat::Xlsx, ExportFormat::Csv] {
        let mut times = Vec::new();
        let mut size = 0;
        for run in 0..runs {
            let path = dir
                .path()
                .join(format!("bench-{run}.{}", format.extension()));
            let t0 = Instant::now();
            let mut e = Exporter::new(
                "organisationUnits",
                Some("id,name,level,path,parent[id],openingDate"),
            )
            .expect("exporter");
            for s in (0..rows).step_by(PAGE) {
                e.push_objects(&page(s, PAGE.min(rows - s))).expect("rows");
            }
            let r = e
                .finish(format, &path, &ExportAbout::default(), &|_| {})
                .expect("export");
            times.push(t0.elapsed().as_secs_f64());
            assert_eq!(r.rows as usize, rows);
            size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let _ = std::fs::remove_file(&path);
        }
        let (min, max) = (
            times.iter().cloned().fold(f64::MAX, f64::min),
            times.iter().cloned().fold(0.0, f64::max),
        );
        println!(
            "| export {rows} org units to {} | {:.2} s | {:.2} s | {:.2} s | {runs} | file {:.1} MB |",
            format.extension(),
            median(times),
            min,
            max,
            size as f64 / 1_048_576.0
        );
    }
    let growth = peak_kb().unwrap_or(0).saturating_sub(base) as f64 / 1024.0;
    println!(
        "| peak memory growth of the whole benchmark process | {growth:.0} MB | – | – | – | data (JSON) {:.1} MB; pages are built 10,000 rows at a time |",
        data_bytes as f64 / 1_048_576.0
    );
}
