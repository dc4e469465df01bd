//! `feedmill clicks`: the stored click-outs as NDJSON on stdout, oldest first.
//!
//! It reads the store `serve` writes (`--store`, a file or a `postgres://` URL, default
//! `feedmill.db` beside the index). An
//! old click log (`--clicks`) is imported first, as `serve` does at start, so the command
//! shows every click whether or not a server has run since the upgrade; the import is
//! idempotent. Each line has the click log's fields plus `click_id`, `network`, `merchant`
//! and `sub_id_4`..`sub_id_6`.

use super::store_location::store_name;
use crate::cli::ClicksArgs;
use anyhow::Context;
use feedmill_store::{Store, StoreError, TimeRange};
use std::io::Write;
use std::process::ExitCode;
use tracing::warn;

pub fn run(args: ClicksArgs) -> anyhow::Result<ExitCode> {
    let store_path = args.store_path();
    let store = open_store(&store_path)?;
    import_old_log(store.as_ref(), &args)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let num_clicks = store
        .visit_clicks(TimeRange::all(), &mut |click| {
            serde_json::to_writer(&mut out, click)
                .map_err(|err| StoreError::Io(std::io::Error::other(err)))?;
            out.write_all(b"\n")?;
            Ok(())
        })
        .with_context(|| format!("failed to export clicks from {}", store_name(&store_path)))?;
    out.flush()?;
    eprintln!("{num_clicks} clicks");
    Ok(ExitCode::SUCCESS)
}

/// Imports the old click log `args` names into `store`, if it is there (idempotent).
pub(crate) fn import_old_log(store: &dyn Store, args: &ClicksArgs) -> anyhow::Result<()> {
    let click_log = args.click_log();
    let report = store
        .import_click_log_file(&click_log)
        .with_context(|| format!("failed to import clicks from {}", click_log.display()))?;
    for line in report.iter().flat_map(|r| &r.malformed) {
        warn!(path = %click_log.display(), line = line.line_number, reason = %line.reason, "click log line not imported");
    }
    Ok(())
}

pub(crate) use super::store_location::{open_existing_store, open_store};
