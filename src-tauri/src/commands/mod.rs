//! The Tauri commands, grouped by domain (docs/commands.md). Each one translates the UI's
//! arguments into core calls and the core's answers into [`crate::dto`] types; errors cross as
//! the core's `{kind, message}`.

pub mod analytics;
pub mod app;
pub mod browse;
pub mod instances;
pub mod session;
pub mod tables;

/// Unix seconds now.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// How often a progress event (`browse-progress`, `export-progress`) is emitted at most. Each
/// one repaints the window; at ten a second, software rendering (no graphics card) took most of
/// a core, which on a two-core computer slowed the download itself. Four a second still moves.
const PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// Lets a progress event through at most once per [`PROGRESS_INTERVAL`], and always the last one.
pub(crate) struct ProgressThrottle(std::sync::Mutex<Option<std::time::Instant>>);

impl ProgressThrottle {
    pub(crate) fn new() -> Self {
        Self(std::sync::Mutex::new(None))
    }

    /// Whether to emit now: the first report, `last` (the final one), or the interval has passed.
    pub(crate) fn ready(&self, last: bool) -> bool {
        let mut at = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if last || at.is_none_or(|t| t.elapsed() >= PROGRESS_INTERVAL) {
            *at = Some(std::time::Instant::now());
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_passes_the_first_report_the_last_and_one_per_interval() {
        let t = ProgressThrottle::new();
        assert!(t.ready(false), "the first report");
        assert!(!t.ready(false), "a second one at once");
        assert!(t.ready(true), "the last one always");
        std::thread::sleep(PROGRESS_INTERVAL);
        assert!(t.ready(false), "one once the interval has passed");
    }
}
