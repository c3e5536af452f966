//! `dhis2w run`: a question saved in the app, on any instance. Items the instance lacks are
//! reported by name; those found there by code or name are used in their place.

use crate::cli::{Format, GetArgs, RunArgs};
use crate::output::print_table;
use dhis2w_client::analytics::Dimension;
use dhis2w_client::saved::Question;
use dhis2w_client::{Error, ErrorKind, Result, Workspace};

pub async fn run(ws: &Workspace, wanted: Option<&str>, args: RunArgs) -> Result<()> {
    let saved = ws.saved().list()?;
    let Some(name) = args.name.as_deref().filter(|_| !args.list) else {
        if saved.is_empty() {
            println!("No question is saved yet. Save one in the app (Analytics → Save).");
            return Ok(());
        }
        let rows: Vec<Vec<String>> = saved
            .iter()
            .map(|q| {
                let kind = match &q.question {
                    Question::Analytics { .. } => "analytics",
                    Question::Request { .. } => "request",
                };
                vec![q.name.clone(), kind.to_owned()]
            })
            .collect();
        print_table(&["Name", "Kind"], &rows);
        return Ok(());
    };
    let q = saved
        .into_iter()
        .find(|q| q.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "No saved question is called \"{name}\". List them with `dhis2w run --list`."
                ),
            )
        })?;
    let inst = ws.pick_instance(args.on.as_deref().or(wanted)).await?;
    match q.question {
        Question::Analytics { query } => {
            let prepared = ws.prepare_query(&inst.id, &query).await?;
            for m in &prepared.missing {
                let what = if m.dimension == Dimension::Ou {
                    "place"
                } else {
                    "data item"
                };
                let label = m.item.name.clone().unwrap_or_else(|| m.item.id.clone());
                match (&m.replacement, &m.matched_by) {
                    (Some(r), Some(by)) => eprintln!(
                        "\"{}\" has no {what} {label} ({}); using {} ({}), the same {by}.",
                        inst.name,
                        m.item.id,
                        r.name.as_deref().unwrap_or(&r.id),
                        r.id
                    ),
                    _ => eprintln!(
                        "\"{}\" has no {what} {label} ({}); it is left out.",
                        inst.name, m.item.id
                    ),
                }
            }
            let run = ws.analytics(&inst.id, &prepared.query, None).await?;
            crate::analytics::output(ws, &inst.id, &run, args.format, args.output.as_deref()).await
        }
        Question::Request { path, query } => {
            let format = if args.format == Format::Table {
                Format::Table
            } else {
                args.format
            };
            crate::get::run(
                ws,
                Some(&inst.id),
                GetArgs {
                    path,
                    query: query.into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
                    all: false,
                    format,
                    output: args.output,
                },
            )
            .await
        }
    }
}
