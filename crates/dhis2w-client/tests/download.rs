//! Answers too large to show (issue 13): the user's limit stops reading with its own kind, and
//! "Save to file" streams the whole answer to disk, leaving no file when cancelled, refused or
//! out of space. Against the DHIS2 stand-in.

mod support;

use dhis2w_client::{BasicAuth, ClientOptions, Dhis2Client, ErrorKind, Secret};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use support::StandIn;
use tokio_util::sync::CancellationToken;

fn files_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_stops_reading_and_save_to_file_streams_the_whole_answer() {
    let si = StandIn::start(&[]).await;
    let auth = BasicAuth::new(
        si.fx("/users/admin/username"),
        Secret::new(si.fx("/users/admin/password")),
    )
    .unwrap();
    let c = Dhis2Client::new(&si.base, Arc::new(auth), ClientOptions::default()).unwrap();
    let query = vec![("paging".to_owned(), "false".to_owned())];
    let path = "/api/organisationUnits";
    let whole = c.get(path, &query).await.unwrap();
    assert!(whole.body.len() > 64 * 1024, "{}", whole.body.len());

    // Above the limit: its own kind, words that say what to do.
    let e = c
        .get_streaming_within(path, &query, None, None, Some(64 * 1024))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge, "{}", e.message());
    assert!(e.message().contains("Save it to a file"), "{}", e.message());
    // Under it: read as usual.
    let ok = c
        .get_streaming_within(path, &query, None, None, Some(64 * 1024 * 1024))
        .await
        .unwrap();
    assert_eq!(ok.body.len(), whole.body.len());

    // Save to file: every byte, progress up to the end.
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("organisationUnits.json");
    let seen = AtomicU64::new(0);
    let progress = |b: u64, _t: Option<u64>| seen.store(b, Ordering::SeqCst);
    let done = c
        .download_to(path, &query, &dest, Some(&progress), None)
        .await
        .unwrap();
    assert_eq!(done.status, 200);
    assert_eq!(done.bytes, whole.body.len() as u64);
    assert_eq!(seen.load(Ordering::SeqCst), done.bytes);
    assert_eq!(std::fs::read(&dest).unwrap(), whole.body.to_vec());
    assert_eq!(files_in(dir.path()), ["organisationUnits.json"]);

    // Cancelled: nothing is written, the earlier file is untouched.
    let cancel = CancellationToken::new();
    cancel.cancel();
    let e = c
        .download_to(path, &query, &dest, None, Some(&cancel))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert_eq!(std::fs::read(&dest).unwrap(), whole.body.to_vec());
    assert_eq!(files_in(dir.path()), ["organisationUnits.json"]);

    // An error answer is its error; no file.
    let missing = dir.path().join("missing.json");
    let e = c
        .download_to("/api/noSuchThing", &[], &missing, None, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{}", e.message());
    assert!(!missing.exists());

    // Out of space: its own kind; no file, no temporary file left.
    let full = dir.path().join("full.json");
    dhis2w_client::fsio::simulate_disk_full(true);
    let e = c
        .download_to(path, &query, &full, None, None)
        .await
        .unwrap_err();
    dhis2w_client::fsio::simulate_disk_full(false);
    assert_eq!(e.kind(), ErrorKind::DiskFull, "{}", e.message());
    assert_eq!(files_in(dir.path()), ["organisationUnits.json"]);
}
