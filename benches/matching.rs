//! The matcher on the shared benchmark data: candidate generation on WDC Block small (recall of
//! the matching pairs and the number of candidates) and pair-scoring speed of the bundled model
//! on one thread. `cargo bench -p feedmill-benches --bench matching`; skips cleanly when
//! ../shared/matching is absent.

use feedmill_match::blocking::{BlockingParams, candidates_between};
use feedmill_match::features::pair_features;
use feedmill_match::pair_file::read_pairs;
use feedmill_match::profile::build_profiles;
use feedmill_match::{MatcherModel, OfferProfile, ProductRecord};
use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `../shared/matching` beside the checkout (or beside the folder of worktrees), or
/// `$MATCHING_DATA`.
fn shared_matching() -> Option<PathBuf> {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut candidates: Vec<PathBuf> = std::env::var_os("MATCHING_DATA")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.push(workspace.join("../shared/matching"));
    candidates.push(workspace.join("../../shared/matching"));
    candidates.into_iter().find(|path| path.is_dir())
}

/// `(cluster_id, record)` of each row of a WDC Block table.
fn read_table(path: &Path) -> Result<Vec<(String, ProductRecord)>, Box<dyn std::error::Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(format!("no column {name}"))
    };
    let (title, brand, description, cluster) = (
        column("title")?,
        column("brand")?,
        column("description")?,
        column("cluster_id")?,
    );
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row?;
        let mut record = ProductRecord::default();
        record.set_attribute("title", row.get(title).unwrap_or_default());
        record.set_attribute("brand", row.get(brand).unwrap_or_default());
        record.set_attribute("description", row.get(description).unwrap_or_default());
        rows.push((row.get(cluster).unwrap_or_default().to_string(), record));
    }
    Ok(rows)
}

/// Offers per table above which a cluster id is not a product (the largest real one has 8).
const MAX_PRODUCT_OFFERS: usize = 50;

fn blocking(root: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let left = read_table(&root.join("wdc-block-small/tableA.csv"))?;
    let right = read_table(&root.join("wdc-block-small/tableB.csv"))?;
    let records: Vec<&ProductRecord> = left.iter().chain(&right).map(|(_, r)| r).collect();
    let mut profiles: Vec<OfferProfile> = build_profiles(&records);
    let right_profiles = profiles.split_off(left.len());
    let mut by_cluster: HashMap<&str, Vec<u32>> = HashMap::new();
    for (index, (cluster, _)) in right.iter().enumerate() {
        by_cluster
            .entry(cluster.as_str())
            .or_default()
            .push(index as u32);
    }
    // One cluster id of WDC Block small (2432, some 600 offers per table) is a bucket of
    // unrelated offers, not a product; clusters that large are left out of the truth.
    let mut left_sizes: HashMap<&str, usize> = HashMap::new();
    for (cluster, _) in &left {
        *left_sizes.entry(cluster.as_str()).or_default() += 1;
    }
    let is_product =
        |cluster: &str| left_sizes.get(cluster).copied().unwrap_or(0) <= MAX_PRODUCT_OFFERS;
    let truth: HashSet<(u32, u32)> = left
        .iter()
        .enumerate()
        .filter(|(_, (cluster, _))| is_product(cluster))
        .flat_map(|(l, (cluster, _))| {
            by_cluster
                .get(cluster.as_str())
                .into_iter()
                .flatten()
                .map(move |r| (l as u32, *r))
        })
        .collect();
    for top_k in [10, 20, 30, BlockingParams::default().top_k, 39] {
        let params = BlockingParams {
            top_k,
            ..BlockingParams::default()
        };
        let started = Instant::now();
        let candidates = candidates_between(&profiles, &right_profiles, &params);
        let elapsed = started.elapsed();
        let found = candidates
            .iter()
            .filter(|pair| truth.contains(pair))
            .count();
        println!(
            "blocking wdc-block-small top_k {top_k:>3}: {} candidates, recall {:.4} ({found}/{} matching pairs), {:.2} s",
            candidates.len(),
            found as f64 / truth.len().max(1) as f64,
            truth.len(),
            elapsed.as_secs_f64()
        );
    }
    Ok(())
}

/// CPU time this thread has used, from `/proc/thread-self/stat` (user + system clock ticks,
/// 100 per second on Linux); `None` elsewhere. On a shared machine the wall clock counts the
/// time other processes hold the core, the thread's CPU time does not.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// Scores the pairs of one validation file several times on this thread.
fn scoring_speed(
    root: &Path,
    model: &MatcherModel,
    set: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let pairs = read_pairs(std::io::BufReader::new(std::fs::File::open(
        root.join(set),
    )?))?;
    let records: Vec<&ProductRecord> = pairs.iter().flat_map(|p| [&p.left, &p.right]).collect();
    let profiles = build_profiles(&records);
    const ROUNDS: usize = 200;
    const BATCH: usize = 256;
    let cpu_started = thread_cpu_seconds();
    let started = Instant::now();
    let mut sum = 0.0f32;
    let mut features = Vec::with_capacity(BATCH);
    for _ in 0..ROUNDS {
        // In batches, as the matcher scores an offer's candidates and a full match its pairs.
        for batch in profiles.chunks(2 * BATCH) {
            features.clear();
            features.extend(
                batch
                    .chunks(2)
                    .map(|two| pair_features(black_box(&two[0]), black_box(&two[1]))),
            );
            sum += model.score_feature_batch(&features).iter().sum::<f32>();
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_started
        .zip(thread_cpu_seconds())
        .map(|(start, end)| end - start);
    black_box(sum);
    let scored = (pairs.len() * ROUNDS) as f64;
    if let Some(cpu) = cpu.filter(|c| *c > 0.0) {
        println!(
            "scoring {set:<40} {:>10.0} pairs per CPU second",
            scored / cpu
        );
    }
    println!(
        "scoring {set:<40} {:>10.0} pairs/s (one thread, {} pairs x {ROUNDS})",
        (pairs.len() * ROUNDS) as f64 / elapsed,
        pairs.len()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(root) = shared_matching() else {
        println!("skipped: ../shared/matching is absent");
        return Ok(());
    };
    let model = MatcherModel::bundled()?;
    for set in [
        "wdc/computers/valid.txt.medium",
        "wdc/shoes/valid.txt.medium",
        "magellan/abt-buy/valid.txt",
        "magellan/walmart-amazon/valid.txt",
    ] {
        scoring_speed(&root, &model, set)?;
    }
    blocking(&root)
}
