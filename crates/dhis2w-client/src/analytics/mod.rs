//! Analytics without URLs: a typed "what, when, where" query, the `/api/analytics` request it
//! becomes (dhis2-analytics.md §1.2), the response model (§1.3), DHIS2's E7xxx answers in plain
//! words (§2), and the pivoted table (rows × columns) that the table view and exports use.

pub mod periods;

use crate::table::flatten::ColumnSet;
use crate::table::shape::TableData;
use crate::table::Cell;
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The three dimensions an analyst picks.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// Data: data elements, indicators, program indicators, reporting rates.
    Dx,
    /// Periods.
    Pe,
    /// Org units.
    Ou,
}

impl Dimension {
    /// DHIS2's id of the dimension.
    pub fn id(self) -> &'static str {
        match self {
            Self::Dx => "dx",
            Self::Pe => "pe",
            Self::Ou => "ou",
        }
    }
}

/// One picked item: its DHIS2 id (a UID, `LEVEL-2`, `LAST_12_MONTHS`, `202401`…) and, for the
/// user and for "run on another instance", its name and code.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryItem {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    /// The DHIS2 resource of a UID item (`dataElements`, `indicators`, `organisationUnits`…),
    /// used to find it again on another instance.
    #[serde(default)]
    pub kind: Option<String>,
}

impl QueryItem {
    /// An item with only its id.
    pub fn id(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            code: None,
            kind: None,
        }
    }
}

/// Where each dimension goes: rows, columns, or filter (no column of its own).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    pub rows: Vec<Dimension>,
    pub columns: Vec<Dimension>,
    pub filters: Vec<Dimension>,
}

/// A "what, when, where" question.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsQuery {
    pub data: Vec<QueryItem>,
    pub periods: Vec<QueryItem>,
    pub org_units: Vec<QueryItem>,
    /// `None`: the default layout ([`AnalyticsQuery::default_layout`]).
    #[serde(default)]
    pub layout: Option<Layout>,
    /// Add a "Total" row and column to the pivoted table.
    #[serde(default)]
    pub totals: bool,
}

impl AnalyticsQuery {
    /// The items of `d`.
    pub fn items(&self, d: Dimension) -> &[QueryItem] {
        match d {
            Dimension::Dx => &self.data,
            Dimension::Pe => &self.periods,
            Dimension::Ou => &self.org_units,
        }
    }

    /// Org units as rows, periods as columns, data as a filter when there is one item (else
    /// as rows too).
    pub fn default_layout(&self) -> Layout {
        if self.data.len() == 1 {
            Layout {
                rows: vec![Dimension::Ou],
                columns: vec![Dimension::Pe],
                filters: vec![Dimension::Dx],
            }
        } else {
            Layout {
                rows: vec![Dimension::Dx, Dimension::Ou],
                columns: vec![Dimension::Pe],
                filters: vec![],
            }
        }
    }

    /// The layout in force, checked: every dimension placed exactly once.
    pub fn layout(&self) -> Result<Layout> {
        let layout = self.layout.clone().unwrap_or_else(|| self.default_layout());
        let mut seen = Vec::new();
        for d in layout
            .rows
            .iter()
            .chain(&layout.columns)
            .chain(&layout.filters)
        {
            if seen.contains(d) {
                return Err(invalid(format!(
                    "{} is placed twice in the layout. Put each of data, periods and org units in one place.",
                    words(*d)
                )));
            }
            seen.push(*d);
        }
        if seen.len() != 3 {
            return Err(invalid(
                "Place data, periods and org units each in rows, columns or filter.",
            ));
        }
        Ok(layout)
    }

    /// Checks what the analyst picked before anything is sent, in plain words.
    pub fn validate(&self) -> Result<()> {
        if self.data.is_empty() {
            return Err(invalid(
                "You picked no data. Search for a data element or indicator and add it.",
            ));
        }
        if self.periods.is_empty() {
            return Err(invalid(
                "You picked no period. Choose one, for example \"Last 12 months\".",
            ));
        }
        if self.org_units.is_empty() {
            return Err(invalid(
                "You picked no place. Choose org units, for example \"Each district\".",
            ));
        }
        for p in &self.periods {
            if !periods::is_relative(&p.id) && !periods::is_iso_period(&p.id) {
                return Err(invalid(format!(
                    "\"{}\" is not a period DHIS2 knows. Pick it from the list.",
                    p.id
                )));
            }
        }
        for item in self.data.iter().chain(&self.org_units) {
            if item.id.trim().is_empty()
                || item.id.contains([';', ':', ',', '&', '='])
                    && !item.id.starts_with("LEVEL-")
                    && !item.id.starts_with("OU_GROUP-")
            {
                return Err(invalid(format!(
                    "\"{}\" is not an item DHIS2 knows. Pick it from the search.",
                    item.id
                )));
            }
        }
        self.layout()?;
        Ok(())
    }

    /// The `/api/analytics` query parameters: `dimension=` for rows and columns, `filter=` for
    /// filters (filters get no column, §1.2), items joined by `;`.
    pub fn to_query(&self) -> Result<Vec<(String, String)>> {
        self.validate()?;
        let layout = self.layout()?;
        let param = |d: Dimension| {
            let ids: Vec<&str> = self.items(d).iter().map(|i| i.id.as_str()).collect();
            format!("{}:{}", d.id(), ids.join(";"))
        };
        let mut q = Vec::new();
        for d in layout.rows.iter().chain(&layout.columns) {
            q.push(("dimension".to_owned(), param(*d)));
        }
        for d in &layout.filters {
            q.push(("filter".to_owned(), param(*d)));
        }
        q.push(("displayProperty".to_owned(), "NAME".to_owned()));
        Ok(q)
    }
}

fn words(d: Dimension) -> &'static str {
    match d {
        Dimension::Dx => "Data",
        Dimension::Pe => "Periods",
        Dimension::Ou => "Org units",
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}

/// One header of an analytics grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    pub name: String,
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub value_type: Option<String>,
    #[serde(default)]
    pub meta: bool,
}

/// A metaData item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaItem {
    #[serde(default)]
    pub name: Option<String>,
}

/// `metaData` (§1.4, §1.5). Empty with `skipMeta`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaData {
    #[serde(default)]
    pub items: HashMap<String, MetaItem>,
    #[serde(default)]
    pub dimensions: HashMap<String, Vec<String>>,
}

/// An `/api/analytics` answer (plain layout, §1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsResponse {
    pub headers: Vec<Header>,
    #[serde(default)]
    pub meta_data: MetaData,
    #[serde(default)]
    pub rows: Vec<Vec<String>>,
}

impl AnalyticsResponse {
    /// The display name of an item id (its id when the answer does not name it).
    pub fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.meta_data
            .items
            .get(id)
            .and_then(|i| i.name.as_deref())
            .unwrap_or(id)
    }

    /// The items of dimension `d` in DHIS2's order (`metaData.dimensions`), else in order of
    /// first appearance in the rows.
    pub fn dimension_items(&self, d: &str) -> Vec<String> {
        if let Some(list) = self.meta_data.dimensions.get(d).filter(|l| !l.is_empty()) {
            return list.clone();
        }
        let Some(col) = self.headers.iter().position(|h| h.name == d) else {
            return vec![];
        };
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            if let Some(v) = r.get(col) {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
        }
        out
    }

    /// The answer pivoted by `layout`: one row per combination of the row dimensions, one
    /// column per combination of the column dimensions, names instead of ids, values as
    /// numbers; with `totals`, a "Total" column and row (sums of the numbers shown).
    pub fn pivot(&self, layout: &Layout, totals: bool) -> TableData {
        let value_col = self.headers.iter().position(|h| h.name == "value");
        let col_of = |d: Dimension| self.headers.iter().position(|h| h.name == d.id());
        let row_dims: Vec<(Dimension, usize)> = layout
            .rows
            .iter()
            .filter_map(|d| col_of(*d).map(|c| (*d, c)))
            .collect();
        let col_dims: Vec<(Dimension, usize)> = layout
            .columns
            .iter()
            .filter_map(|d| col_of(*d).map(|c| (*d, c)))
            .collect();
        let combos = |dims: &[(Dimension, usize)]| -> Vec<Vec<String>> {
            let mut out: Vec<Vec<String>> = vec![vec![]];
            for (d, _) in dims {
                let items = self.dimension_items(d.id());
                out = out
                    .into_iter()
                    .flat_map(|prefix| {
                        items.iter().map(move |i| {
                            let mut p = prefix.clone();
                            p.push(i.clone());
                            p
                        })
                    })
                    .collect();
            }
            out
        };
        let row_keys = combos(&row_dims);
        let col_keys = combos(&col_dims);
        let mut values: HashMap<(Vec<String>, Vec<String>), f64> = HashMap::new();
        let mut text: HashMap<(Vec<String>, Vec<String>), String> = HashMap::new();
        if let Some(vc) = value_col {
            for r in &self.rows {
                let rk: Vec<String> = row_dims
                    .iter()
                    .map(|(_, c)| r.get(*c).cloned().unwrap_or_default())
                    .collect();
                let ck: Vec<String> = col_dims
                    .iter()
                    .map(|(_, c)| r.get(*c).cloned().unwrap_or_default())
                    .collect();
                let v = r.get(vc).cloned().unwrap_or_default();
                match v.parse::<f64>() {
                    Ok(n) => {
                        *values.entry((rk, ck)).or_insert(0.0) += n;
                    }
                    Err(_) if !v.is_empty() => {
                        text.insert((rk, ck), v);
                    }
                    Err(_) => {}
                }
            }
        }
        let mut t = TableData {
            columns: ColumnSet::new(),
            labels: vec![],
            rows: vec![],
            name: "analytics".into(),
        };
        let label = |t: &mut TableData, key: String, shown: String| {
            let i = t.columns.index_of(&key);
            if t.labels.len() <= i {
                t.labels.resize(i + 1, None);
            }
            t.labels[i] = Some(shown);
            i
        };
        let row_label_cols: Vec<usize> = row_dims
            .iter()
            .map(|(d, c)| {
                let shown = self.headers[*c]
                    .column
                    .clone()
                    .unwrap_or_else(|| words(*d).to_owned());
                label(&mut t, d.id().to_owned(), shown)
            })
            .collect();
        let value_cols: Vec<usize> = col_keys
            .iter()
            .map(|ck| {
                let shown = if ck.is_empty() {
                    "Value".to_owned()
                } else {
                    ck.iter()
                        .map(|id| self.name_of(id))
                        .collect::<Vec<_>>()
                        .join(" · ")
                };
                label(&mut t, format!("col:{}", ck.join("|")), shown)
            })
            .collect();
        let total_col =
            (totals && col_keys.len() > 1).then(|| label(&mut t, "total".into(), "Total".into()));
        let mut col_sums = vec![0.0; col_keys.len()];
        for rk in &row_keys {
            let mut cells: Vec<(usize, Cell)> = rk
                .iter()
                .zip(&row_label_cols)
                .map(|(id, c)| (*c, Cell::Text(self.name_of(id).to_owned())))
                .collect();
            let mut any = false;
            let mut row_sum = 0.0;
            for (j, ck) in col_keys.iter().enumerate() {
                let key = (rk.clone(), ck.clone());
                if let Some(n) = values.get(&key) {
                    any = true;
                    row_sum += n;
                    col_sums[j] += n;
                    cells.push((value_cols[j], Cell::Number(*n)));
                } else if let Some(s) = text.get(&key) {
                    any = true;
                    cells.push((value_cols[j], Cell::Text(s.clone())));
                }
            }
            if let Some(tc) = total_col {
                cells.push((tc, Cell::Number(row_sum)));
            }
            // Like DHIS2's pivot tables, rows without any value are left out.
            if any || row_keys.len() == 1 {
                t.rows.push(cells);
            }
        }
        if totals && row_keys.len() > 1 {
            let mut cells: Vec<(usize, Cell)> = Vec::new();
            if let Some(first) = row_label_cols.first() {
                cells.push((*first, Cell::Text("Total".into())));
            }
            for (j, s) in col_sums.iter().enumerate() {
                cells.push((value_cols[j], Cell::Number(*s)));
            }
            if let Some(tc) = total_col {
                cells.push((tc, Cell::Number(col_sums.iter().sum())));
            }
            t.rows.push(cells);
        }
        t
    }
}

/// DHIS2's E7xxx answers (dhis2-analytics.md §2.2) in plain words with the next step; `None`
/// for codes without special words (the server's own message is used then).
pub fn error_words(code: &str) -> Option<(ErrorKind, &'static str)> {
    let invalid = ErrorKind::InvalidInput;
    Some(match code {
        "E7101" | "E7102" | "E7124" => (invalid, "None of the data you picked exists on this server. Search for the data again and add it."),
        "E7104" | "E7611" => (invalid, "You picked no period that DHIS2 accepts. Choose one, for example \"Last 12 months\"."),
        "E7143" => (invalid, "None of the places you picked exists on this server. Choose org units again."),
        "E7103" | "E7111" => (invalid, "A dimension is placed twice. Put data, periods and org units each in one place."),
        "E7108" => (invalid, "Only one indicator can be a filter. Move data to rows or columns, or keep one indicator."),
        "E7128" => (invalid, "Too many rows: DHIS2 stops at its row limit. Narrow the org units or periods, or pick fewer data items."),
        "E7120" | "E7121" => (ErrorKind::Forbidden, "Your DHIS2 user may not see some of what you picked. Pick org units and data you have access to, or ask your administrator."),
        "E7131" | "E7136" => (ErrorKind::Timeout, "DHIS2 took too long to answer. Narrow the org units or periods and run it again."),
        "E7144" => (ErrorKind::ServerError, "This server has no analytics tables yet. Ask your DHIS2 administrator to run the analytics tables export, then try again."),
        _ => return None,
    })
}

/// The error of a failed analytics answer: the E7xxx code in plain words when known.
pub fn analytics_error(body: &[u8], fallback: Error) -> Error {
    let code = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("errorCode")
                .and_then(|c| c.as_str())
                .map(str::to_owned)
        });
    match code
        .as_deref()
        .and_then(|c| error_words(c).map(|w| (c.to_owned(), w)))
    {
        Some((code, (kind, words))) => Error::new(kind, format!("{words} (DHIS2 {code})")),
        None => fallback,
    }
}

#[cfg(test)]
mod tests;
