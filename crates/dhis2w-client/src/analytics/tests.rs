use super::*;
use serde_json::json;

fn q() -> AnalyticsQuery {
    AnalyticsQuery {
        data: vec![QueryItem::id("fbfJHSPpUQD")],
        periods: vec![QueryItem::id("LAST_12_MONTHS"), QueryItem::id("2024Q1")],
        org_units: vec![QueryItem::id("ImspTQPwCqd"), QueryItem::id("LEVEL-2")],
        layout: None,
        totals: false,
    }
}

#[test]
fn the_default_layout_and_url() {
    let query = q();
    assert_eq!(
        query.to_query().unwrap(),
        vec![
            ("dimension".to_owned(), "ou:ImspTQPwCqd;LEVEL-2".to_owned()),
            (
                "dimension".to_owned(),
                "pe:LAST_12_MONTHS;2024Q1".to_owned()
            ),
            ("filter".to_owned(), "dx:fbfJHSPpUQD".to_owned()),
            ("displayProperty".to_owned(), "NAME".to_owned()),
        ]
    );
    let mut two = q();
    two.data.push(QueryItem::id("Uvn6LCg7dVU"));
    let params = two.to_query().unwrap();
    assert_eq!(
        params[0],
        (
            "dimension".to_owned(),
            "dx:fbfJHSPpUQD;Uvn6LCg7dVU".to_owned()
        )
    );
    assert!(params.iter().all(|(k, _)| k != "filter"));
}

#[test]
fn every_layout_is_honoured_and_checked() {
    let mut query = q();
    query.layout = Some(Layout {
        rows: vec![Dimension::Pe],
        columns: vec![Dimension::Dx],
        filters: vec![Dimension::Ou],
    });
    let p = query.to_query().unwrap();
    assert_eq!(p[0].1, "pe:LAST_12_MONTHS;2024Q1");
    assert_eq!(p[1].1, "dx:fbfJHSPpUQD");
    assert_eq!(
        p[2],
        ("filter".to_owned(), "ou:ImspTQPwCqd;LEVEL-2".to_owned())
    );
    query.layout = Some(Layout {
        rows: vec![Dimension::Pe, Dimension::Pe],
        columns: vec![Dimension::Dx],
        filters: vec![],
    });
    assert_eq!(
        query.to_query().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    query.layout = Some(Layout {
        rows: vec![Dimension::Pe],
        columns: vec![],
        filters: vec![],
    });
    assert!(query
        .to_query()
        .unwrap_err()
        .message()
        .contains("Place data, periods and org units"));
}

#[test]
fn missing_picks_are_said_in_plain_words() {
    let mut none = q();
    none.periods.clear();
    assert!(none
        .to_query()
        .unwrap_err()
        .message()
        .contains("You picked no period"));
    let mut bad = q();
    bad.periods = vec![QueryItem::id("2024M13")];
    assert!(bad
        .to_query()
        .unwrap_err()
        .message()
        .contains("not a period"));
    let mut inject = q();
    inject.data = vec![QueryItem::id("abc&dimension=x")];
    assert_eq!(
        inject.to_query().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn e7xxx_answers_become_plain_words() {
    let body = br#"{"httpStatus":"Conflict","httpStatusCode":409,"status":"ERROR","message":"Query result set exceeded max limit: `100,000`","errorCode":"E7128"}"#;
    let e = analytics_error(body, Error::new(ErrorKind::ServerError, "x"));
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.message().starts_with("Too many rows") && e.message().contains("E7128"),
        "{}",
        e.message()
    );
    let e = analytics_error(
        br#"{"errorCode":"E7104"}"#,
        Error::new(ErrorKind::ServerError, "x"),
    );
    assert!(e.message().contains("no period"));
    let e = analytics_error(
        br#"{"errorCode":"E7144"}"#,
        Error::new(ErrorKind::ServerError, "x"),
    );
    assert_eq!(e.kind(), ErrorKind::ServerError);
    let e = analytics_error(b"not json", Error::new(ErrorKind::ServerError, "fallback"));
    assert_eq!(e.message(), "fallback");
}

fn response() -> AnalyticsResponse {
    serde_json::from_value(json!({
        "headers": [
            {"name": "ou", "column": "Organisation unit", "valueType": "TEXT", "meta": true},
            {"name": "pe", "column": "Period", "valueType": "TEXT", "meta": true},
            {"name": "value", "column": "Value", "valueType": "NUMBER", "meta": false}
        ],
        "metaData": {
            "items": {"O6uvpzGd5pu": {"name": "Bo"}, "fdc6uOvgoji": {"name": "Bombali"}, "202401": {"name": "January 2024"}, "202402": {"name": "February 2024"}},
            "dimensions": {"ou": ["O6uvpzGd5pu", "fdc6uOvgoji"], "pe": ["202401", "202402"], "dx": ["fbfJHSPpUQD"]}
        },
        "rows": [["fdc6uOvgoji", "202402", "5"], ["O6uvpzGd5pu", "202401", "12.5"], ["O6uvpzGd5pu", "202402", "3"]],
        "height": 3, "width": 3, "headerWidth": 3
    }))
    .unwrap()
}

#[test]
fn responses_pivot_into_rows_and_columns_with_names_and_totals() {
    let layout = Layout {
        rows: vec![Dimension::Ou],
        columns: vec![Dimension::Pe],
        filters: vec![Dimension::Dx],
    };
    let t = response().pivot(&layout, true);
    let labels: Vec<&str> = (0..t.columns.len()).map(|i| t.label(i)).collect();
    assert_eq!(
        labels,
        [
            "Organisation unit",
            "January 2024",
            "February 2024",
            "Total"
        ]
    );
    assert_eq!(t.rows.len(), 3, "Bo, Bombali and the total row");
    let cell = |r: usize, c: usize| {
        t.rows[r]
            .iter()
            .find(|(i, _)| *i == c)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(cell(0, 0), Some(Cell::Text("Bo".into())));
    assert_eq!(cell(0, 1), Some(Cell::Number(12.5)));
    assert_eq!(cell(0, 3), Some(Cell::Number(15.5)));
    assert_eq!(cell(1, 1), None, "Bombali has no January value");
    assert_eq!(cell(2, 0), Some(Cell::Text("Total".into())));
    assert_eq!(cell(2, 2), Some(Cell::Number(8.0)));
    assert_eq!(cell(2, 3), Some(Cell::Number(20.5)));
    // Without totals, and with an empty answer.
    assert_eq!(response().pivot(&layout, false).rows.len(), 2);
    let mut empty = response();
    empty.rows.clear();
    assert!(empty.pivot(&layout, false).rows.is_empty());
}
