//! Runs one feed end to end: a reader thread parses records into batches, the calling thread
//! normalizes each batch on rayon and hands the results to a consumer, in input order.
//!
//! ```text
//! inflate thread ──(ReadAhead: 4 × 256 KiB)──▶ reader thread ──(sync_channel, CHANNEL_CAPACITY
//!   decompress, decode                           parse          batches of BATCH_SIZE)──▶ caller
//!                                                                 normalize on rayon, in order
//! ```
//! Memory is bounded by the channel: at most `CHANNEL_CAPACITY + 2` batches are alive at once,
//! whatever the feed's size.

use crate::detect::detect_format;
use crate::duplicate_tracker::DuplicateTracker;
use crate::error::FeedError;
use crate::format::{FeedFormat, Syntax};
use crate::input::{FeedInput, ReadAhead};
use crate::mapping::{Field, ResolvedMapping};
use crate::normalize::{NormalizeContext, Normalized, normalize_record};
use crate::readers::{RecordSink, read_records};
use crate::record::{FieldNames, ReadItem, RecordWarning};
use feedmill_model::{Currency, Offer, RejectReason, Rejection, RunStats};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;
use std::time::Instant;

/// Records per batch: large enough to amortize rayon's scheduling (~µs) over ~2,000 records of
/// a few µs each, small enough that a batch of 1 KB records stays around 2 MB.
pub const BATCH_SIZE: usize = 2048;
/// Batches the reader may run ahead of normalization.
pub const CHANNEL_CAPACITY: usize = 4;
/// Examples of each warning kind kept for the run report.
const WARNING_SAMPLES: usize = 3;

/// What the user asked for: `feedmill normalize`'s options.
#[derive(Debug, Clone, Default)]
pub struct FeedOptions {
    pub source: String,
    /// `None` = detect from the content.
    pub format: Option<FeedFormat>,
    /// `--record NAME`: the XML element or JSON array key holding the records.
    pub record: Option<String>,
    /// `--map canonical=source` pairs.
    pub maps: Vec<(Field, String)>,
    /// `--currency CODE`: the currency of records that name none.
    pub default_currency: Option<Currency>,
}

/// One batch of results, in input order within each list.
#[derive(Debug, Default)]
pub struct OfferBatch {
    pub offers: Vec<Offer>,
    pub rejections: Vec<Rejection>,
    pub warnings: Vec<(u64, RecordWarning)>,
}

/// The account of one run.
#[derive(Debug, Clone)]
pub struct FeedReport {
    pub format: FeedFormat,
    /// Why `auto` chose the format; `None` when the user named it.
    pub detection: Option<String>,
    pub encoding: &'static str,
    pub notes: Vec<String>,
    pub stats: RunStats,
    /// A few examples per warning kind: `(record number, detail)`.
    pub warning_samples: BTreeMap<&'static str, Vec<(u64, String)>>,
    /// Required fields that no key of the feed maps to (found on the first batch).
    pub unmapped_fields: Vec<Field>,
}

struct RecordBatch {
    names: Arc<[Arc<str>]>,
    items: Vec<ReadItem>,
}

/// Reads, normalizes and hands over every record of `input`. The consumer sees each batch once,
/// in order; its error stops the run. A feed that yields no offer at all is an error.
pub fn run_feed<F>(
    input: FeedInput,
    options: &FeedOptions,
    mut consume: F,
) -> Result<FeedReport, FeedError>
where
    F: FnMut(OfferBatch) -> Result<(), FeedError>,
{
    let started = Instant::now();
    let (format, detection) = match options.format {
        Some(format) => (format, None),
        None => {
            let detected = detect_format(&input.head);
            (detected.format, Some(detected.reason))
        }
    };
    let syntax = format.syntax(options.record.as_deref());
    let mapping = format
        .mapping()
        .with_overrides(&relative_to_records(&options.maps, &syntax));
    let ctx = NormalizeContext {
        source: options.source.clone(),
        network: format.network(),
        default_currency: options.default_currency,
    };
    let mut report = FeedReport {
        format,
        detection,
        encoding: input.encoding,
        notes: input.notes.clone(),
        stats: RunStats::default(),
        warning_samples: BTreeMap::new(),
        unmapped_fields: Vec::new(),
    };
    let (sender, receiver) = sync_channel(CHANNEL_CAPACITY);
    let bytes = ReadAhead::spawn(Box::new(input.reader)).map_err(FeedError::Io)?;
    let reader = thread::Builder::new()
        .name("feed-reader".into())
        .spawn(move || read_in_batches(bytes, &syntax, sender))
        .map_err(FeedError::Io)?;
    let consumed = normalize_batches(receiver, &mapping, &ctx, &mut report, &mut consume);
    let read = reader
        .join()
        .unwrap_or_else(|_| Err(FeedError::NotAFeed("the reader thread panicked".into())));
    consumed?;
    match read {
        Err(FeedError::Stopped) | Ok(()) => {}
        Err(err) => return Err(err),
    }
    report.stats.elapsed = started.elapsed();
    check_something_was_kept(&report, format)?;
    Ok(report)
}

/// `--record variants --map price=variants/price`: in a JSON feed the path goes through the
/// record array, whose elements are the records, so the key is the rest of the path (`price`).
fn relative_to_records(maps: &[(Field, String)], syntax: &Syntax) -> Vec<(Field, String)> {
    let Syntax::Json {
        record_key: Some(record_key),
    } = syntax
    else {
        return maps.to_vec();
    };
    let through = format!("{record_key}/");
    let relative = |key: &str| -> Option<String> {
        if let Some(rest) = key.strip_prefix(&through) {
            return Some(rest.to_string());
        }
        let at = key.find(&format!("/{through}"))?;
        Some(key[at + through.len() + 1..].to_string())
    };
    maps.iter()
        .map(|(field, key)| (*field, relative(key).unwrap_or_else(|| key.clone())))
        .collect()
}

fn normalize_batches<F>(
    receiver: Receiver<RecordBatch>,
    mapping: &crate::mapping::Mapping,
    ctx: &NormalizeContext,
    report: &mut FeedReport,
    consume: &mut F,
) -> Result<(), FeedError>
where
    F: FnMut(OfferBatch) -> Result<(), FeedError>,
{
    let mut resolved_for: Option<Arc<[Arc<str>]>> = None;
    let mut resolved = ResolvedMapping::default();
    let mut ids = DuplicateTracker::default();
    for batch in receiver {
        if resolved_for
            .as_ref()
            .is_none_or(|names| !Arc::ptr_eq(names, &batch.names))
        {
            resolved = mapping.resolve(&batch.names);
            resolved_for = Some(batch.names.clone());
            report.unmapped_fields = resolved.unmapped_required();
        }
        let results: Vec<Normalized> = batch
            .items
            .par_iter()
            .with_min_len(64)
            .map(|item| normalize_item(item, &batch.names, &resolved, ctx))
            .collect();
        consume(collect_batch(results, report, &mut ids))?;
    }
    Ok(())
}

fn normalize_item(
    item: &ReadItem,
    names: &[Arc<str>],
    mapping: &ResolvedMapping,
    ctx: &NormalizeContext,
) -> Normalized {
    match item {
        ReadItem::Record(record) => normalize_record(record, names, mapping, ctx),
        ReadItem::Malformed {
            number,
            message,
            excerpt,
        } => Normalized {
            number: *number,
            outcome: Err(Rejection::new(
                *number,
                "record",
                RejectReason::MalformedRecord,
                message.clone(),
                excerpt,
            )),
            warnings: Vec::new(),
        },
    }
}

/// Sums up one batch's results in input order: counts, warning samples, repeated ids.
fn collect_batch(
    results: Vec<Normalized>,
    report: &mut FeedReport,
    ids: &mut DuplicateTracker,
) -> OfferBatch {
    let mut batch = OfferBatch {
        offers: Vec::with_capacity(results.len()),
        ..OfferBatch::default()
    };
    for normalized in results {
        for warning in normalized.warnings {
            report.stats.record_warning(warning.kind);
            let samples = report.warning_samples.entry(warning.kind).or_default();
            if samples.len() < WARNING_SAMPLES {
                samples.push((normalized.number, warning.detail.clone()));
            }
            batch.warnings.push((normalized.number, warning));
        }
        match normalized.outcome {
            Ok(offer) => {
                report.stats.record_kept();
                ids.observe(
                    &offer.id,
                    normalized.number,
                    &mut report.stats.duplicate_ids,
                );
                batch.offers.push(offer);
            }
            Err(rejection) => {
                report.stats.record_rejected(&rejection);
                batch.rejections.push(rejection);
            }
        }
    }
    batch
}

/// A feed with no records, or whose every record was rejected, is broken as a whole.
fn check_something_was_kept(report: &FeedReport, format: FeedFormat) -> Result<(), FeedError> {
    let stats = &report.stats;
    if stats.num_read == 0 {
        return Err(FeedError::NothingRead(format!(
            "no records found (read as {format}; name the record element or array with --record)"
        )));
    }
    if stats.num_kept > 0 {
        return Ok(());
    }
    let hint: Vec<String> = report
        .unmapped_fields
        .iter()
        .map(|field| {
            format!(
                "no key maps to {0}; name one with --map {0}=KEY",
                field.name()
            )
        })
        .collect();
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!(" ({})", hint.join("; "))
    };
    Err(FeedError::NothingRead(format!(
        "every record was rejected: {stats}{hint}"
    )))
}

/// The reader side: parses with the format's syntax reader and ships full batches. The readers
/// get the `ReadAhead` itself, not a boxed `BufRead`: they call `fill_buf` and `consume` a few
/// times per element, and those calls inline.
fn read_in_batches(
    reader: ReadAhead,
    syntax: &Syntax,
    sender: SyncSender<RecordBatch>,
) -> Result<(), FeedError> {
    let mut batcher = Batcher {
        sender,
        items: Vec::with_capacity(BATCH_SIZE),
        names: Arc::from(Vec::new()),
    };
    read_records(reader, syntax, &mut batcher)?;
    batcher.flush()
}

struct Batcher {
    sender: SyncSender<RecordBatch>,
    items: Vec<ReadItem>,
    names: Arc<[Arc<str>]>,
}

impl Batcher {
    fn flush(&mut self) -> Result<(), FeedError> {
        if self.items.is_empty() {
            return Ok(());
        }
        let items = std::mem::replace(&mut self.items, Vec::with_capacity(BATCH_SIZE));
        self.sender
            .send(RecordBatch {
                names: self.names.clone(),
                items,
            })
            .map_err(|_| FeedError::Stopped)
    }
}

impl RecordSink for Batcher {
    fn accept(&mut self, item: ReadItem, names: &FieldNames) -> Result<(), FeedError> {
        // Keys only ever grow, so the newest table covers every record of the batch.
        if names.len() != self.names.len() {
            self.names = names.snapshot();
        }
        self.items.push(item);
        if self.items.len() >= BATCH_SIZE {
            self.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_paths_through_the_json_record_array_are_relative_to_its_elements() {
        let maps = vec![
            (Field::Price, "variants/price".to_string()),
            (Field::Sku, "data/products/variants/id".to_string()),
            (Field::Title, "title".to_string()),
        ];
        let json = Syntax::Json {
            record_key: Some("variants".into()),
        };
        let relative = relative_to_records(&maps, &json);
        let keys: Vec<&str> = relative.iter().map(|(_, key)| key.as_str()).collect();
        assert_eq!(keys, ["price", "id", "title"]);
        let xml = Syntax::Xml {
            record_elements: vec!["variants".into()],
        };
        assert_eq!(relative_to_records(&maps, &xml), maps);
    }
}
