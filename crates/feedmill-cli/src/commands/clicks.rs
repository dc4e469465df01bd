//! `feedmill clicks`: the recorded click-outs as NDJSON on stdout.

use crate::cli::ClicksArgs;
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: ClicksArgs) -> anyhow::Result<ExitCode> {
    let path = args
        .clicks
        .unwrap_or_else(|| args.index.join("clicks.ndjson"));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let num_clicks = feedmill_api::export_clicks(&path, &mut out)
        .with_context(|| format!("failed to export clicks from {}", path.display()))?;
    out.flush()?;
    eprintln!("{num_clicks} clicks");
    Ok(ExitCode::SUCCESS)
}
