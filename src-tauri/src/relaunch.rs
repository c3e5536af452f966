//! A launch that meets the previous instance while it quits starts again instead of failing.
//!
//! On Linux the single-instance plugin asks D-Bus for the app's name. When the name is taken it
//! hands this launch's arguments (e.g. a sign-in link) to the owner and exits. If the owner quits
//! between those two steps, the hand-over fails ("the name was not provided by any .service
//! files") and the plugin's set-up fails: the user clicked a link and nothing opened. The
//! process cannot build a second event loop, so it replaces itself with a fresh launch of the
//! same program and arguments, a few times, a little later each time.

use std::time::Duration;

/// How many launches came before this one (0 for the first), passed on through the environment.
const TRIES_VAR: &str = "DHIS2W_START_TRY";
/// Launches in all, the first included.
const MAX_TRIES: u32 = 4;

/// This launch's number (0 for the first), read once at start-up and removed from the
/// environment so that nothing the app starts inherits it.
pub fn take_tries() -> u32 {
    let n = std::env::var(TRIES_VAR)
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0)
        .min(MAX_TRIES);
    // Safe here: called first thing in `run`, before any other thread exists.
    std::env::remove_var(TRIES_VAR);
    n
}

/// Whether `error` is the single-instance plugin failing the hand-over above (not, say, a bus
/// it could not join, which another launch would not change).
pub fn is_handover_failure(error: &tauri::Error) -> bool {
    matches!(error, tauri::Error::PluginInitialization(plugin, message)
        if plugin == "single-instance" && message.starts_with("failed to forward arguments"))
}

/// How long to wait before launch number `tries + 1`: the quitting instance needs a moment.
pub fn delay(tries: u32) -> Duration {
    Duration::from_millis(250 * u64::from(tries + 1))
}

/// The number the next launch gets after launch `tries`, if one more is allowed.
fn next_try(tries: u32) -> Option<u32> {
    let next = tries.checked_add(1)?;
    (next < MAX_TRIES).then_some(next)
}

/// Replaces this process with a new launch of the same program and arguments, unless `tries`
/// launches were already made. Returns only when it did not (the caller then reports the error).
pub fn start_again(tries: u32) -> Option<String> {
    let next = next_try(tries)?;
    std::thread::sleep(delay(tries));
    tracing::info!(
        launch = next + 1,
        "the previous instance was quitting; starting again"
    );
    exec_self(next)
}

#[cfg(target_os = "linux")]
fn exec_self(next: u32) -> Option<String> {
    use std::os::unix::process::CommandExt;
    let mut args = std::env::args_os();
    let argv0 = args.next()?;
    let program = std::env::current_exe().unwrap_or_else(|_| argv0.into());
    // exec keeps the process id, so whatever started the app (a launcher, a test driver)
    // still sees the same process.
    let err = std::process::Command::new(program)
        .args(args)
        .env(TRIES_VAR, next.to_string())
        .exec();
    Some(err.to_string())
}

#[cfg(not(target_os = "linux"))]
fn exec_self(_next: u32) -> Option<String> {
    // Only the Linux plugin hands over through a name that can vanish midway.
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_single_instance_set_up_counts_as_a_failed_hand_over() {
        let handover = tauri::Error::PluginInitialization(
            "single-instance".into(),
            "failed to forward arguments to the running instance: ServiceUnknown".into(),
        );
        assert!(is_handover_failure(&handover));
        let no_bus = tauri::Error::PluginInitialization(
            "single-instance".into(),
            "I/O error: connection refused".into(),
        );
        assert!(
            !is_handover_failure(&no_bus),
            "another launch would not help"
        );
        let other = tauri::Error::PluginInitialization("deep-link".into(), "x".into());
        assert!(!is_handover_failure(&other));
    }

    #[test]
    fn later_launches_wait_longer_and_stop_after_four() {
        assert!(delay(1) > delay(0));
        assert_eq!(next_try(0), Some(1));
        assert_eq!(next_try(2), Some(3), "the fourth launch");
        assert_eq!(next_try(3), None, "no fifth launch");
        assert_eq!(next_try(u32::MAX), None, "a nonsense count never overflows");
    }
}
