//! The table model shared by every front end: what a DHIS2 answer looks like as rows and
//! columns ([`flatten`], [`shape`]), fetching every page of a collection ([`fetch_all`]), and
//! writing tables to CSV and Excel files ([`export`]).

pub mod export;
pub mod fetch_all;
pub mod flatten;
pub mod shape;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One table cell, typed so that spreadsheets get numbers as numbers and dates as dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    /// No value.
    Empty,
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// true/false.
    Bool(bool),
    /// A DHIS2 date or date-time (`2024-01-15`, `2024-01-15T10:20:30.123`), kept as written.
    Date(String),
}

impl Cell {
    /// The cell for a JSON scalar; strings that are DHIS2 dates become [`Cell::Date`].
    pub fn from_json(v: &Value) -> Self {
        match v {
            Value::Null => Cell::Empty,
            Value::Bool(b) => Cell::Bool(*b),
            Value::Number(n) => n.as_f64().map(Cell::Number).unwrap_or(Cell::Empty),
            Value::String(s) if excel_serial(s).is_some() => Cell::Date(s.clone()),
            Value::String(s) => Cell::Text(s.clone()),
            other => Cell::Text(other.to_string()),
        }
    }

    /// The cell as plain text (CSV, terminal tables, joined lists).
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::Date(s) => s.clone(),
            Cell::Number(n) => format_number(*n),
            Cell::Bool(b) => b.to_string(),
        }
    }
}

/// `3` rather than `3.0`; other numbers as Rust prints them (shortest round-trip form).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Days from 0000-03-01 to `y-m-d` in the proleptic Gregorian calendar, shifted to the Unix
/// epoch (Howard Hinnant's days-from-civil).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of a Unix day number (the inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// `YYYY-MM-DD` of a Unix time (UTC).
pub fn iso_date(unix_secs: i64) -> String {
    let (y, m, d) = civil_from_days(unix_secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The spreadsheet serial number (days since 1899-12-30, time as the fraction) of a DHIS2
/// date `YYYY-MM-DD` or date-time `YYYY-MM-DDTHH:MM[:SS[.fff]]` (an offset or `Z` is accepted
/// and ignored: DHIS2 writes server-local times). `None` for anything else.
pub fn excel_serial(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1900..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let mut frac = 0.0;
    if b.len() > 10 {
        if b[10] != b'T' && b[10] != b' ' {
            return None;
        }
        let (hh, mm) = (num(11..13)?, num(14..16)?);
        if b.get(13) != Some(&b':') || hh > 23 || mm > 59 {
            return None;
        }
        let mut secs = 0.0;
        let mut rest = &s[16..];
        if let Some(r) = rest.strip_prefix(':') {
            let ss: u32 = r.get(0..2)?.parse().ok()?;
            if ss > 59 || !r.as_bytes()[..2].iter().all(u8::is_ascii_digit) {
                return None;
            }
            secs = ss as f64;
            rest = &r[2..];
            if let Some(f) = rest.strip_prefix('.') {
                let digits: String = f.chars().take_while(char::is_ascii_digit).collect();
                if digits.is_empty() {
                    return None;
                }
                secs += format!("0.{digits}").parse::<f64>().ok()?;
                rest = &f[digits.len()..];
            }
        }
        let tz_ok = rest.is_empty()
            || rest == "Z"
            || ((rest.starts_with('+') || rest.starts_with('-'))
                && rest[1..].bytes().all(|c| c.is_ascii_digit() || c == b':'));
        if !tz_ok {
            return None;
        }
        frac = (hh as f64 * 3600.0 + mm as f64 * 60.0 + secs) / 86_400.0;
    }
    // 1899-12-30 is serial 0 (the 1900 leap-year quirk only matters before March 1900).
    let days = days_from_civil(y as i64, m, d) - days_from_civil(1899, 12, 30);
    Some(days as f64 + frac)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_are_recognised_and_converted() {
        assert_eq!(excel_serial("1900-03-01"), Some(61.0));
        assert_eq!(excel_serial("2024-01-15"), Some(45306.0));
        assert_eq!(excel_serial("2024-01-15T12:00:00.000"), Some(45306.5));
        assert_eq!(excel_serial("2024-01-15T06:00"), Some(45306.25));
        assert_eq!(excel_serial("2024-01-15T06:00:00Z"), Some(45306.25));
        for bad in [
            "2024-13-01",
            "2023-02-29",
            "2024-01-15X",
            "20240115",
            "abc",
            "2024-01-15T25:00",
            "2024-01-1a",
        ] {
            assert_eq!(excel_serial(bad), None, "{bad}");
        }
        assert!(matches!(
            Cell::from_json(&json!("2024-02-29")),
            Cell::Date(_)
        ));
        assert!(matches!(Cell::from_json(&json!("OU_123")), Cell::Text(_)));
    }

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(1_795_743_847), "2026-11-27");
        for z in [-800_000i64, -1, 0, 59, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn numbers_print_without_needless_decimals() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-2.5), "-2.5");
        assert_eq!(Cell::Number(1e20).to_text(), "100000000000000000000");
    }
}
