//! `feedmill normalize`: a feed in, one JSON line per offer out, rejects to a file, and a run
//! report on stderr ending with `read N, kept M, rejected K`.

use super::feed_options::feed_options;
use crate::cli::NormalizeArgs;
use anyhow::Context;
use feedmill_formats::FeedError;
use feedmill_formats::driver::{FeedReport, OfferBatch, run_feed};
use feedmill_formats::input::open_input;
use feedmill_model::DuplicateIds;
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

pub fn run(args: NormalizeArgs) -> anyhow::Result<ExitCode> {
    let options = feed_options(&args.feed, &args.path)?;
    let mut rejects = args
        .rejects
        .as_ref()
        .map(|path| {
            File::create(path).with_context(|| format!("failed to create {}", path.display()))
        })
        .transpose()?
        .map(BufWriter::new);
    let input = open_input(&args.path)
        .with_context(|| format!("failed to read {}", args.path.display()))?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut writer = BatchWriter::default();
    let result = run_feed(input, &options, |batch| {
        writer.write(batch, &mut out, rejects.as_mut())
    });
    out.flush().context("failed to write offers")?;
    if let Some(rejects) = rejects.as_mut() {
        rejects.flush().context("failed to write rejects")?;
    }
    let report =
        result.with_context(|| format!("failed to read {} as a feed", args.path.display()))?;
    print_report(&report);
    Ok(ExitCode::SUCCESS)
}

/// Offers serialized into one buffer per rayon task.
const OFFERS_PER_BUFFER: usize = 256;

/// Writes batches of offers as JSON lines, serializing on rayon into buffers it keeps from one
/// batch to the next (a batch's JSON is a few MB: allocating it anew each time costs page
/// faults).
#[derive(Default)]
struct BatchWriter {
    buffers: Vec<Vec<u8>>,
}

impl BatchWriter {
    /// Serializes the batch's offers on rayon, one buffer per chunk, and writes them in order.
    fn write(
        &mut self,
        batch: OfferBatch,
        out: &mut impl Write,
        rejects: Option<&mut BufWriter<File>>,
    ) -> Result<(), FeedError> {
        let OfferBatch {
            offers, rejections, ..
        } = batch;
        let num_buffers = offers.len().div_ceil(OFFERS_PER_BUFFER);
        if self.buffers.len() < num_buffers {
            self.buffers.resize_with(num_buffers, Vec::new);
        }
        self.buffers[..num_buffers]
            .par_iter_mut()
            .zip(offers.par_chunks(OFFERS_PER_BUFFER))
            .try_for_each(|(buffer, offers)| {
                buffer.clear();
                for offer in offers {
                    sonic_rs::to_writer(&mut *buffer, offer)?;
                    buffer.push(b'\n');
                }
                Ok::<(), sonic_rs::Error>(())
            })
            .map_err(std::io::Error::other)?;
        for buffer in &self.buffers[..num_buffers] {
            out.write_all(buffer)?;
        }
        if let Some(rejects) = rejects {
            for rejection in &rejections {
                serde_json::to_writer(&mut *rejects, rejection).map_err(std::io::Error::other)?;
                rejects.write_all(b"\n")?;
            }
        }
        Ok(())
    }
}

/// `warning: duplicate_ids x3 …` and one line per listed id with the records that hold it.
fn print_duplicate_ids(duplicates: &DuplicateIds) {
    if duplicates.is_empty() {
        return;
    }
    eprintln!(
        "warning: duplicate_ids x{} ({} ids came more than once; an ingest keeps the last record of each)",
        duplicates.num_records, duplicates.num_ids
    );
    for duplicate in &duplicates.listed {
        let records: Vec<String> = duplicate.records.iter().map(u64::to_string).collect();
        let more = match duplicate.num_unlisted_records {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        eprintln!(
            "duplicate id {:?}: records {}{more}",
            duplicate.id,
            records.join(", ")
        );
    }
    let unlisted = duplicates.num_unlisted_ids();
    if unlisted > 0 {
        eprintln!("duplicate ids: {unlisted} more ids repeated, not listed");
    }
}

/// The run report on stderr; its last line is the stats line scripts look for.
pub fn print_report(report: &FeedReport) {
    match &report.detection {
        Some(reason) => eprintln!("format: {} (auto: {reason})", report.format),
        None => eprintln!("format: {}", report.format),
    }
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    for (kind, samples) in &report.warning_samples {
        let count = report
            .stats
            .warnings_by_kind
            .get(*kind)
            .copied()
            .unwrap_or_default();
        let examples: Vec<String> = samples
            .iter()
            .map(|(n, detail)| format!("record {n}: {detail}"))
            .collect();
        eprintln!("warning: {kind} x{count} (e.g. {})", examples.join("; "));
    }
    print_duplicate_ids(&report.stats.duplicate_ids);
    eprintln!(
        "took {:.2} s ({:.0} records/s)",
        report.stats.elapsed.as_secs_f64(),
        report.stats.offers_per_second()
    );
    eprintln!("{}", report.stats);
}
