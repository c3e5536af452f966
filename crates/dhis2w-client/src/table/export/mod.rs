//! Tables to files: CSV (UTF-8 with BOM, RFC 4180) and Excel (XLSX), written in Rust while the
//! pages arrive. Rows are flattened as they come and spilled to a temporary file, so memory
//! stays bounded whatever the size; the columns are known once every row is in, then the file
//! is written from the spill in one pass. Nothing secret goes in: the request is written
//! without credential-looking parameters, and no header or token is ever part of a table.

mod csv_file;
pub(crate) mod xlsx_file;

use super::flatten::ColumnSet;
use super::shape::TableData;
use super::Cell;
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::path::Path;

/// The file kinds an export writes.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl ExportFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// Where the data came from, for the workbook's "About" sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportAbout {
    /// The instance's name.
    pub instance: String,
    /// The server address.
    pub server: String,
    /// The request path with its query (credential-looking parameters removed).
    pub request: String,
    /// The DHIS2 user, when known.
    pub user: Option<String>,
    /// When the export ran (Unix seconds).
    pub exported_at: i64,
}

/// A finished export: where the file is and what it holds.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    pub path: String,
    pub rows: u64,
    pub columns: u32,
}

/// The request as text for the About sheet: path and query, credential-looking parameters
/// removed.
pub fn request_text(path: &str, query: &[(String, String)]) -> String {
    let (path_only, inline) = path.split_once('?').unwrap_or((path, ""));
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(inline.as_bytes())
        .into_owned()
        .collect();
    pairs.extend(query.iter().cloned());
    let pairs = crate::history::redact_query(&pairs);
    if pairs.is_empty() {
        return path_only.to_owned();
    }
    let q: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{path_only}?{}", q.join("&"))
}

/// `url` with the values of credential-looking query parameters replaced (for display).
pub fn redact_url(raw: &str) -> String {
    redact_url_with(raw, "[hidden]")
}

/// [`redact_url`] with a chosen placeholder.
pub fn redact_url_with(raw: &str, placeholder: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return raw.to_owned();
    };
    if !url
        .query_pairs()
        .any(|(k, _)| crate::history::is_secret_param(&k))
    {
        return raw.to_owned();
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if crate::history::is_secret_param(&k) {
                placeholder.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

/// A file name like `organisationUnits-sierra-leone-2026-11-30.xlsx`: the resource (last path
/// segment that is not a UID), the instance name as a slug, and the date.
pub fn suggested_file_name(
    path: &str,
    instance: &str,
    unix_secs: i64,
    format: ExportFormat,
) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let resource = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != "api" && !s.chars().all(|c| c.is_ascii_digit()))
        .rev()
        .find(|s| !crate::models::is_uid(s))
        .map(|s| s.trim_end_matches(".json"))
        .unwrap_or("export");
    let parts = [
        slug(resource, true),
        slug(instance, false),
        super::iso_date(unix_secs),
    ];
    let stem: Vec<&str> = parts
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    format!("{}.{}", stem.join("-"), format.extension())
}

/// ASCII letters, digits and single dashes (common accents dropped to their base letter);
/// lower-cased unless `keep_case` (a camelCase resource name stays readable).
fn slug(s: &str, keep_case: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Î' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' | 'Ó' | 'Ô' | 'Õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            'ñ' | 'Ñ' => 'n',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(if keep_case { c } else { c.to_ascii_lowercase() });
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn io_error(e: std::io::Error, path: &Path) -> Error {
    match e.kind() {
        std::io::ErrorKind::StorageFull
        | std::io::ErrorKind::PermissionDenied
        | std::io::ErrorKind::ReadOnlyFilesystem => {
            crate::fsio::file_error("save the export", path, e, ErrorKind::InvalidInput)
        }
        _ => Error::new(
            ErrorKind::InvalidInput,
            format!(
                "The file could not be written ({}). Choose another folder, or free some space.",
                path.display()
            ),
        )
        .with_source(e),
    }
}

/// Collects rows (from pages of objects, or a whole table) and writes them to a file.
pub struct Exporter {
    columns: ColumnSet,
    labels: Vec<Option<String>>,
    spill: BufWriter<std::fs::File>,
    rows: u64,
    name: String,
    fields: Option<String>,
}

impl Exporter {
    /// A new export of the table called `name` (the resource; names the sheet). `fields` is
    /// the request's `fields=` value, which orders the columns.
    pub fn new(name: &str, fields: Option<&str>) -> Result<Self> {
        let file = tempfile::tempfile().map_err(|e| io_error(e, &std::env::temp_dir()))?;
        Ok(Self {
            columns: ColumnSet::new(),
            labels: Vec::new(),
            spill: BufWriter::new(file),
            rows: 0,
            name: name.to_owned(),
            fields: fields.map(str::to_owned),
        })
    }

    /// Rows so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Adds DHIS2 objects, one row each.
    pub fn push_objects(&mut self, items: &[Value]) -> Result<()> {
        for item in items {
            let row: Vec<(usize, Cell)> = super::flatten::flatten(item)
                .into_iter()
                .map(|(k, c)| (self.columns.index_of(&k), c))
                .collect();
            self.push_row(&row)?;
        }
        Ok(())
    }

    /// Adds a whole table (an analytics grid, one answer).
    pub fn push_table(&mut self, table: &TableData) -> Result<()> {
        // Column indexes of `table` map to this export's by name.
        let map: Vec<usize> = table
            .columns
            .names()
            .iter()
            .map(|n| self.columns.index_of(n))
            .collect();
        for (i, label) in table.labels.iter().enumerate() {
            let j = map[i];
            if self.labels.len() <= j {
                self.labels.resize(j + 1, None);
            }
            if label.is_some() {
                self.labels[j] = label.clone();
            }
        }
        for row in &table.rows {
            let mapped: Vec<(usize, Cell)> =
                row.iter().map(|(i, c)| (map[*i], c.clone())).collect();
            self.push_row(&mapped)?;
        }
        Ok(())
    }

    fn push_row(&mut self, row: &[(usize, Cell)]) -> Result<()> {
        serde_json::to_writer(&mut self.spill, row).map_err(|e| {
            Error::new(ErrorKind::Internal, "Could not keep a row for the export.").with_source(e)
        })?;
        self.spill
            .write_all(b"\n")
            .map_err(|e| io_error(e, &std::env::temp_dir()))?;
        self.rows += 1;
        Ok(())
    }

    /// Writes the file at `path` (atomically: a temporary file beside it, renamed at the end),
    /// calling `progress(rows written)` now and then.
    pub fn finish(
        self,
        format: ExportFormat,
        path: &Path,
        about: &ExportAbout,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ExportResult> {
        let Self {
            columns,
            labels,
            spill,
            rows,
            name,
            fields,
        } = self;
        let mut file = spill
            .into_inner()
            .map_err(|e| io_error(e.into_error(), &std::env::temp_dir()))?;
        file.rewind()
            .map_err(|e| io_error(e, &std::env::temp_dir()))?;
        let order = columns.display_order(fields.as_deref());
        let headers: Vec<String> = order
            .iter()
            .map(|i| {
                labels
                    .get(*i)
                    .and_then(|l| l.clone())
                    .unwrap_or_else(|| columns.names()[*i].clone())
            })
            .collect();
        // Position of each column index in the output.
        let mut position = vec![0usize; columns.len()];
        for (pos, i) in order.iter().enumerate() {
            position[*i] = pos;
        }
        let reader = BufReader::new(file);
        let rows_iter = reader.lines().map(move |line| -> Result<Vec<Cell>> {
            let line = line.map_err(|e| io_error(e, &std::env::temp_dir()))?;
            let cells: Vec<(usize, Cell)> = serde_json::from_str(&line).map_err(|e| {
                Error::new(ErrorKind::Internal, "A kept row could not be read back.").with_source(e)
            })?;
            let mut out = vec![Cell::Empty; position.len()];
            for (i, c) in cells {
                if let Some(p) = position.get(i) {
                    out[*p] = c;
                }
            }
            Ok(out)
        });
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".dhis2w-export-")
            .tempfile_in(dir)
            .map_err(|e| io_error(e, path))?;
        match format {
            ExportFormat::Csv => csv_file::write(tmp.as_file(), &headers, rows_iter, progress)?,
            ExportFormat::Xlsx => xlsx_file::write(
                tmp.path(),
                &name,
                &headers,
                rows_iter,
                rows,
                about,
                progress,
            )?,
        }
        // The temporary file is private (0600); the export is an ordinary document.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644));
        }
        // The last write before the rename (a full disk found here leaves no half file).
        crate::fsio::check_space().map_err(|e| io_error(e, path))?;
        tmp.persist(path).map_err(|e| io_error(e.error, path))?;
        Ok(ExportResult {
            path: path.display().to_string(),
            rows,
            columns: headers.len() as u32,
        })
    }
}

/// Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at the start)
/// gets a leading `'`, so an exported name like `=HYPERLINK(…)` stays text.
pub fn neutralise_formula(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

#[cfg(test)]
mod tests;
