//! Start-up failures show a window with the problem and the next step, never a panic
//! (issue 14): the profiles file replaced by a folder. The real binary under Xvfb; the error
//! window is found by its title with xdotool and closed with the keyboard.

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use dhis2w_e2e::*;

/// The X window whose title is `title`, if one is shown.
fn window_titled(title: &str) -> Option<String> {
    let out = Command::new("xdotool")
        .args(["search", "--name", title])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_in_place_of_the_profiles_file_shows_a_window_not_a_panic() -> Result<()> {
    check_environment()?;
    let env = TestEnv::new("startup-folder")?;
    let folder = env.path("config").join("profiles.toml");
    std::fs::create_dir_all(folder.join("kept"))?;
    let stderr = std::fs::File::create(env.path("app.stderr"))?;
    let mut app = Command::new(app_binary())
        .envs(env.app_env(false))
        .env("DHIS2W_SECRETS", "session_only")
        .env("LANG", "C.UTF-8")
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .context("start the app")?;

    let title = "dhis2w Desktop cannot start";
    let found = poll(
        "the start-up error window",
        Duration::from_secs(30),
        || async { Ok(window_titled(title)) },
    )
    .await;
    let err_text = || std::fs::read_to_string(env.path("app.stderr")).unwrap_or_default();
    let window = match found {
        Ok(w) => w,
        Err(e) => {
            let _ = app.kill();
            return Err(e.context(format!("stderr: {}", err_text())));
        }
    };
    ensure!(
        app.try_wait()?.is_none(),
        "the app waits on its error window"
    );
    let shot = screenshot_dir().join("startup-folder-error.png");
    let _ = Command::new("import")
        .args(["-window", "root"])
        .arg(&shot)
        .status();

    // Enter on the window's button closes it; the app then exits with status 1.
    Command::new("xdotool")
        .args([
            "windowfocus",
            "--sync",
            &window,
            "key",
            "--window",
            &window,
            "Return",
        ])
        .status()?;
    let end = std::time::Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = app.try_wait()? {
            break s;
        }
        if std::time::Instant::now() > end {
            let _ = app.kill();
            anyhow::bail!("the app did not exit after its error window closed");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    ensure!(status.code() == Some(1), "exit status {status:?}");
    let text = err_text();
    ensure!(!text.contains("panicked"), "no panic: {text}");
    ensure!(
        text.contains("is a folder, not a file"),
        "the problem in plain words: {text}"
    );
    ensure!(folder.join("kept").is_dir(), "the folder is left as it is");
    env.passed();
    Ok(())
}
