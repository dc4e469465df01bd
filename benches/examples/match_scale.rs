//! A full match of a generated catalogue whose identifiers are partly left out, measured against
//! the truth the generator knows.
//!
//! 1. **generate** the feed twice with the same seed: once whole, once with GTINs left out of a
//!    share of the offers and MPNs out of another (`--blank-gtins`, `--blank-mpns` of
//!    `feedmill gen`); the offers and their order are the same, only the identifiers differ;
//! 2. **normalize** both to NDJSON (what `feedmill normalize` writes);
//! 3. **cluster** the partial one as `feedmill match cluster` does (feedmill-match's
//!    `offer_file`), timed, with its peak resident memory;
//! 4. **evaluate** against the whole feed's GTINs: pairwise precision and recall over the pairs of
//!    offers of one product that involve an offer without its GTIN (pairs of two offers that kept
//!    theirs are grouped by the GTIN itself and say nothing about the matcher), and how those
//!    offers were placed (model key, scored, alone).
//!
//! ```text
//! cargo run --release -p feedmill-benches --example match_scale -- [offers] [blank_gtins] [blank_mpns]
//! ```
//! Defaults: 1,000,000 offers (Google XML), GTINs left out of 30 %, MPNs out of 50 %.

use feedmill_benches::measure::{BenchResult, StageClock, StageFigures};
use feedmill_formats::driver::{FeedOptions, run_feed};
use feedmill_formats::input::open_reader;
use feedmill_gen::{GenConfig, GenFormat, generate};
use feedmill_match::MatcherModel;
use feedmill_match::blocking::BlockingParams;
use feedmill_match::offer_file::cluster_offer_lines;
use serde_json::Value;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let offers: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let blank_gtins: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(0.3);
    let blank_mpns: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(0.5);
    let dir = tempfile::tempdir_in(std::env::var_os("TMPDIR").unwrap_or_else(|| ".".into()))?;
    let whole = GenConfig::new(GenFormat::GoogleXml, offers, 42);
    let partial = GenConfig {
        blank_gtin_share: blank_gtins,
        blank_mpn_share: blank_mpns,
        ..whole.clone()
    };
    println!(
        "{offers} offers, GTINs left out of {:.0} %, MPNs of {:.0} %",
        blank_gtins * 100.0,
        blank_mpns * 100.0
    );
    let truth_path = dir.path().join("whole.ndjson");
    let partial_path = dir.path().join("partial.ndjson");
    let stats = normalized_feed(&whole, dir.path(), &truth_path)?;
    let partial_stats = normalized_feed(&partial, dir.path(), &partial_path)?;
    println!(
        "generated and normalized: {} records; {} without GTIN, {} without MPN",
        stats.num_offers, partial_stats.num_blank_gtins, partial_stats.num_blank_mpns
    );

    let out_path = dir.path().join("clustered.ndjson");
    let figures = cluster_stage(&partial_path, &out_path)?;
    println!(
        "cluster: {:.1} s ({:.0} offers/s), peak RSS {:.2} GiB, peak heap {:.2} GiB",
        figures.seconds,
        figures.items_per_second(),
        gib(figures.peak_rss),
        gib(figures.peak_heap)
    );
    let quality = evaluate(&truth_path, &out_path)?;
    quality.print();
    Ok(())
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

/// Generates `config` and writes its offers as NDJSON to `out`; the generator's figures.
fn normalized_feed(
    config: &GenConfig,
    dir: &Path,
    out: &Path,
) -> BenchResult<feedmill_gen::GenStats> {
    let feed_path = dir.join("feed.xml");
    let stats = generate(config, &mut BufWriter::new(File::create(&feed_path)?))?;
    let input = open_reader(Box::new(File::open(&feed_path)?))?;
    let mut writer = BufWriter::new(File::create(out)?);
    let options = FeedOptions {
        source: "gen".into(),
        ..FeedOptions::default()
    };
    let mut failed = None;
    run_feed(input, &options, |batch| {
        for offer in &batch.offers {
            let written = serde_json::to_writer(&mut writer, offer)
                .map_err(std::io::Error::other)
                .and_then(|()| writer.write_all(b"\n"));
            if let Err(err) = written {
                failed.get_or_insert(err);
            }
        }
        Ok(())
    })?;
    if let Some(err) = failed {
        return Err(err.into());
    }
    writer.flush()?;
    std::fs::remove_file(&feed_path)?;
    Ok(stats)
}

fn cluster_stage(input: &Path, out: &Path) -> BenchResult<StageFigures> {
    let model = MatcherModel::bundled()?;
    let open = || -> std::io::Result<Box<dyn BufRead>> {
        Ok(Box::new(BufReader::with_capacity(
            1 << 20,
            File::open(input)?,
        )))
    };
    let clock = StageClock::start();
    let mut writer = BufWriter::new(File::create(out)?);
    let summary = cluster_offer_lines(&open, &mut writer, &model, &BlockingParams::default())?;
    let figures = clock.finish(summary.num_offers);
    let [gtin, by_model, scored, alone] = summary.by_method;
    println!(
        "clustered into {} products: gtin {gtin}, model {by_model}, scored {scored}, alone {alone}",
        summary.num_products
    );
    Ok(figures)
}

/// Pair counts of the offers that lost their GTIN, against the whole feed's GTINs.
#[derive(Debug, Default)]
struct Quality {
    /// Offers without their GTIN (and whose product has one in the whole feed).
    num_blanked: u64,
    /// Of those, how they were placed: model key, scored pair, alone.
    placed: [u64; 3],
    true_pairs: u64,
    predicted_pairs: u64,
    correct_pairs: u64,
}

impl Quality {
    fn print(&self) {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(self.correct_pairs, self.predicted_pairs);
        let recall = ratio(self.correct_pairs, self.true_pairs);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        println!(
            "offers without GTIN: {}; placed by model key {}, by score {}, alone {}",
            self.num_blanked, self.placed[0], self.placed[1], self.placed[2]
        );
        println!(
            "pairs with an offer without GTIN: precision {:.2} %, recall {:.2} %, F1 {:.2} % \
             ({} correct of {} predicted, {} true)",
            precision * 100.0,
            recall * 100.0,
            f1 * 100.0,
            self.correct_pairs,
            self.predicted_pairs,
            self.true_pairs
        );
    }
}

/// Pairs within a group of `blanked + kept` offers that involve a blanked one.
fn pairs_with_blanked(blanked: u64, kept: u64) -> u64 {
    let all = blanked + kept;
    all * all.saturating_sub(1) / 2 - kept * kept.saturating_sub(1) / 2
}

fn evaluate(truth_path: &Path, clustered_path: &Path) -> BenchResult<Quality> {
    let mut truth: HashMap<String, String> = HashMap::new();
    for line in BufReader::new(File::open(truth_path)?).lines() {
        let offer: Value = serde_json::from_str(&line?)?;
        if let (Some(id), Some(gtin)) = (offer["id"].as_str(), offer["gtin"].as_str()) {
            truth.insert(id.to_string(), gtin.to_string());
        }
    }
    let mut quality = Quality::default();
    // (blanked, kept) offers per true product, per predicted product and per cell of both.
    let mut by_truth: HashMap<String, (u64, u64)> = HashMap::new();
    let mut by_product: HashMap<String, (u64, u64)> = HashMap::new();
    let mut by_cell: HashMap<(String, String), (u64, u64)> = HashMap::new();
    for line in BufReader::new(File::open(clustered_path)?).lines() {
        let offer: Value = serde_json::from_str(&line?)?;
        let Some(true_gtin) = offer["id"].as_str().and_then(|id| truth.get(id)) else {
            continue;
        };
        let product = offer["product_id"].as_str().unwrap_or_default().to_string();
        let blanked = offer["gtin"].is_null();
        if blanked {
            quality.num_blanked += 1;
            match offer["match"]["method"].as_str() {
                Some("model") => quality.placed[0] += 1,
                Some("scored") => quality.placed[1] += 1,
                _ => quality.placed[2] += 1,
            }
        }
        for counts in [
            by_truth.entry(true_gtin.clone()).or_default(),
            by_product.entry(product.clone()).or_default(),
            by_cell.entry((product, true_gtin.clone())).or_default(),
        ] {
            if blanked {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
        }
    }
    let sum = |groups: &mut dyn Iterator<Item = &(u64, u64)>| {
        groups.map(|(b, k)| pairs_with_blanked(*b, *k)).sum::<u64>()
    };
    quality.true_pairs = sum(&mut by_truth.values());
    quality.predicted_pairs = sum(&mut by_product.values());
    quality.correct_pairs = sum(&mut by_cell.values());
    Ok(quality)
}
