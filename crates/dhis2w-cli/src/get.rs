//! `dhis2w get` and `dhis2w search`: requests through the instance's live session; CSV and
//! Excel through the same export code as the app.

use crate::cli::{Format, GetArgs, SearchArgs};
use crate::output::{print_json, print_table_data, Progress};
use dhis2w_client::table::export::ExportFormat;
use dhis2w_client::table::fetch_all::{MergedJson, Page, PageProgress};
use dhis2w_client::table::shape::to_table;
use dhis2w_client::workspace::{ExportSpec, ExportStage};
use dhis2w_client::{Error, ErrorKind, Result, Workspace};
use std::io::{IsTerminal, Write};
use std::path::Path;

fn parse_query(items: &[String]) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|q| match q.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
            _ => Err(Error::new(
                ErrorKind::InvalidInput,
                format!("\"{q}\" is not a query parameter: write it as key=value, e.g. -q fields=id,name."),
            )),
        })
        .collect()
}

fn write_out(output: Option<&Path>, bytes: &[u8]) -> Result<()> {
    let result = match output {
        Some(p) => std::fs::write(p, bytes),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes).and_then(|_| {
                if !bytes.ends_with(b"\n") && std::io::stdout().is_terminal() {
                    out.write_all(b"\n")?;
                }
                out.flush()
            })
        }
    };
    result.map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("Could not write the answer: {e}. Choose another file."),
        )
    })
}

pub async fn run(ws: &Workspace, wanted: Option<&str>, args: GetArgs) -> Result<()> {
    let inst = ws.pick_instance(wanted).await?;
    let query = parse_query(&args.query)?;
    let progress = Progress::new();
    match args.format {
        Format::Csv | Format::Xlsx => {
            let format = if args.format == Format::Csv {
                ExportFormat::Csv
            } else {
                ExportFormat::Xlsx
            };
            let to_stdout = args.output.is_none();
            if to_stdout && format == ExportFormat::Xlsx && std::io::stdout().is_terminal() {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    "An Excel file cannot be shown on the terminal: add -o FILE.xlsx.",
                ));
            }
            let tmp;
            let target = match &args.output {
                Some(p) => p.clone(),
                None => {
                    tmp = tempfile_path()?;
                    tmp.clone()
                }
            };
            let result = ws
                .export(
                    &inst.id,
                    ExportSpec {
                        path: &args.path,
                        query: &query,
                        all_pages: args.all,
                        format,
                    },
                    &target,
                    &|stage, rows, total| progress.rows(stage == ExportStage::Writing, rows, total),
                    None,
                )
                .await;
            progress.finish();
            let r = result?;
            if to_stdout {
                let bytes = std::fs::read(&target).map_err(|e| {
                    Error::new(
                        ErrorKind::Internal,
                        format!("Could not read the export back: {e}"),
                    )
                })?;
                let _ = std::fs::remove_file(&target);
                write_out(None, &bytes)?;
            } else {
                eprintln!(
                    "Saved {} rows and {} columns to {}.",
                    r.rows, r.columns, r.path
                );
            }
            Ok(())
        }
        Format::Json | Format::Table => {
            let body = if args.all {
                let mut merged = MergedJson::new();
                let summary = ws
                    .fetch_all(
                        &inst.id,
                        &args.path,
                        &query,
                        &|p: &PageProgress| progress.pages(p),
                        None,
                        |page: Page| merged.push(&page),
                    )
                    .await;
                progress.finish();
                merged.finish(&summary?.key)
            } else {
                let raw = ws
                    .get(
                        &inst.id,
                        &args.path,
                        &query,
                        Some(&|b, t| progress.bytes(b, t)),
                        None,
                    )
                    .await;
                progress.finish();
                let raw = raw?;
                ws.session(&inst.id).await?.client.check(&raw)?;
                raw.body.to_vec()
            };
            if args.format == Format::Json {
                return write_out(args.output.as_deref(), &body);
            }
            let value: serde_json::Value = serde_json::from_slice(&body).map_err(|_| {
                Error::new(
                    ErrorKind::NotDhis2,
                    "The answer is not JSON, so it cannot be shown as a table.",
                )
            })?;
            let fields = query
                .iter()
                .find(|(k, _)| k == "fields")
                .map(|(_, v)| v.as_str());
            print_table_data(&to_table(&value), fields);
            Ok(())
        }
    }
}

fn tempfile_path() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir();
    let name = format!(
        ".dhis2w-out-{}-{}",
        std::process::id(),
        dhis2w_client::workspace::now_secs()
    );
    Ok(dir.join(name))
}

pub async fn search(ws: &Workspace, wanted: Option<&str>, args: SearchArgs) -> Result<()> {
    let inst = ws.pick_instance(wanted).await?;
    let results = ws.search(&inst.id, &args.text).await?;
    if args.json {
        return print_json(&results);
    }
    if results.groups.is_empty() {
        println!("Nothing on \"{}\" matches \"{}\".", inst.name, results.text);
        return Err(Error::new(ErrorKind::NotFound, "No match."));
    }
    for g in &results.groups {
        let shown = g.hits.len();
        match g.total {
            Some(t) if t as usize > shown => {
                println!("{} ({shown} of {t})", crate::output::kind_words(&g.kind))
            }
            _ => println!("{}", crate::output::kind_words(&g.kind)),
        }
        for h in &g.hits {
            let code = h
                .code
                .as_deref()
                .map(|c| format!("  [{c}]"))
                .unwrap_or_default();
            println!("  {}  {}{code}", h.id, h.name);
        }
    }
    Ok(())
}
