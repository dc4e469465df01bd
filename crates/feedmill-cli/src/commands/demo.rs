//! `feedmill demo` (and `feedmill` with no command): normalizes every bundled demo feed, so a
//! fresh checkout shows what feedmill does with one command.

use super::feed_options::source_name;
use crate::cli::DemoArgs;
use anyhow::Context;
use feedmill_formats::driver::{FeedOptions, run_feed};
use feedmill_formats::input::open_input;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let feeds = demo_feeds(&args.feeds)?;
    fs::create_dir_all(&args.out)
        .with_context(|| format!("failed to create {}", args.out.display()))?;
    let mut failed = 0;
    for path in &feeds {
        if let Err(err) = normalize_one(path, &args.out) {
            eprintln!("{}: error: {err:#}", path.display());
            failed += 1;
        }
    }
    eprintln!(
        "normalized {} demo feeds into {}",
        feeds.len() - failed,
        args.out.display()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn demo_feeds(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).with_context(|| {
        format!(
            "no demo feeds at {} (run from the repository root)",
            dir.display()
        )
    })?;
    let mut feeds: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.is_file() && !path.extension().is_some_and(|e| e == "md" || e == "toml")
        })
        .collect();
    feeds.sort();
    Ok(feeds)
}

fn normalize_one(path: &Path, out_dir: &Path) -> anyhow::Result<()> {
    let source = source_name(path);
    let options = FeedOptions {
        source: source.clone(),
        ..FeedOptions::default()
    };
    let out_path = out_dir.join(format!("{source}.ndjson"));
    let mut out = BufWriter::new(File::create(&out_path)?);
    let input = open_input(path)?;
    let report = run_feed(input, &options, |batch| {
        for offer in &batch.offers {
            serde_json::to_writer(&mut out, offer).map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    })?;
    out.flush()?;
    eprintln!(
        "{:<40} {:<17} {} -> {}",
        path.display(),
        report.format.name(),
        report.stats,
        out_path.display()
    );
    Ok(())
}
