//! Saved questions on any instance: checking that the items of a question exist on another
//! instance (matching missing ones by code, then name), and comparing two instances' tables.

use super::Workspace;
use crate::analytics::{AnalyticsQuery, Dimension, QueryItem};
use crate::models::is_uid;
use crate::saved::SavedStore;
use crate::table::shape::TableData;
use crate::{ErrorKind, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An item of a question that the instance does not have.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingItem {
    pub dimension: Dimension,
    pub item: QueryItem,
    /// The same object on this instance, found by code or name.
    pub replacement: Option<QueryItem>,
    /// `code` or `name`: how the replacement was found.
    pub matched_by: Option<String>,
}

/// A question made ready for one instance.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreparedQuery {
    /// The query with the replacements in place and the unmatched items left out.
    pub query: AnalyticsQuery,
    pub missing: Vec<MissingItem>,
}

/// One cell that differs between two tables.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CellDiff {
    pub row: String,
    pub column: String,
    pub left: Option<String>,
    pub right: Option<String>,
}

/// Where to look for a data item of unknown kind.
const DATA_KINDS: [&str; 4] = [
    "dataElements",
    "indicators",
    "programIndicators",
    "dataSets",
];

/// The cells of two tables that differ, matched by row labels and column labels.
pub fn compare_tables(left: &TableData, right: &TableData) -> Vec<CellDiff> {
    use std::collections::BTreeMap;
    fn cells(t: &TableData) -> BTreeMap<(String, String), String> {
        let mut out = BTreeMap::new();
        let value_cols: Vec<usize> = (0..t.columns.len())
            .filter(|i| {
                t.columns.names()[*i].starts_with("col:") || t.columns.names()[*i] == "total"
            })
            .collect();
        for row in &t.rows {
            let key: Vec<String> = row
                .iter()
                .filter(|(i, _)| !value_cols.contains(i))
                .map(|(_, c)| c.to_text())
                .collect();
            for (i, c) in row.iter().filter(|(i, _)| value_cols.contains(i)) {
                out.insert((key.join(" · "), t.label(*i).to_owned()), c.to_text());
            }
        }
        out
    }
    let (a, b) = (cells(left), cells(right));
    let mut keys: Vec<&(String, String)> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| CellDiff {
            row: k.0.clone(),
            column: k.1.clone(),
            left: a.get(k).cloned(),
            right: b.get(k).cloned(),
        })
        .collect()
}

impl Workspace {
    /// The saved questions of this user.
    pub fn saved(&self) -> SavedStore {
        SavedStore::new(self.data_dir())
    }

    async fn exists(&self, id: &str, uid: &str) -> Result<bool> {
        match self.identify(id, uid).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn find_by(
        &self,
        id: &str,
        kind: &str,
        field: &str,
        value: &str,
    ) -> Result<Option<QueryItem>> {
        let session = self.session(id).await?;
        let q = vec![
            ("filter".to_owned(), format!("{field}:eq:{value}")),
            ("fields".to_owned(), "id,displayName,code".to_owned()),
            ("pageSize".to_owned(), "2".to_owned()),
        ];
        let v: Value = match session.client.get_json(&format!("/api/{kind}"), &q).await {
            Ok(v) => v,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Forbidden) => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        let hits = v
            .get(kind)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // Only an unambiguous match is offered.
        if hits.len() != 1 {
            return Ok(None);
        }
        let h = &hits[0];
        Ok(h.get("id").and_then(Value::as_str).map(|uid| QueryItem {
            id: uid.to_owned(),
            name: h
                .get("displayName")
                .and_then(Value::as_str)
                .map(str::to_owned),
            code: h.get("code").and_then(Value::as_str).map(str::to_owned),
            kind: Some(kind.to_owned()),
        }))
    }

    async fn find_match(
        &self,
        id: &str,
        dim: Dimension,
        item: &QueryItem,
    ) -> Result<Option<(QueryItem, String)>> {
        let kinds: Vec<&str> = match (&item.kind, dim) {
            (Some(k), _) => vec![k.as_str()],
            (None, Dimension::Ou) => vec!["organisationUnits"],
            (None, _) => DATA_KINDS.to_vec(),
        };
        for (field, value) in [("code", &item.code), ("name", &item.name)] {
            let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            for kind in &kinds {
                if let Some(found) = self.find_by(id, kind, field, value).await? {
                    return Ok(Some((found, field.to_owned())));
                }
            }
        }
        Ok(None)
    }

    /// Makes `query` ready for instance `id`: every UID item is looked up there; a missing one
    /// is matched by code, then by name, and reported (with its replacement, if found).
    pub async fn prepare_query(&self, id: &str, query: &AnalyticsQuery) -> Result<PreparedQuery> {
        let mut out = query.clone();
        // The question keeps the layout it was made with, even when items are left out here
        // (with one data item left, the default would move data to the filter).
        if out.layout.is_none() {
            out.layout = Some(query.default_layout());
        }
        let mut missing = Vec::new();
        for dim in [Dimension::Dx, Dimension::Ou] {
            let mut kept = Vec::new();
            for item in query.items(dim) {
                // Keywords (LEVEL-2, USER_ORGUNIT) and operands are the same everywhere.
                let uid = item.id.split('.').next().unwrap_or(&item.id);
                if !is_uid(uid) || self.exists(id, uid).await? {
                    kept.push(item.clone());
                    continue;
                }
                let found = self.find_match(id, dim, item).await?;
                if let Some((r, _)) = &found {
                    let mut r = r.clone();
                    // Keep an operand's or reporting rate's suffix.
                    if let Some((_, rest)) = item.id.split_once('.') {
                        r.id = format!("{}.{rest}", r.id);
                    }
                    kept.push(r);
                }
                missing.push(MissingItem {
                    dimension: dim,
                    item: item.clone(),
                    matched_by: found.as_ref().map(|(_, by)| by.clone()),
                    replacement: found.map(|(r, _)| r),
                });
            }
            match dim {
                Dimension::Dx => out.data = kept,
                _ => out.org_units = kept,
            }
        }
        Ok(PreparedQuery {
            query: out,
            missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::{AnalyticsResponse, Layout};
    use serde_json::json;

    fn table(rows: Value) -> TableData {
        let r: AnalyticsResponse = serde_json::from_value(json!({
            "headers": [{"name": "ou", "column": "Organisation unit", "meta": true}, {"name": "pe", "meta": true}, {"name": "value", "meta": false}],
            "metaData": {"items": {"a": {"name": "Bo"}, "b": {"name": "Kenema"}, "p": {"name": "2024"}}, "dimensions": {"ou": ["a", "b"], "pe": ["p"]}},
            "rows": rows
        }))
        .unwrap();
        r.pivot(
            &Layout {
                rows: vec![Dimension::Ou],
                columns: vec![Dimension::Pe],
                filters: vec![Dimension::Dx],
            },
            false,
        )
    }

    #[test]
    fn differences_are_found_by_labels() {
        let left = table(json!([["a", "p", "5"], ["b", "p", "7"]]));
        let right = table(json!([["a", "p", "5"], ["b", "p", "8"]]));
        let d = compare_tables(&left, &right);
        assert_eq!(
            d,
            vec![CellDiff {
                row: "Kenema".into(),
                column: "2024".into(),
                left: Some("7".into()),
                right: Some("8".into())
            }]
        );
        assert!(compare_tables(&left, &left).is_empty());
        let only_left = table(json!([["a", "p", "5"]]));
        assert_eq!(compare_tables(&left, &only_left)[0].right, None);
    }
}
