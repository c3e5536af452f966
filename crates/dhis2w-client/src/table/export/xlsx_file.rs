//! An Excel workbook: one sheet named after the resource (header row bold and frozen, an
//! auto-filter, numbers as numbers, dates as dates), written row by row in constant-memory
//! mode, and an "About" sheet saying where the data came from.

use super::ExportAbout;
use crate::table::{excel_serial, iso_date, Cell};
use crate::{Error, ErrorKind, Result};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::path::Path;

/// Excel's limits: rows per sheet, and characters per cell.
const MAX_ROWS: u64 = 1_048_576;
const MAX_CELL_CHARS: usize = 32_767;
/// How often progress is reported, in rows.
const PROGRESS_EVERY: u64 = 5_000;

/// A valid sheet name: at most 31 characters, none of `[]:*?/\`, not empty.
pub(crate) fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    let trimmed = cleaned.trim_matches('\'').trim();
    if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("about") {
        "Data".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn xlsx_error(e: XlsxError) -> Error {
    match e {
        XlsxError::IoError(io) if io.kind() == std::io::ErrorKind::StorageFull => Error::new(
            ErrorKind::DiskFull,
            "The disk is full: the Excel file could not be written. Free some space, or choose another place.",
        )
        .with_source(io),
        other => Error::new(
            ErrorKind::InvalidInput,
            format!("The Excel file could not be written ({other}). Choose another place."),
        ),
    }
}

pub(super) fn write(
    path: &Path,
    name: &str,
    headers: &[String],
    rows: impl Iterator<Item = Result<Vec<Cell>>>,
    row_count: u64,
    about: &ExportAbout,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<()> {
    if row_count + 1 > MAX_ROWS {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "Excel sheets hold at most {} rows and this table has {row_count}. Export it as CSV, \
                 or narrow the request.",
                MAX_ROWS - 1
            ),
        ));
    }
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let mut workbook = Workbook::new();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(xlsx_error)?;
    sheet.set_name(sheet_name(name)).map_err(xlsx_error)?;
    let cols = headers.len().max(1) as u16;
    for (c, h) in headers.iter().enumerate() {
        let c = c as u16;
        sheet
            .write_string_with_format(0, c, clip(h), &bold)
            .map_err(xlsx_error)?;
        // Constant-memory sheets cannot autofit; size columns by their header.
        let width = (h.chars().count() as f64 + 4.0).clamp(10.0, 50.0);
        sheet.set_column_width(c, width).map_err(xlsx_error)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    let mut r: u32 = 0;
    for row in rows {
        let row = row?;
        r += 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    sheet.write_string(r, c, clip(s)).map_err(xlsx_error)?;
                }
                Cell::Number(n) if n.is_finite() => {
                    sheet.write_number(r, c, *n).map_err(xlsx_error)?;
                }
                Cell::Number(n) => {
                    sheet
                        .write_string(r, c, n.to_string())
                        .map_err(xlsx_error)?;
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(r, c, *b).map_err(xlsx_error)?;
                }
                Cell::Date(s) => match excel_serial(s) {
                    Some(serial) => {
                        let f = if serial.fract() == 0.0 && s.len() == 10 {
                            &date
                        } else {
                            &datetime
                        };
                        sheet
                            .write_number_with_format(r, c, serial, f)
                            .map_err(xlsx_error)?;
                    }
                    None => {
                        sheet.write_string(r, c, clip(s)).map_err(xlsx_error)?;
                    }
                },
            }
        }
        if u64::from(r).is_multiple_of(PROGRESS_EVERY) {
            progress(u64::from(r));
        }
    }
    sheet
        .autofilter(0, 0, r.max(1), cols - 1)
        .map_err(xlsx_error)?;

    let about_sheet = workbook.add_worksheet();
    about_sheet.set_name("About").map_err(xlsx_error)?;
    let exported = format!(
        "{} {} UTC",
        iso_date(about.exported_at),
        clock(about.exported_at)
    );
    let lines: [(&str, String); 6] = [
        ("Instance", about.instance.clone()),
        ("Server", about.server.clone()),
        ("Request", about.request.clone()),
        ("User", about.user.clone().unwrap_or_default()),
        ("Exported", exported),
        ("Rows", r.to_string()),
    ];
    about_sheet.set_column_width(0, 12).map_err(xlsx_error)?;
    about_sheet.set_column_width(1, 80).map_err(xlsx_error)?;
    for (i, (k, v)) in lines.iter().enumerate() {
        about_sheet
            .write_string_with_format(i as u32, 0, *k, &bold)
            .map_err(xlsx_error)?;
        about_sheet
            .write_string(i as u32, 1, clip(v))
            .map_err(xlsx_error)?;
    }
    workbook.save(path).map_err(xlsx_error)?;
    progress(u64::from(r));
    Ok(())
}

/// `HH:MM:SS` of a Unix time (UTC).
fn clock(unix: i64) -> String {
    let s = unix.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// Excel refuses cells longer than 32,767 characters; longer text is cut there.
fn clip(s: &str) -> &str {
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
