//! Which DHIS2 answers are tables: a collection (`{pager?, <plural>: [...]}`), an analytics
//! grid (`{headers, rows, metaData}`), a bare array, or one object (one row).

use super::flatten::{flatten, ColumnSet, FlatRow};
use super::Cell;
use serde::Deserialize;
use serde_json::{Map, Value};

/// DHIS2's pager (dhis2-server.md: `page`, `pageCount`, `total`, `pageSize`, `nextPage`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pager {
    /// 1-based page number.
    #[serde(default)]
    pub page: Option<u64>,
    /// Number of pages.
    #[serde(default)]
    pub page_count: Option<u64>,
    /// Number of items in the whole collection.
    #[serde(default)]
    pub total: Option<u64>,
    /// Items per page.
    #[serde(default)]
    pub page_size: Option<u64>,
    /// URL of the next page, absent on the last.
    #[serde(default)]
    pub next_page: Option<String>,
}

/// The collection part of an answer: its key (`organisationUnits`) and pager.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionInfo {
    /// The key of the array of objects.
    pub key: String,
    /// The pager, when the answer is paged.
    pub pager: Option<Pager>,
}

/// Recognises a DHIS2 collection: exactly one array (of objects, or empty) beside an optional
/// `pager`; nothing else at the top.
pub fn collection_info(obj: &Map<String, Value>) -> Option<CollectionInfo> {
    let mut key = None;
    for (k, v) in obj {
        match (k.as_str(), v) {
            ("pager", Value::Object(_)) => {}
            (_, Value::Array(items)) if items.iter().all(Value::is_object) => {
                if key.replace(k.clone()).is_some() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    let pager = obj
        .get("pager")
        .and_then(|p| serde_json::from_value::<Pager>(p.clone()).ok());
    key.map(|key| CollectionInfo { key, pager })
}

/// True for an analytics grid (`headers` + `rows`).
pub fn is_grid(obj: &Map<String, Value>) -> bool {
    matches!(obj.get("headers"), Some(Value::Array(_)))
        && matches!(obj.get("rows"), Some(Value::Array(_)))
}

/// An answer as a table: column names, display labels and rows (cells by column index).
#[derive(Debug, Clone, Default)]
pub struct TableData {
    /// Column names (first-seen order).
    pub columns: ColumnSet,
    /// Display labels by column index (analytics `headers[].column`); the name otherwise.
    pub labels: Vec<Option<String>>,
    /// Rows: `(column index, cell)` pairs.
    pub rows: Vec<Vec<(usize, Cell)>>,
    /// A name for the table: the collection key, `analytics`, or `response`.
    pub name: String,
}

impl TableData {
    /// Adds flattened objects as rows.
    pub fn push_objects<'a>(&mut self, items: impl IntoIterator<Item = &'a Value>) {
        for item in items {
            let row: FlatRow = flatten(item);
            let cells = row
                .into_iter()
                .map(|(k, c)| (self.columns.index_of(&k), c))
                .collect();
            self.rows.push(cells);
        }
    }

    /// The label of column `i`.
    pub fn label(&self, i: usize) -> &str {
        self.labels
            .get(i)
            .and_then(|l| l.as_deref())
            .unwrap_or(&self.columns.names()[i])
    }
}

/// A table as an analytics-grid-shaped JSON (`headers` with display names in `column`, `rows`
/// of text, empty `metaData`), which every table view already shows with its labels.
pub fn grid_json(t: &TableData) -> Value {
    let n = t.columns.len();
    let mut numeric = vec![true; n];
    let mut seen = vec![false; n];
    for row in &t.rows {
        for (i, c) in row {
            seen[*i] = true;
            if !matches!(c, Cell::Number(_) | Cell::Empty) {
                numeric[*i] = false;
            }
        }
    }
    let headers: Vec<Value> = (0..n)
        .map(|i| {
            let num = numeric[i] && seen[i];
            serde_json::json!({
                "name": t.columns.names()[i],
                "column": t.label(i),
                "valueType": if num { "NUMBER" } else { "TEXT" },
                "meta": !num,
            })
        })
        .collect();
    let rows: Vec<Value> = t
        .rows
        .iter()
        .map(|r| {
            let mut out = vec![Value::String(String::new()); n];
            for (i, c) in r {
                out[*i] = Value::String(c.to_text());
            }
            Value::Array(out)
        })
        .collect();
    serde_json::json!({"headers": headers, "rows": rows, "metaData": {"items": {}}, "height": t.rows.len(), "width": n})
}

/// Any JSON answer as a table: a collection's items, a grid's rows with names for the UIDs
/// (`metaData.items`), an array's elements, or one object as one row.
pub fn to_table(value: &Value) -> TableData {
    let mut t = TableData::default();
    match value {
        Value::Object(obj) if is_grid(obj) => grid(obj, &mut t),
        Value::Object(obj) => match collection_info(obj) {
            Some(info) => {
                t.name = info.key.clone();
                if let Some(Value::Array(items)) = obj.get(&info.key) {
                    t.push_objects(items);
                }
            }
            None => {
                t.name = "response".into();
                t.push_objects([value]);
            }
        },
        Value::Array(items) => {
            t.name = "response".into();
            t.push_objects(items);
        }
        other => {
            t.name = "response".into();
            t.push_objects([other]);
        }
    }
    t
}

/// Analytics: one column per header, its display name from `headers[].column`; dimension
/// values (UIDs, period ids) shown by their `metaData.items[uid].name`; numeric value types
/// as numbers.
fn grid(obj: &Map<String, Value>, t: &mut TableData) {
    t.name = "analytics".into();
    let items = obj
        .get("metaData")
        .and_then(|m| m.get("items"))
        .and_then(Value::as_object);
    let headers: Vec<&Value> = obj
        .get("headers")
        .and_then(Value::as_array)
        .map(|h| h.iter().collect())
        .unwrap_or_default();
    let mut kinds = Vec::with_capacity(headers.len());
    for h in &headers {
        let name = h.get("name").and_then(Value::as_str).unwrap_or("column");
        let i = t.columns.index_of(name);
        let label = h.get("column").and_then(Value::as_str).map(str::to_owned);
        if t.labels.len() <= i {
            t.labels.resize(i + 1, None);
        }
        t.labels[i] = label;
        let value_type = h.get("valueType").and_then(Value::as_str).unwrap_or("");
        let numeric = matches!(
            value_type,
            "NUMBER"
                | "INTEGER"
                | "INTEGER_POSITIVE"
                | "INTEGER_NEGATIVE"
                | "INTEGER_ZERO_OR_POSITIVE"
                | "PERCENTAGE"
                | "UNIT_INTERVAL"
        );
        let meta = h.get("meta").and_then(Value::as_bool).unwrap_or(false);
        kinds.push((i, numeric, meta));
    }
    let Some(rows) = obj.get("rows").and_then(Value::as_array) else {
        return;
    };
    for row in rows {
        let Some(values) = row.as_array() else {
            continue;
        };
        let mut cells = Vec::with_capacity(values.len());
        for (pos, v) in values.iter().enumerate() {
            let Some(&(i, numeric, meta)) = kinds.get(pos) else {
                continue;
            };
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            let cell = if numeric {
                text.parse::<f64>()
                    .map(Cell::Number)
                    .unwrap_or(if text.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(text)
                    })
            } else if meta {
                let name = items
                    .and_then(|m| m.get(&text))
                    .and_then(|item| item.get("name"))
                    .and_then(Value::as_str);
                Cell::Text(name.map(str::to_owned).unwrap_or(text))
            } else {
                Cell::from_json(v)
            };
            cells.push((i, cell));
        }
        t.rows.push(cells);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collections_are_recognised() {
        let v = json!({"pager": {"page": 1, "pageCount": 29, "total": 14180, "pageSize": 50}, "organisationUnits": [{"id": "a"}]});
        let info = collection_info(v.as_object().unwrap()).unwrap();
        assert_eq!(info.key, "organisationUnits");
        assert_eq!(info.pager.unwrap().page_count, Some(29));
        assert!(collection_info(json!({"dataElements": []}).as_object().unwrap()).is_some());
        for not in [
            json!({"a": [], "b": []}),
            json!({"id": "x", "children": [{"id": "y"}]}),
            json!({"tags": ["x"]}),
        ] {
            assert!(collection_info(not.as_object().unwrap()).is_none(), "{not}");
        }
    }

    #[test]
    fn grids_use_display_names_for_headers_and_items() {
        let v = json!({
            "headers": [
                {"name": "dx", "column": "Data", "valueType": "TEXT", "meta": true},
                {"name": "ou", "column": "Organisation unit", "valueType": "TEXT", "meta": true},
                {"name": "value", "column": "Value", "valueType": "NUMBER", "meta": false}
            ],
            "metaData": {"items": {"fbfJHSPpUQD": {"name": "ANC 1st visit"}, "O6uvpzGd5pu": {"name": "Bo"}}},
            "rows": [["fbfJHSPpUQD", "O6uvpzGd5pu", "12.5"], ["fbfJHSPpUQD", "unknownUid1", ""]]
        });
        let t = to_table(&v);
        assert_eq!(t.name, "analytics");
        assert_eq!(
            (t.label(0), t.label(1), t.label(2)),
            ("Data", "Organisation unit", "Value")
        );
        assert_eq!(t.rows[0][0].1, Cell::Text("ANC 1st visit".into()));
        assert_eq!(t.rows[0][1].1, Cell::Text("Bo".into()));
        assert_eq!(t.rows[0][2].1, Cell::Number(12.5));
        assert_eq!(t.rows[1][1].1, Cell::Text("unknownUid1".into()));
        assert_eq!(t.rows[1][2].1, Cell::Empty);
        let empty = to_table(&json!({"headers": [], "rows": [], "metaData": {}}));
        assert!(empty.rows.is_empty());
    }

    #[test]
    fn other_answers_are_one_row_or_one_row_per_element() {
        let t = to_table(&json!({"id": "x", "name": "Me"}));
        assert_eq!(t.rows.len(), 1);
        let t = to_table(&json!([{"a": 1}, {"a": 2, "b": 3}]));
        assert_eq!((t.rows.len(), t.columns.len()), (2, 2));
    }
}
