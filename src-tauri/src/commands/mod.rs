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
