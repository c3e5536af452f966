use super::*;
use calamine::{open_workbook, Data, Reader, Xlsx};
use serde_json::json;

fn about() -> ExportAbout {
    ExportAbout {
        instance: "Sierra Leone".into(),
        server: "https://sl.example.org".into(),
        request: request_text(
            "/api/organisationUnits?access_token=abc",
            &[("fields".into(), "id,name".into())],
        ),
        user: Some("admin".into()),
        exported_at: 1_795_743_847,
    }
}

fn sample() -> Vec<Value> {
    vec![
        json!({"id": "O6uvpzGd5pu", "name": "Bo, \"district\"", "level": 2, "openingDate": "1970-01-01T00:00:00.000", "parent": {"name": "Sierra Leone"}}),
        json!({"id": "fdc6uOvgoji", "name": "=HYPERLINK(\"http://evil\")", "level": 2, "closed": true}),
        json!({"id": "lc3eMKXaEfw", "name": "Bonthe\nline two", "level": -3, "code": "+123", "tags": ["a", "b"]}),
    ]
}

fn export(format: ExportFormat) -> (tempfile::TempDir, std::path::PathBuf, ExportResult) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("out.{}", format.extension()));
    let mut e = Exporter::new("organisationUnits", Some("id,name,level")).unwrap();
    e.push_objects(&sample()).unwrap();
    let seen = std::sync::Mutex::new(0u64);
    let result = e
        .finish(format, &path, &about(), &|n| *seen.lock().unwrap() = n)
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        3,
        "progress reports the final row count"
    );
    (dir, path, result)
}

#[test]
fn csv_has_a_bom_rfc4180_quoting_and_no_formulas() {
    let (_d, path, result) = export(ExportFormat::Csv);
    assert_eq!(result.rows, 3);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "id,name,level,openingDate,parent.name,closed,code,tags"
    );
    assert!(text.contains("\"Bo, \"\"district\"\"\""), "{text}");
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{text}"
    );
    assert!(text.contains("\"Bonthe\nline two\""), "{text}");
    // A text code starting with '+' is neutralised; a number stays a number.
    assert!(text.contains(",'+123,"), "{text}");
    assert!(text.contains(",-3,"), "{text}");
    // Read back with a CSV parser: 3 records of 8 fields.
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.len() == 8));
    assert_eq!(&records[2][1], "Bonthe\nline two");
}

#[test]
fn xlsx_reads_back_with_types_sheets_and_about() {
    let (_d, path, result) = export(ExportFormat::Xlsx);
    assert_eq!((result.rows, result.columns), (3, 8));
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["organisationUnits".to_owned(), "About".to_owned()]
    );
    let range = wb.worksheet_range("organisationUnits").unwrap();
    assert_eq!(range.height(), 4);
    assert_eq!(range.get((0, 0)), Some(&Data::String("id".into())));
    assert_eq!(
        range.get((1, 1)),
        Some(&Data::String("Bo, \"district\"".into()))
    );
    assert_eq!(range.get((1, 2)), Some(&Data::Float(2.0)));
    assert_eq!(range.get((3, 2)), Some(&Data::Float(-3.0)));
    match range.get((1, 3)) {
        Some(Data::DateTime(d)) => assert_eq!(d.as_f64(), 25569.0),
        other => panic!("openingDate should be a date, got {other:?}"),
    }
    assert_eq!(range.get((2, 5)), Some(&Data::Bool(true)));
    // In a workbook a formula-looking string is a plain string cell, never a formula.
    assert_eq!(
        range.get((2, 1)),
        Some(&Data::String("=HYPERLINK(\"http://evil\")".into()))
    );
    let about = wb.worksheet_range("About").unwrap();
    let text: Vec<String> = about.rows().map(|r| format!("{}={}", r[0], r[1])).collect();
    assert!(
        text.contains(&"Instance=Sierra Leone".to_owned()),
        "{text:?}"
    );
    assert!(
        text.contains(&"Server=https://sl.example.org".to_owned()),
        "{text:?}"
    );
    assert!(
        text.contains(&"Request=/api/organisationUnits?fields=id,name".to_owned()),
        "{text:?}"
    );
    assert!(text.contains(&"User=admin".to_owned()), "{text:?}");
    assert!(
        text.contains(&"Exported=2026-11-27 01:44:07 UTC".to_owned()),
        "{text:?}"
    );
    assert!(text.contains(&"Rows=3".to_owned()), "{text:?}");
    let raw = std::fs::read(&path).unwrap();
    assert!(
        !raw.windows(3).any(|w| w == b"abc"),
        "no secret parameter value in the workbook"
    );
}

#[test]
fn analytics_tables_keep_their_display_names() {
    let grid = json!({
        "headers": [
            {"name": "ou", "column": "Organisation unit", "valueType": "TEXT", "meta": true},
            {"name": "value", "column": "Value", "valueType": "NUMBER", "meta": false}
        ],
        "metaData": {"items": {"O6uvpzGd5pu": {"name": "Bo"}}},
        "rows": [["O6uvpzGd5pu", "17"]]
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.xlsx");
    let mut e = Exporter::new("analytics", None).unwrap();
    e.push_table(&crate::table::shape::to_table(&grid)).unwrap();
    e.finish(ExportFormat::Xlsx, &path, &about(), &|_| {})
        .unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let range = wb.worksheet_range("analytics").unwrap();
    assert_eq!(
        range.get((0, 0)),
        Some(&Data::String("Organisation unit".into()))
    );
    assert_eq!(range.get((1, 0)), Some(&Data::String("Bo".into())));
    assert_eq!(range.get((1, 1)), Some(&Data::Float(17.0)));
}

#[test]
fn file_names_name_the_resource_instance_and_date() {
    let t = 1_795_743_847 + 3 * 86_400; // 2026-11-30
    assert_eq!(
        suggested_file_name(
            "/api/organisationUnits",
            "Sierra Leone",
            t,
            ExportFormat::Xlsx
        ),
        "organisationUnits-sierra-leone-2026-11-30.xlsx"
    );
    assert_eq!(
        suggested_file_name(
            "/api/dataSets/BfMAe6Itzgt/dataElements?fields=id",
            "Côte d'Ivoire (prod)",
            t,
            ExportFormat::Csv
        ),
        "dataElements-cote-d-ivoire-prod-2026-11-30.csv"
    );
    assert_eq!(
        suggested_file_name("/api/41/analytics.json", "", t, ExportFormat::Csv),
        "analytics-2026-11-30.csv"
    );
}

#[test]
fn sheet_names_are_valid() {
    assert_eq!(xlsx_file::sheet_name("a/b:c*d?e[f]"), "abcdef");
    assert_eq!(xlsx_file::sheet_name(&"x".repeat(40)).len(), 31);
    assert_eq!(xlsx_file::sheet_name(""), "Data");
    assert_eq!(xlsx_file::sheet_name("About"), "Data");
}

#[test]
fn formulas_are_neutralised_and_other_text_is_not() {
    for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
        assert!(neutralise_formula(s).starts_with('\''), "{s}");
    }
    for s in ["Bo", "1-2", "", "a=b"] {
        assert_eq!(neutralise_formula(s), s);
    }
}
