//! CSV as spreadsheets open it: UTF-8 with a byte-order mark (so Excel shows accents),
//! RFC 4180 quoting and CRLF line ends, formulas neutralised.

use super::neutralise_formula;
use crate::table::Cell;
use crate::{Error, ErrorKind, Result};
use std::io::Write;

/// How often progress is reported, in rows.
const PROGRESS_EVERY: u64 = 5_000;

pub(super) fn write(
    file: &std::fs::File,
    headers: &[String],
    rows: impl Iterator<Item = Result<Vec<Cell>>>,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<()> {
    let mut out = std::io::BufWriter::new(file);
    out.write_all("\u{feff}".as_bytes()).map_err(write_error)?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out);
    let header: Vec<std::borrow::Cow<'_, str>> =
        headers.iter().map(|h| neutralise_formula(h)).collect();
    w.write_record(header.iter().map(|h| h.as_bytes()))
        .map_err(csv_error)?;
    let mut n = 0u64;
    for row in rows {
        let row = row?;
        let texts: Vec<String> = row
            .iter()
            .map(|c| match c {
                // Numbers, booleans and dates are data, not text a user typed.
                Cell::Text(s) => neutralise_formula(s).into_owned(),
                other => other.to_text(),
            })
            .collect();
        w.write_record(&texts).map_err(csv_error)?;
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            progress(n);
        }
    }
    w.flush().map_err(write_error)?;
    let out = w.into_inner().map_err(|e| write_error(e.into_error()))?;
    out.into_inner()
        .map_err(|e| write_error(e.into_error()))?
        .sync_all()
        .map_err(write_error)?;
    progress(n);
    Ok(())
}

fn write_error(e: std::io::Error) -> Error {
    let words = if e.kind() == std::io::ErrorKind::StorageFull {
        "The disk is full: the CSV file could not be written. Free some space, or choose another place."
    } else {
        "The CSV file could not be written. Choose another place."
    };
    let kind = if e.kind() == std::io::ErrorKind::StorageFull {
        ErrorKind::DiskFull
    } else {
        ErrorKind::InvalidInput
    };
    Error::new(kind, words).with_source(e)
}

fn csv_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => write_error(io),
        other => Error::new(
            ErrorKind::Internal,
            format!("A CSV row could not be written: {other:?}"),
        ),
    }
}
