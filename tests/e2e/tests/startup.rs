//! Start-up failures show a window with the problem and the next step, never a panic
//! (issue 14): the profiles file replaced by a folder. The real binary under Xvfb; the error
//! window is found by its title with xdotool and closed with the keyboard. Also what every
//! launch relies on: the display survives the last window closing (Xvfb's -noreset).

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

/// The app started straight (no WebDriver) in the scenario's folders, its stderr in `app.stderr`.
fn start_app(env: &TestEnv, args: &[&str]) -> Result<std::process::Child> {
    let stderr = std::fs::File::create(env.path("app.stderr"))?;
    Command::new(app_binary())
        .args(args)
        .envs(env.app_env(false))
        .env("DHIS2W_SECRETS", "session_only")
        .env("LANG", "C.UTF-8")
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .context("start the app")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_in_place_of_the_profiles_file_shows_a_window_not_a_panic() -> Result<()> {
    check_environment()?;
    let env = TestEnv::new("startup-folder")?;
    let folder = env.path("config").join("profiles.toml");
    std::fs::create_dir_all(folder.join("kept"))?;
    let mut app = start_app(&env, &[])?;

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

/// The D-Bus name and object of the single-instance hand-over (the app's identifier).
const INSTANCE_NAME: &str = "org.dhis2w.desktop.SingleInstance";
const INSTANCE_PATH: &str = "/org/dhis2w/desktop/SingleInstance";

/// A previous instance caught while quitting: it still holds the name, but the hand-over of the
/// new launch's arguments fails (the real one had just left the bus).
struct QuittingInstance {
    called: std::sync::mpsc::Sender<Vec<String>>,
}

#[zbus::interface(name = "org.SingleInstance.DBus")]
impl QuittingInstance {
    fn execute_callback(&self, argv: Vec<String>, _cwd: String) -> zbus::fdo::Result<()> {
        let _ = self.called.send(argv);
        Err(zbus::fdo::Error::ServiceUnknown(format!(
            "The name {INSTANCE_NAME} was not provided by any .service files"
        )))
    }
}

/// Regression (CI run of 1112635, scenario s16): a launch made while the previous instance
/// was quitting printed "could not run: failed to forward arguments to the running instance"
/// and exited; the app now starts again and takes over.
#[tokio::test(flavor = "multi_thread")]
async fn a_launch_while_the_previous_instance_quits_starts_the_app() -> Result<()> {
    check_environment()?;
    let env = TestEnv::new("startup-handover")?;
    let (tx, rx) = std::sync::mpsc::channel();
    let quitting = zbus::blocking::connection::Builder::session()?
        .name(INSTANCE_NAME)?
        .serve_at(INSTANCE_PATH, QuittingInstance { called: tx })?
        .build()
        .context("own the single-instance name (is a dhis2w-desktop running?)")?;

    let mut app = start_app(
        &env,
        &["org.dhis2w.desktop:/oauth2/callback?code=x&state=y"],
    )?;
    let pid = app.id();
    let err_text = || std::fs::read_to_string(env.path("app.stderr")).unwrap_or_default();

    let outcome = async {
        let argv = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(30)))
            .await?
            .context("the launch did not try to hand its arguments over")?;
        ensure!(
            argv.iter().any(|a| a.starts_with("org.dhis2w.desktop:/")),
            "the link was handed over: {argv:?}"
        );
        // The previous instance is gone now.
        drop(quitting);

        let bus = zbus::blocking::Connection::session()?;
        let owner_pid = poll("the app owning the name", Duration::from_secs(30), || {
            let bus = bus.clone();
            async move {
                let dbus = zbus::blocking::fdo::DBusProxy::new(&bus)?;
                let Ok(owner) = dbus.get_name_owner(INSTANCE_NAME.try_into()?) else {
                    return Ok(None);
                };
                Ok(Some(dbus.get_connection_unix_process_id(
                    owner.into_inner().into(),
                )?))
            }
        })
        .await?;
        ensure!(
            owner_pid == pid,
            "the new launch (pid {pid}) owns the name, not {owner_pid}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        ensure!(app.try_wait()?.is_none(), "the app keeps running");
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))?;
        ensure!(
            String::from_utf8_lossy(&cmdline).contains("org.dhis2w.desktop:/oauth2/callback"),
            "the running launch still holds the link"
        );
        Ok(())
    }
    .await;
    let _ = app.kill();
    let _ = app.wait();
    outcome.map_err(|e| e.context(format!("stderr: {}", err_text())))?;
    ensure!(
        !err_text().contains("could not run"),
        "no start-up failure: {}",
        err_text()
    );
    env.passed();
    Ok(())
}

/// Regression (official CI of 654c844, scenario s16): the app closed and started again at once
/// panicked with "Failed to initialize GTK". Xvfb reset itself when the last window closed and
/// dropped the new connection; tests/harness/xvfb.sh now starts it with `-noreset`. A reset also
/// clears the root window's properties, which makes it visible without a race: a mark set by a
/// client that then disconnects must still be there.
#[test]
fn the_display_keeps_its_state_when_the_last_window_closes() -> Result<()> {
    check_environment()?;
    let mark = format!("kept-{}", std::process::id());
    let set = Command::new("xprop")
        .args([
            "-root",
            "-f",
            "_DHIS2W_E2E_MARK",
            "8s",
            "-set",
            "_DHIS2W_E2E_MARK",
            &mark,
        ])
        .status()
        .context("xprop (x11-utils)")?;
    ensure!(set.success(), "xprop could not set the mark: {set}");
    // The reset, when there is one, follows the disconnect at once.
    std::thread::sleep(Duration::from_millis(500));
    let read = Command::new("xprop")
        .args(["-root", "_DHIS2W_E2E_MARK"])
        .output()
        .context("xprop (x11-utils)")?;
    let shown = String::from_utf8_lossy(&read.stdout);
    ensure!(
        shown.contains(&mark),
        "the X server reset when its last client left ({}); run the suite under \
         tests/harness/xvfb.sh, which starts Xvfb with -noreset",
        shown.trim()
    );
    Ok(())
}
