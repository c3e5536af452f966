//! `dhis2w analytics`: the core's typed analytics query, pivoted like the app's table.

use crate::cli::{AnalyticsArgs, DimArg, Format};
use dhis2w_client::analytics::{AnalyticsQuery, Dimension, Layout, QueryItem};
use dhis2w_client::table::export::ExportFormat;
use dhis2w_client::{Error, ErrorKind, Result, Workspace};
use std::io::IsTerminal;

fn items(values: &[String]) -> Vec<QueryItem> {
    values
        .iter()
        .flat_map(|v| v.split([';', ',']))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(QueryItem::id)
        .collect()
}

fn dims(d: &[DimArg]) -> Vec<Dimension> {
    d.iter()
        .map(|d| match d {
            DimArg::Dx => Dimension::Dx,
            DimArg::Pe => Dimension::Pe,
            DimArg::Ou => Dimension::Ou,
        })
        .collect()
}

pub async fn run(ws: &Workspace, wanted: Option<&str>, args: AnalyticsArgs) -> Result<()> {
    let inst = ws.pick_instance(wanted).await?;
    let mut query = AnalyticsQuery {
        data: items(&args.dx),
        periods: items(&args.pe),
        org_units: items(&args.ou),
        layout: None,
        totals: args.totals,
    };
    if !(args.rows.is_empty() && args.columns.is_empty() && args.filter.is_empty()) {
        // Given parts of the layout win; the rest keep their default places.
        let default = query.default_layout();
        let (rows, columns, filters) = (dims(&args.rows), dims(&args.columns), dims(&args.filter));
        let placed: Vec<Dimension> = rows
            .iter()
            .chain(&columns)
            .chain(&filters)
            .copied()
            .collect();
        let keep = |v: Vec<Dimension>| {
            v.into_iter()
                .filter(|d| !placed.contains(d))
                .collect::<Vec<_>>()
        };
        query.layout = Some(Layout {
            rows: [rows, keep(default.rows)].concat(),
            columns: [columns, keep(default.columns)].concat(),
            filters: [filters, keep(default.filters)].concat(),
        });
    }
    let run = ws.analytics(&inst.id, &query, None).await?;
    output(ws, &inst.id, &run, args.format, args.output.as_deref()).await
}

/// Prints or saves an analytics run in `format`.
pub async fn output(
    ws: &Workspace,
    id: &str,
    run: &dhis2w_client::workspace::AnalyticsRun,
    format: Format,
    output: Option<&std::path::Path>,
) -> Result<()> {
    match format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&run.response).map_err(|e| {
                Error::new(ErrorKind::Internal, format!("Could not print JSON: {e}"))
            })?;
            println!("{text}");
            Ok(())
        }
        Format::Table => {
            crate::output::print_table_data(&run.table, None);
            eprintln!("Request: {}", run.request);
            Ok(())
        }
        Format::Csv | Format::Xlsx => {
            let format = if format == Format::Csv {
                ExportFormat::Csv
            } else {
                ExportFormat::Xlsx
            };
            let Some(target) = output else {
                if format == ExportFormat::Xlsx && std::io::stdout().is_terminal() {
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        "An Excel file cannot be shown on the terminal: add -o FILE.xlsx.",
                    ));
                }
                let tmp =
                    std::env::temp_dir().join(format!(".dhis2w-analytics-{}", std::process::id()));
                ws.export_table_data(id, &run.table, &run.request, format, &tmp)
                    .await?;
                let bytes = std::fs::read(&tmp).map_err(|e| {
                    Error::new(
                        ErrorKind::Internal,
                        format!("Could not read the export back: {e}"),
                    )
                })?;
                let _ = std::fs::remove_file(&tmp);
                use std::io::Write;
                std::io::stdout().write_all(&bytes).map_err(|e| {
                    Error::new(
                        ErrorKind::InvalidInput,
                        format!("Could not write the answer: {e}"),
                    )
                })?;
                return Ok(());
            };
            let r = ws
                .export_table_data(id, &run.table, &run.request, format, target)
                .await?;
            eprintln!(
                "Saved {} rows and {} columns to {}.",
                r.rows, r.columns, r.path
            );
            Ok(())
        }
    }
}
