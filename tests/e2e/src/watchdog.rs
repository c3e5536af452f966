//! A time limit for each scenario. A WebDriver command that never answers (seen once with
//! WebKit drawing without compositing: a scenario sat idle for 14 minutes) would otherwise
//! hold the whole suite until CI's own limit, with no word of which scenario hung. When a
//! scenario outlives its limit, its app is stopped: the command waiting on it then fails, and
//! the scenario fails with the message below while the next one runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Process groups of the `tauri-driver`s running now (each with its WebKitWebDriver and app),
/// with the scenario that started each: a watchdog stops its own scenario's only.
static DRIVER_GROUPS: Mutex<Vec<(String, i32)>> = Mutex::new(Vec::new());

pub(crate) fn driver_started(scenario: &str, group: i32) {
    DRIVER_GROUPS
        .lock()
        .unwrap()
        .push((scenario.to_owned(), group));
}

pub(crate) fn driver_stopped(group: i32) {
    DRIVER_GROUPS.lock().unwrap().retain(|(_, g)| *g != group);
}

/// Kills `scenario`'s driver groups; how many there were. Checked under the registry's lock,
/// so a scenario that has just finished is left alone.
fn stop_groups(scenario: &str, finished: &AtomicBool) -> Option<usize> {
    let groups = DRIVER_GROUPS.lock().unwrap();
    if finished.load(Ordering::SeqCst) {
        return None;
    }
    let own: Vec<i32> = groups
        .iter()
        .filter(|(s, _)| s == scenario)
        .map(|(_, g)| *g)
        .collect();
    for g in &own {
        unsafe {
            libc::kill(-g, libc::SIGKILL);
        }
    }
    Some(own.len())
}

/// The limit: `DHIS2W_E2E_SCENARIO_LIMIT_S` seconds, 10 minutes by default (the slowest
/// scenario takes about 2 minutes on the 2-core CI machine).
pub fn limit() -> Duration {
    std::env::var("DHIS2W_E2E_SCENARIO_LIMIT_S")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(600))
}

/// Watches one scenario from its start until the returned guard is dropped.
pub struct Watchdog {
    done: Arc<AtomicBool>,
}

impl Watchdog {
    pub fn start(scenario: &str, limit: Duration) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let seen = done.clone();
        let scenario = scenario.to_owned();
        std::thread::spawn(move || {
            let end = Instant::now() + limit;
            while Instant::now() < end {
                if seen.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            let Some(stopped) = stop_groups(&scenario, &seen) else {
                return;
            };
            eprintln!(
                "e2e[{scenario}]: not finished after {limit:?}: stopped its app \
                 ({stopped} driver group(s)) so that the waiting command fails"
            );
            // If nothing was waiting on an app, end the test binary: the suite goes on with
            // the next one instead of waiting for CI's limit.
            std::thread::sleep(Duration::from_secs(60));
            if stop_groups(&scenario, &seen).is_some() {
                eprintln!("e2e[{scenario}]: still not finished a minute later: ending the tests");
                std::process::exit(101);
            }
        });
        Self { done }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    fn stuck_group() -> std::process::Child {
        // Not `sleep`: the procs test looks for a `sleep` below this process meanwhile.
        std::process::Command::new("tail")
            .args(["-f", "/dev/null"])
            .process_group(0)
            .spawn()
            .unwrap()
    }

    /// One test for both cases: the registry of driver groups is shared by the process.
    #[test]
    fn only_a_scenario_over_its_limit_has_its_driver_group_stopped() {
        let mut in_time = stuck_group();
        driver_started("watchdog-in-time", in_time.id() as i32);
        drop(Watchdog::start(
            "watchdog-in-time",
            Duration::from_millis(300),
        ));
        std::thread::sleep(Duration::from_millis(800));
        let alive = in_time.try_wait().unwrap().is_none();
        driver_stopped(in_time.id() as i32);
        let _ = in_time.kill();
        let _ = in_time.wait();
        assert!(alive, "a finished scenario's watchdog stops nothing");

        let mut late = stuck_group();
        driver_started("watchdog-late", late.id() as i32);
        // Another scenario's driver, running meanwhile, is not this watchdog's to stop.
        let mut other = stuck_group();
        driver_started("another-scenario", other.id() as i32);
        let guard = Watchdog::start("watchdog-late", Duration::from_millis(300));
        let end = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(s) = late.try_wait().unwrap() {
                break Some(s);
            }
            if Instant::now() > end {
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        drop(guard);
        driver_stopped(late.id() as i32);
        let _ = late.kill();
        let other_alive = other.try_wait().unwrap().is_none();
        driver_stopped(other.id() as i32);
        let _ = other.kill();
        let _ = other.wait();
        let status = status.expect("the stuck scenario's process was stopped");
        assert!(!status.success(), "killed, not finished: {status:?}");
        assert!(other_alive, "another scenario's driver is left alone");
    }
}
