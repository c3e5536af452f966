//! DHIS2 objects as table rows: nested objects become dotted columns (`parent.name`), arrays of
//! objects become one joined-list column per leaf (`organisationUnits[].name`), and the column
//! order follows `fields=` when the request gave it.

use super::Cell;
use serde_json::Value;
use std::collections::HashMap;

/// What joins the values of an array in one cell.
pub const LIST_SEPARATOR: &str = "; ";

/// One flattened row: column name → cell, in first-seen order.
pub type FlatRow = Vec<(String, Cell)>;

/// Flattens one DHIS2 object (or any JSON value) into a row.
pub fn flatten(value: &Value) -> FlatRow {
    let mut out = Vec::new();
    match value {
        Value::Object(_) => walk(value, "", &mut out),
        other => out.push(("value".to_owned(), Cell::from_json(other))),
    }
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk(value: &Value, prefix: &str, out: &mut FlatRow) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                walk(v, &join(prefix, k), out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            // One column per leaf of the objects, each a joined list in item order.
            let mut leaves: Vec<(String, Vec<String>)> = Vec::new();
            for item in items {
                let row = flatten(item);
                for (k, cell) in row {
                    let name = format!("{prefix}[].{k}");
                    let text = cell.to_text();
                    match leaves.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, list)) => list.push(text),
                        None => leaves.push((name, vec![text])),
                    }
                }
            }
            for (name, list) in leaves {
                out.push((name, Cell::Text(list.join(LIST_SEPARATOR))));
            }
        }
        Value::Array(items) => {
            let list: Vec<String> = items.iter().map(|v| Cell::from_json(v).to_text()).collect();
            out.push((prefix.to_owned(), Cell::Text(list.join(LIST_SEPARATOR))));
        }
        other => out.push((prefix.to_owned(), Cell::from_json(other))),
    }
}

/// The column names a DHIS2 `fields=` value asks for, in order: `id,name,parent[id,name]` →
/// `id`, `name`, `parent.id`, `parent.name`. Presets (`:all`, `*`), exclusions (`!x`) and
/// transformers (`~rename(x)`) are handled as DHIS2 does where they name a column; anything
/// else adds no column (the data's own order decides).
pub fn fields_order(fields: &str) -> Vec<String> {
    let mut out = Vec::new();
    parse_fields(fields, "", &mut out);
    out
}

/// Splits at top-level commas (not inside `[...]` or `(...)`).
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn parse_fields(s: &str, prefix: &str, out: &mut Vec<String>) {
    for part in split_top(s) {
        let part = part.trim();
        if part.is_empty() || part.starts_with('!') || part.starts_with(':') || part == "*" {
            continue;
        }
        let (head, inner) = match (part.find('['), part.ends_with(']')) {
            (Some(i), true) => (&part[..i], Some(&part[i + 1..part.len() - 1])),
            _ => (part, None),
        };
        // `name~rename(label)` names the column `label`; other transformers keep the name.
        let name = match head.split_once("~rename(") {
            Some((_, rest)) => rest.trim_end_matches(')').to_owned(),
            None => head.split('~').next().unwrap_or(head).to_owned(),
        };
        if name.is_empty() {
            continue;
        }
        let full = join(prefix, &name);
        match inner {
            Some(inner) => parse_fields(inner, &full, out),
            None => out.push(full),
        }
    }
}

/// Column names in display order: the `fields=` order first (where the data has them, also
/// matching a nested list `a[].b` for `a.b`), then the rest in first-seen order.
#[derive(Debug, Default, Clone)]
pub struct ColumnSet {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl ColumnSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of `name`, adding it when new.
    pub fn index_of(&mut self, name: &str) -> usize {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        let i = self.names.len();
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there is no column.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Names in first-seen order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The display order as indexes into [`Self::names`]: columns named by `fields` first.
    pub fn display_order(&self, fields: Option<&str>) -> Vec<usize> {
        let mut order: Vec<usize> = Vec::with_capacity(self.names.len());
        let mut taken = vec![false; self.names.len()];
        if let Some(f) = fields {
            for wanted in fields_order(f) {
                for (i, name) in self.names.iter().enumerate() {
                    if !taken[i] && (name == &wanted || list_form(name) == wanted) {
                        taken[i] = true;
                        order.push(i);
                    }
                }
            }
        }
        order.extend((0..self.names.len()).filter(|i| !taken[*i]));
        order
    }
}

/// `a[].b.c` → `a.b.c`.
fn list_form(name: &str) -> String {
    name.replace("[]", "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(row: &FlatRow) -> Vec<&str> {
        row.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn nested_objects_become_dotted_columns() {
        let row = flatten(&json!({"id": "a", "parent": {"id": "p", "name": "Bo"}, "level": 3}));
        assert_eq!(names(&row), ["id", "parent.id", "parent.name", "level"]);
        assert_eq!(row[2].1, Cell::Text("Bo".into()));
        assert_eq!(row[3].1, Cell::Number(3.0));
    }

    #[test]
    fn arrays_of_objects_become_joined_lists() {
        let row = flatten(
            &json!({"organisationUnits": [{"id": "a", "name": "Bo"}, {"id": "b", "name": "Kenema"}], "tags": ["x", 2]}),
        );
        assert_eq!(
            names(&row),
            ["organisationUnits[].id", "organisationUnits[].name", "tags"]
        );
        assert_eq!(row[1].1, Cell::Text("Bo; Kenema".into()));
        assert_eq!(row[2].1, Cell::Text("x; 2".into()));
    }

    #[test]
    fn fields_give_the_column_order() {
        assert_eq!(
            fields_order("id,name,parent[id,name],!code,:owner,level~rename(depth)"),
            ["id", "name", "parent.id", "parent.name", "depth"]
        );
        let mut cols = ColumnSet::new();
        for n in [
            "level",
            "name",
            "id",
            "parent.name",
            "extra",
            "groups[].name",
        ] {
            cols.index_of(n);
        }
        let order = cols.display_order(Some("id,name,groups[name],parent[name]"));
        let shown: Vec<&str> = order.iter().map(|i| cols.names()[*i].as_str()).collect();
        assert_eq!(
            shown,
            [
                "id",
                "name",
                "groups[].name",
                "parent.name",
                "level",
                "extra"
            ]
        );
        let plain: Vec<usize> = cols.display_order(None);
        assert_eq!(plain, [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn scalars_and_nulls() {
        let row = flatten(&json!({"a": null, "b": true}));
        assert_eq!(row[0].1, Cell::Empty);
        assert_eq!(row[1].1, Cell::Bool(true));
        assert_eq!(flatten(&json!(5))[0].0, "value");
    }
}
