//! The CSV and Excel exports as a spreadsheet program opens them: LibreOffice Calc (headless,
//! `libreoffice-calc-nogui`, installed by tests/harness/setup.sh) converts each file, and the
//! result is read back with calamine. Accents need the BOM, quoting keeps commas, quotes and
//! line breaks inside a cell, and a name that looks like a formula stays text.

use std::path::Path;
use std::process::Command;

use calamine::{open_workbook, Data, Reader, Xlsx};
use dhis2w_client::table::export::{request_text, ExportAbout, ExportFormat, Exporter};
use serde_json::json;

fn soffice() -> std::path::PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("soffice"))
        .find(|p| p.is_file());
    found.expect("soffice is missing: install libreoffice-calc-nogui (tests/harness/setup.sh does)")
}

/// Converts `file` with LibreOffice to `to` (an extension) in `dir`; returns the new file.
/// CSV is read with the character set left to LibreOffice to detect (as its import dialog does;
/// without a filter, headless LibreOffice assumes Latin-1) and written as UTF-8.
fn convert(file: &Path, to: &str, dir: &Path) -> std::path::PathBuf {
    let target = match to {
        "csv" => "csv:Text - txt - csv (StarCalc):44,34,76",
        other => other,
    };
    let mut cmd = Command::new(soffice());
    cmd.arg(format!(
        "-env:UserInstallation=file://{}",
        dir.join("profile").display()
    ))
    .arg("--headless");
    if file.extension().is_some_and(|e| e == "csv") {
        cmd.arg("--infilter=CSV:44,34,0");
    }
    let out = cmd
        .args(["--convert-to", target, "--outdir"])
        .arg(dir)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made = dir.join(file.file_stem().unwrap()).with_extension(to);
    assert!(made.is_file(), "LibreOffice wrote no {}", made.display());
    made
}

fn export(format: ExportFormat, dir: &Path) -> std::path::PathBuf {
    let path = dir.join(format!("organisationUnits.{}", format.extension()));
    let mut e = Exporter::new("organisationUnits", Some("id,name,level,code")).unwrap();
    e.push_objects(&[
        json!({"id": "O6uvpzGd5pu", "name": "Bo, \"district\"", "level": 2, "code": "OU_1"}),
        json!({"id": "fdc6uOvgoji", "name": "=1+2", "level": 2, "code": "+123"}),
        json!({"id": "lc3eMKXaEfw", "name": "Zoé\nSegbwéma", "level": 3, "code": "@SUM(A1)"}),
    ])
    .unwrap();
    let about = ExportAbout {
        instance: "Sierra Leone".into(),
        server: "https://sl.example.org".into(),
        request: request_text("/api/organisationUnits", &[]),
        user: Some("admin".into()),
        exported_at: 1_795_743_847,
    };
    e.finish(format, &path, &about, &|_| {}).unwrap();
    path
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => panic!("a text cell, not {other:?}"),
    }
}

/// What LibreOffice made of an export, as rows of cells (header first).
fn rows_in(xlsx: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(xlsx).unwrap();
    wb.worksheet_range(sheet)
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect()
}

fn assert_opened_correctly(rows: &[Vec<Data>]) {
    assert_eq!(rows.len(), 4, "{rows:?}");
    let header: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(header, ["id", "name", "level", "code"]);
    assert_eq!(text(&rows[1][1]), "Bo, \"district\"", "quoting");
    assert_eq!(
        text(&rows[3][1]),
        "Zoé\nSegbwéma",
        "accents and a line break"
    );
    assert_eq!(rows[1][2], Data::Float(2.0), "numbers stay numbers");
    // Formula-like text stays text: neither evaluated (3) nor turned into a formula.
    for (r, c, shown) in [(2, 1, "=1+2"), (2, 3, "+123"), (3, 3, "@SUM(A1)")] {
        let cell = text(&rows[r][c]);
        assert!(cell.ends_with(shown), "{cell:?} keeps {shown:?} as text");
    }
}

#[test]
fn csv_export_opens_in_libreoffice_with_accents_quoting_and_no_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let csv = export(ExportFormat::Csv, dir.path());
    let back = convert(&csv, "xlsx", &dir.path().join("lo"));
    // A CSV becomes a workbook with one sheet named after the file.
    assert_opened_correctly(&rows_in(&back, "organisationUnits"));
}

#[test]
fn xlsx_export_opens_in_libreoffice_with_both_sheets_and_the_same_cells() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = export(ExportFormat::Xlsx, dir.path());
    // LibreOffice re-saves the workbook: what it read is what it writes.
    let again = dir.path().join("lo");
    std::fs::create_dir_all(&again).unwrap();
    let copy = again.join("copy.xlsx");
    std::fs::copy(&xlsx, &copy).unwrap();
    let back = convert(&copy, "ods", &again.join("out"));
    let mut ods = calamine::open_workbook_auto(&back).unwrap();
    assert_eq!(ods.sheet_names(), ["organisationUnits", "About"]);
    let about: Vec<String> = ods
        .worksheet_range("About")
        .unwrap()
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
        .collect();
    assert!(
        about.iter().any(|c| c == "Sierra Leone") && about.iter().any(|c| c == "admin"),
        "{about:?}"
    );
    let csv = convert(&xlsx, "csv", &dir.path().join("csv"));
    let mut r = csv::Reader::from_path(&csv).unwrap();
    let records: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(records.len(), 3, "{records:?}");
    assert_eq!(&records[0][1], "Bo, \"district\"");
    assert_eq!(&records[2][1], "Zoé\nSegbwéma");
    assert!(records[1][1].ends_with("=1+2") && &records[1][1] != "3");
}
