//! What the CLI prints: readable tables, JSON, progress bars on a terminal, man pages.

use clap::CommandFactory;
use dhis2w_client::profile::AuthKind;
use dhis2w_client::table::fetch_all::PageProgress;
use dhis2w_client::{Error, ErrorKind, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;

/// The widest a table column gets on the terminal.
const MAX_WIDTH: usize = 48;

pub fn stored(yes: bool) -> &'static str {
    if yes {
        "yes"
    } else {
        "no"
    }
}

pub fn auth_words(kind: AuthKind) -> &'static str {
    match kind {
        AuthKind::Basic => "username and password",
        AuthKind::Pat => "personal access token",
        AuthKind::Oauth2 => "browser sign-in",
    }
}

pub fn kind_words(kind: &str) -> &str {
    match kind {
        "dataElements" => "Data elements",
        "indicators" => "Indicators",
        "dataSets" => "Data sets",
        "programs" => "Programs",
        "organisationUnits" => "Org units",
        "categoryOptions" => "Category options",
        "users" => "Users",
        other => other,
    }
}

pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::new(ErrorKind::Internal, format!("Could not print JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn clip(s: &str, width: usize) -> String {
    let one_line = s.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() <= width {
        one_line
    } else {
        let mut out: String = one_line.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A plain aligned table (no colours, so it pipes cleanly too).
pub fn print_table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers
        .iter()
        .map(|h| h.chars().count().min(MAX_WIDTH))
        .collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count().min(MAX_WIDTH));
            }
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{:<w$}", clip(c, widths[i]), w = widths[i]))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    line(widths.iter().map(|w| "-".repeat(*w)).collect());
    for r in rows {
        line(r.clone());
    }
    if rows.is_empty() {
        println!("(no rows)");
    }
}

/// A core table on the terminal, columns in `fields=` order when given.
pub fn print_table_data(table: &dhis2w_client::table::shape::TableData, fields: Option<&str>) {
    let order = table.columns.display_order(fields);
    let headers: Vec<&str> = order.iter().map(|i| table.label(*i)).collect();
    let mut pos = vec![0usize; table.columns.len()];
    for (p, i) in order.iter().enumerate() {
        pos[*i] = p;
    }
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| {
            let mut out = vec![String::new(); headers.len()];
            for (i, c) in r {
                out[pos[*i]] = c.to_text();
            }
            out
        })
        .collect();
    print_table(&headers, &rows);
}

/// A progress bar on stderr, only when stderr is a terminal.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    pub fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Self(Some(bar))
    }

    pub fn bytes(&self, bytes: u64, total: Option<u64>) {
        if let Some(b) = &self.0 {
            if let Some(t) = total {
                b.set_length(t);
                b.set_style(
                    ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
            }
            b.set_position(bytes);
        }
    }

    pub fn pages(&self, p: &PageProgress) {
        if let Some(b) = &self.0 {
            let of = p.page_count.map(|c| format!(" of {c}")).unwrap_or_default();
            let total = p.total.map(|t| format!(" of {t}")).unwrap_or_default();
            b.set_message(format!("page {}{of} · {}{total} items", p.page, p.items));
        }
    }

    pub fn rows(&self, writing: bool, rows: u64, total: Option<u64>) {
        if let Some(b) = &self.0 {
            let total = total.map(|t| format!(" of {t}")).unwrap_or_default();
            let what = if writing { "writing" } else { "received" };
            b.set_message(format!("{what} {rows}{total} rows"));
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// `dhis2w man DIR`: dhis2w.1 and one page per command.
pub fn write_man_pages(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("Could not create {}: {e}", dir.display()),
        )
    })?;
    clap_mangen::generate_to(crate::cli::Cli::command(), dir).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("Could not write the man pages: {e}"),
        )
    })?;
    println!("Man pages written to {}.", dir.display());
    Ok(())
}
