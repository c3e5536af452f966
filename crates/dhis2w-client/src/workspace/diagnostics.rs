//! "Copy diagnostics": what support needs to help, with no secret, address or instance name.

use std::fmt::Write as _;

use super::Workspace;
use crate::secret_store::StorageMode;

impl Workspace {
    /// The diagnostics text under `header` (the front end's own versions): the system, where
    /// secrets are kept, how many instances use which sign-in, and the log's last lines (each
    /// redacted when it was written).
    pub async fn diagnostics(&self, header: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{header}");
        let _ = writeln!(
            out,
            "System: {} {}, {}",
            std::env::consts::OS,
            std::env::consts::ARCH,
            os_name()
        );
        let storage = self.storage_status();
        let _ = writeln!(
            out,
            "Secret storage: {}{}",
            match storage.mode {
                StorageMode::Keyring => "system keyring",
                StorageMode::SessionOnly => "this session only",
            },
            storage
                .detail
                .map(|d| format!(" ({})", crate::log::redact_line(&d)))
                .unwrap_or_default()
        );
        if let Ok(listing) = self.listing().await {
            let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
            for l in &listing.instances {
                *kinds.entry(l.instance.auth_kind.as_str()).or_default() += 1;
            }
            let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let _ = writeln!(
                out,
                "Instances: {} ({})",
                listing.instances.len(),
                kinds.join(", ")
            );
        }
        match crate::log::Log::get() {
            Some(log) => {
                let _ = writeln!(out, "Log file: {}", log.path().display());
                let lines = log.recent();
                let _ = writeln!(out, "Last {} log lines:", lines.len());
                for l in lines {
                    let _ = writeln!(out, "{l}");
                }
            }
            None => {
                let _ = writeln!(out, "Log: not written in this run");
            }
        }
        out
    }
}

/// The distribution's name (Linux `/etc/os-release`), else empty.
fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_default()
}
