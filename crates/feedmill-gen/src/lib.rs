//! Deterministic synthetic product feeds shaped like real affiliate catalogues, for benchmarks
//! and load tests of the normalizer and the index.
//!
//! [`generate`] writes a feed of [`GenConfig::offers`] records in one of four formats — Google
//! RSS, Awin CSV, Adtraction XML, PartnerBoost JSON — record by record, in constant memory, so a
//! 10 GB feed costs no more RAM than a 10 KB one. The same config always gives the same bytes:
//! the generator has its own PRNG ([`rng`]), fixed word tables ([`vocabulary`]) and no clock.
//!
//! What the feeds look like:
//! - titles `brand + kind + model + colour (+ size)` in the merchant's language, with non-ASCII
//!   letters (Grön, Größe, Ærø) and `&` / `<` / `"` in names and descriptions;
//! - brands drawn by a Zipf law, a three-level category tree written with each network's
//!   separator, prices in the merchant's currency and the network's notation, about 8 % out of
//!   stock and 15 % on sale with the regular price beside the sale price;
//! - every product has a valid 13-digit GTIN and is offered by 2–8 distinct merchants whose
//!   offers are interleaved through the feed ([`schedule`]), so grouping by GTIN matters;
//! - a share of deliberately bad records ([`BadKind`]) at fixed positions, so a run can check
//!   exactly what a normalizer must reject or warn about;
//! - with a [`PriceChanges`] schedule, the prices of day N of a simulated run of daily
//!   refreshes, with traps for the EU 30-day low ([`price_changes`]).
//! - optionally, GTINs and MPNs left out of a share of the good offers
//!   ([`GenConfig::blank_gtin_share`], [`GenConfig::blank_mpn_share`]), as most real feeds leave
//!   them out: the product behind every offer stays known, so a matcher that has to find it
//!   without them can be measured against the truth.

mod bad_kind;
pub mod catalogue;
pub mod escape;
mod gen_format;
pub mod price_changes;
pub mod rng;
pub mod schedule;
pub mod vocabulary;
mod writers;

#[cfg(test)]
mod tests;

pub use bad_kind::BadKind;
use catalogue::{BAD_PRODUCT_BASE, Catalogue, OfferRecord};
pub use gen_format::GenFormat;
pub use price_changes::PriceChanges;
use rng::SplitMix64;
use schedule::{Schedule, Slot};
use std::io::{self, BufWriter, Write};

/// The share of bad records unless told otherwise: 1 %, about what real feeds carry.
pub const DEFAULT_BAD_SHARE: f64 = 0.01;
/// What a placeholder GTIN record carries instead of its real number.
pub const PLACEHOLDER_GTIN: &str = "0000000000000";
/// The random stream that decides which offers lose their identifiers.
const STREAM_BLANK: u64 = 5;
/// Output buffer: large enough that `out` sees few, big writes.
const BUFFER_BYTES: usize = 256 * 1024;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenConfig {
    pub format: GenFormat,
    /// Records in the feed, bad ones included.
    pub offers: u64,
    pub seed: u64,
    /// Share of deliberately bad records, in `[0, 1]` (default [`DEFAULT_BAD_SHARE`]).
    pub bad_share: f64,
    /// Write the prices of one day of a simulated run of daily refreshes ([`price_changes`]);
    /// `None` writes the catalogue prices.
    pub price_changes: Option<PriceChanges>,
    /// Share of the good offers written without their GTIN, in `[0, 1]` (default 0).
    pub blank_gtin_share: f64,
    /// Share of the good offers written without their MPN, in `[0, 1]` (default 0), drawn
    /// independently of the GTIN's.
    pub blank_mpn_share: f64,
}

impl GenConfig {
    pub fn new(format: GenFormat, offers: u64, seed: u64) -> GenConfig {
        GenConfig {
            format,
            offers,
            seed,
            bad_share: DEFAULT_BAD_SHARE,
            price_changes: None,
            blank_gtin_share: 0.0,
            blank_mpn_share: 0.0,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenStats {
    /// Records written, bad ones included.
    pub num_offers: u64,
    /// Deliberately bad records, of every [`BadKind`].
    pub num_bad: u64,
    /// Bad records by kind, in the order of [`BadKind::ALL`].
    pub num_bad_by_kind: [u64; 4],
    /// Distinct products (= distinct valid GTINs) among the good records.
    pub num_products: u64,
    /// Good offers written without their GTIN ([`GenConfig::blank_gtin_share`]).
    pub num_blank_gtins: u64,
    /// Good offers written without their MPN ([`GenConfig::blank_mpn_share`]).
    pub num_blank_mpns: u64,
    /// Bytes of the feed itself (before any compression).
    pub num_bytes: u64,
    /// Bytes after gzip; 0 when the feed was not compressed.
    pub num_gzip_bytes: u64,
}

impl GenStats {
    /// Bad records a normalizer must reject: every kind but the placeholder GTIN.
    pub fn num_rejected(&self) -> u64 {
        BadKind::ALL
            .iter()
            .zip(self.num_bad_by_kind)
            .filter(|(kind, _)| kind.is_rejected())
            .map(|(_, count)| count)
            .sum()
    }

    pub fn num_bad_of(&self, kind: BadKind) -> u64 {
        BadKind::ALL
            .iter()
            .position(|k| *k == kind)
            .map_or(0, |i| self.num_bad_by_kind[i])
    }
}

/// Writes the feed `cfg` describes to `out`, record by record (buffered here; `out` need not
/// be). Fails only when `out` fails or `bad_share` is outside `[0, 1]`.
pub fn generate(cfg: &GenConfig, out: &mut dyn Write) -> io::Result<GenStats> {
    if let Some(changes) = cfg.price_changes
        && !(0.0..=1.0).contains(&changes.share)
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "price change share {} is not between 0 and 1",
                changes.share
            ),
        ));
    }
    for (name, share) in [
        ("bad share", cfg.bad_share),
        ("blank GTIN share", cfg.blank_gtin_share),
        ("blank MPN share", cfg.blank_mpn_share),
    ] {
        if !(0.0..=1.0).contains(&share) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name} {share} is not between 0 and 1"),
            ));
        }
    }
    let mut out = CountingWriter {
        inner: BufWriter::with_capacity(BUFFER_BYTES, out),
        num_bytes: 0,
    };
    let catalogue = Catalogue::new(cfg.format, cfg.seed);
    let mut stats = GenStats::default();
    writers::write_header(cfg.format, &mut out, cfg.offers, cfg.seed)?;
    for (position, slot) in (0u64..).zip(Schedule::new(cfg.offers, cfg.seed, cfg.bad_share)) {
        let record = match slot {
            Slot::Offer { product, offer } => {
                stats.num_products = stats.num_products.max(product + 1);
                let mut record = catalogue.offer(product, offer, position);
                if let Some(changes) = cfg.price_changes {
                    match price_changes::price_on_day(cfg.seed, &record, changes) {
                        Some(day) => {
                            record.price = Some(day.price);
                            record.old_price = day.old_price;
                            record.currency = day.currency;
                        }
                        // Not listed that day.
                        None => continue,
                    }
                }
                blank_identifiers(cfg, offer, &mut record, &mut stats);
                record
            }
            Slot::Bad { index, kind } => {
                stats.num_bad += 1;
                if let Some(i) = BadKind::ALL.iter().position(|k| *k == kind) {
                    stats.num_bad_by_kind[i] += 1;
                }
                bad_record(&catalogue, index, kind, position)
            }
        };
        writers::write_record(cfg.format, &mut out, &record)?;
        stats.num_offers += 1;
    }
    writers::write_footer(cfg.format, &mut out)?;
    out.flush()?;
    stats.num_bytes = out.num_bytes;
    Ok(stats)
}

/// Same, gzip-compressed at the fastest level (generating a 1 GB feed should take seconds, and
/// the level does not change what a reader has to do).
#[cfg(feature = "gzip")]
pub fn generate_gzip(cfg: &GenConfig, out: &mut dyn Write) -> io::Result<GenStats> {
    let counted = CountingWriter {
        inner: out,
        num_bytes: 0,
    };
    let mut encoder = flate2::write::GzEncoder::new(counted, flate2::Compression::fast());
    let mut stats = generate(cfg, &mut encoder)?;
    let mut counted = encoder.finish()?;
    counted.flush()?;
    stats.num_gzip_bytes = counted.num_bytes;
    Ok(stats)
}

/// Leaves out the GTIN and the MPN of a good offer, each with its configured chance, decided by
/// the offer's own random stream (so the same offers lose them on every run, whatever the
/// feed's size or order).
fn blank_identifiers(
    cfg: &GenConfig,
    offer: u64,
    record: &mut OfferRecord<'_>,
    stats: &mut GenStats,
) {
    if cfg.blank_gtin_share == 0.0 && cfg.blank_mpn_share == 0.0 {
        return;
    }
    let mut rng = SplitMix64::derive(cfg.seed, &[STREAM_BLANK, record.product, offer]);
    if rng.chance(cfg.blank_gtin_share) {
        record.gtin.clear();
        stats.num_blank_gtins += 1;
    }
    if rng.chance(cfg.blank_mpn_share) {
        record.mpn.clear();
        stats.num_blank_mpns += 1;
    }
}

/// A good record of its own product, then spoiled the way `kind` says.
fn bad_record(catalogue: &Catalogue, index: u64, kind: BadKind, position: u64) -> OfferRecord<'_> {
    let mut record = catalogue.offer(BAD_PRODUCT_BASE + index, 0, position);
    match kind {
        BadKind::MissingPrice => {
            record.price = None;
            record.old_price = None;
        }
        BadKind::NegativePrice => {
            record.price = record.price.map(|p| -p.max(1));
            record.old_price = None;
        }
        BadKind::MissingUrl => record.product_url = None,
        BadKind::PlaceholderGtin => record.gtin = PLACEHOLDER_GTIN.to_string(),
    }
    record
}

/// Counts the bytes that pass through.
struct CountingWriter<W> {
    inner: W,
    num_bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.num_bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
