//! `feedmill earnings`: the earnings report of `GET /earnings` from the store file, as a table
//! or (`--json`) the endpoint's JSON; `--unattributed` lists the sales credited to no click
//! (the JSON of `GET /earnings/unattributed`).
//!
//! It reads the store `serve` writes (`--store`, default `feedmill.db` beside the index), after
//! importing an old click log as `feedmill clicks` does. A bad `--from`, `--to` or `--group-by`
//! is a usage error (exit code 2) naming the flag's parameter.

use crate::cli::EarningsArgs;
use crate::commands::UsageError;
use crate::commands::clicks::{import_old_log, open_store};
use anyhow::Context;
use chrono::Utc;
use feedmill_store::{
    EarningsQuery, EarningsReport, EarningsRow, StoreError, UnattributedReport, UnattributedSale,
    period_range, report_group_by, report_period,
};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: EarningsArgs) -> anyhow::Result<ExitCode> {
    let period =
        report_period(args.from.as_deref(), args.to.as_deref(), Utc::now()).map_err(usage)?;
    let group_by = report_group_by(Some(&args.group_by)).map_err(usage)?;
    let store_path = args.location.store_path();
    let store = open_store(&store_path)?;
    import_old_log(store.as_ref(), &args.location)?;
    let failed = || {
        let store = super::store_location::store_name(&store_path);
        format!("failed to read earnings from {store}")
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.unattributed {
        let sales = store
            .unattributed(period_range(period))
            .with_context(failed)?;
        let report = UnattributedReport {
            from: period.0,
            to: period.1,
            num_sales: sales.len(),
            sales,
        };
        if args.json {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        } else {
            write_unattributed(&mut out, &report)?;
        }
    } else {
        let query = EarningsQuery {
            range: period_range(period),
            group_by,
        };
        let rows = store.earnings(query).with_context(failed)?;
        let report = EarningsReport {
            from: period.0,
            to: period.1,
            group_by,
            rows,
        };
        if args.json {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        } else {
            write_table(&mut out, &report)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn usage(err: StoreError) -> anyhow::Error {
    UsageError(err.to_string()).into()
}

const HEADER: [&str; 11] = [
    "key",
    "currency",
    "clicks",
    "conversions",
    "sale_amount",
    "pending",
    "approved",
    "rejected",
    "reversed",
    "conversion_rate",
    "epc",
];

/// The report as aligned columns; `-` for what a row does not have (no key, no currency).
fn write_table(out: &mut impl Write, report: &EarningsReport) -> std::io::Result<()> {
    writeln!(
        out,
        "earnings by {} from {} to {}",
        report.group_by.as_str(),
        report.from.to_rfc3339(),
        report.to.to_rfc3339()
    )?;
    let rows: Vec<[String; 11]> = report.rows.iter().map(cells).collect();
    let mut widths = HEADER.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    write_line(out, &HEADER.map(String::from), &widths)?;
    for row in &rows {
        write_line(out, row, &widths)?;
    }
    Ok(())
}

fn cells(row: &EarningsRow) -> [String; 11] {
    let optional = |value: Option<String>| value.unwrap_or_else(|| "-".into());
    [
        optional(row.key.clone()),
        optional(row.currency.map(|c| c.code().to_string())),
        row.num_clicks.to_string(),
        row.num_conversions.to_string(),
        row.sale_amount.to_string(),
        row.commission.pending.to_string(),
        row.commission.approved.to_string(),
        row.commission.rejected.to_string(),
        row.commission.reversed.to_string(),
        optional(row.conversion_rate.map(|r| r.to_string())),
        optional(row.epc.map(|e| e.to_string())),
    ]
}

/// Text columns left-aligned, numbers right-aligned.
fn write_line(
    out: &mut impl Write,
    cells: &[String; 11],
    widths: &[usize; 11],
) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        if i < 2 {
            line.push_str(&format!("{cell:<width$}"));
        } else {
            line.push_str(&format!("{cell:>width$}"));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

fn write_unattributed(out: &mut impl Write, report: &UnattributedReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{} unattributed sales from {} to {}",
        report.num_sales,
        report.from.to_rfc3339(),
        report.to.to_rfc3339()
    )?;
    for sale in &report.sales {
        match sale {
            UnattributedSale::Conversion {
                conversion_id,
                program_id,
                order_id,
            } => writeln!(
                out,
                "conversion  {conversion_id}  program {program_id}  order {order_id}"
            )?,
            UnattributedSale::Transaction {
                network,
                transaction_id,
            } => writeln!(out, "transaction  {network}  {transaction_id}")?,
        }
    }
    Ok(())
}
