//! Attribution and `GET /earnings` over a store of generated clicks and conversions (default
//! 1,000,000 clicks and 100,000 conversions).
//!
//! ```text
//! cargo run --release -p feedmill-benches --example earnings_report -- [num_clicks] [num_conversions] [runs] [work_dir]
//! ```
//! Without `work_dir` the store lives in a temporary directory. A `work_dir` that already holds
//! `feedmill.db` is reused as it is (steps 1 and 2 are skipped; its clicks stay dated from the
//! run that made them), so a profile of the reports need not wait for the load.
//!
//! 1. **Clicks**: spread over the 60 days before now, 200 merchants, 5 sources, 20,000 offers,
//!    half with one of 1,000 sub-ids; loaded through the store's bulk path (50,000 a write).
//! 2. **Attribution**: conversions upserted 1,000 a write, each attributed as a postback is —
//!    70 % by the click id of a stored click, 20 % by sub-id in the 30-day window, 10 % by
//!    nothing (unattributed); 80 % SEK, 20 % EUR; pending, approved and rejected. Then 200
//!    single postbacks, one durable write each (the postback path), timed one by one.
//! 3. **Reports**: the real server (`feedmill_api::serve` on 127.0.0.1:0) answers
//!    `GET /earnings?group_by=…` for each grouping over its default period (the last 30 days,
//!    about half of the clicks) `runs` times (default 20) after two untimed requests; p50 and
//!    p99 of the answer's full time (read to its last byte), its rows and size. Then
//!    `GET /earnings/unattributed`. The target is a p99 of at most 200 ms.
//! 4. **Store alone**: the same reports read from the store in-process (no HTTP, no JSON), so
//!    the split between computing a report and answering it shows.

use feedmill_benches::http_load::ServedIndex;
use feedmill_benches::measure::{BenchResult, quantile};
use feedmill_gen::rng::SplitMix64;
use feedmill_index::OfferIndex;
use feedmill_model::{Currency, Decimal, Network};
use feedmill_store::{
    Click, ClickId, ConversionInput, ConversionStatus, ConversionStore, EarningsQuery,
    EarningsStore, SqliteStore, TimeRange, period_range, report_group_by, report_period,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NUM_MERCHANTS: u64 = 200;
const NUM_SOURCES: u64 = 5;
const NUM_OFFERS: u64 = 20_000;
const NUM_SUB_IDS: u64 = 1_000;
const DAYS: i64 = 60;
const CLICK_CHUNK: usize = 50_000;
const CONVERSION_CHUNK: usize = 1_000;
const SINGLE_POSTBACKS: usize = 200;
const GROUPINGS: [&str; 5] = ["day", "source", "merchant", "offer", "sub_id"];

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: usize| -> BenchResult<usize> {
        Ok(args
            .get(i)
            .map(|a| a.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let (num_clicks, num_conversions, runs) = (arg(0, 1_000_000)?, arg(1, 100_000)?, arg(2, 20)?);
    let temporary = tempfile::tempdir()?;
    let work_dir = match args.get(3) {
        Some(dir) => std::path::PathBuf::from(dir),
        None => temporary.path().to_path_buf(),
    };
    std::fs::create_dir_all(&work_dir)?;
    let store_path = work_dir.join("feedmill.db");
    let now = chrono::Utc::now();
    println!("# earnings_report: {num_clicks} clicks, {num_conversions} conversions\n");
    if store_path.exists() {
        println!("reusing the store in {}", work_dir.display());
    } else {
        let store = SqliteStore::open(&store_path)?;
        let clicks = load_clicks(&store, num_clicks, now)?;
        attribute(&store, &clicks, num_conversions, now)?;
        single_postbacks(&store, &clicks, now)?;
    }
    let server = ServedIndex::start(Arc::new(OfferIndex::in_ram()?), 0, &work_dir)?;
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    println!(
        "\n| report | rows | bytes | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|"
    );
    for group_by in GROUPINGS {
        let url = format!("{}/earnings?group_by={group_by}", server.base());
        client.block_on(report(&url, &format!("group_by={group_by}"), runs))?;
    }
    let url = format!("{}/earnings/unattributed", server.base());
    client.block_on(report(&url, "unattributed", runs))?;
    server.stop()?;
    store_alone(&store_path, runs)?;
    Ok(())
}

/// A stored click's id, time and sub-id: what a conversion of it names.
type StoredClick = (ClickId, chrono::DateTime<chrono::Utc>, Option<String>);

/// The clicks, stored; returns each click's id, time and sub-id.
fn load_clicks(
    store: &SqliteStore,
    num_clicks: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> BenchResult<Vec<StoredClick>> {
    let mut rng = SplitMix64::derive(13, &[1]);
    let mut kept = Vec::with_capacity(num_clicks);
    let started = Instant::now();
    let mut chunk = Vec::with_capacity(CLICK_CHUNK);
    for _ in 0..num_clicks {
        let offer = rng.below(NUM_OFFERS);
        let age_us = rng.below((DAYS * 86_400_000_000) as u64) as i64;
        let time = now - chrono::Duration::microseconds(age_us);
        let sub_id = rng
            .chance(0.5)
            .then(|| format!("sub-{}", rng.below(NUM_SUB_IDS)));
        let click = Click {
            click_id: ClickId::random()?,
            time,
            offer_id: format!("offer-{offer}"),
            source: format!("source-{}", offer % NUM_SOURCES),
            network: Some(Network::Awin),
            merchant: Some(format!("merchant-{}", offer % NUM_MERCHANTS)),
            sub_id: sub_id.clone(),
            sub_id_2: None,
            sub_id_3: None,
            sub_id_4: None,
            sub_id_5: None,
            sub_id_6: None,
            referrer: None,
            destination: format!("https://merchant.example/p/{offer}"),
        };
        kept.push((click.click_id.clone(), time, sub_id));
        chunk.push(click);
        if chunk.len() == CLICK_CHUNK {
            store.record_clicks(std::mem::take(&mut chunk))?;
        }
    }
    store.record_clicks(chunk)?;
    let took = started.elapsed();
    println!(
        "clicks stored: {num_clicks} in {:.1} s ({:.0}/s, bulk path)",
        took.as_secs_f64(),
        num_clicks as f64 / took.as_secs_f64()
    );
    Ok(kept)
}

/// A conversion of a random click: by its id, its sub-id, or nothing.
fn conversion(rng: &mut SplitMix64, clicks: &[StoredClick], order: usize) -> ConversionInput {
    let (click_id, time, sub_id) = &clicks[rng.below(clicks.len() as u64) as usize];
    let roll = rng.below(10);
    let (click_id, sub_id) = match roll {
        0..=6 => (Some(click_id.to_string()), None),
        7 | 8 => (None, sub_id.clone().or_else(|| Some("sub-none".into()))),
        _ => (None, None),
    };
    let status = *rng.pick(&[
        ConversionStatus::Pending,
        ConversionStatus::Pending,
        ConversionStatus::Approved,
        ConversionStatus::Rejected,
    ]);
    let code = if rng.chance(0.8) { "SEK" } else { "EUR" };
    ConversionInput {
        program_id: format!("program-{}", order % 50),
        order_id: format!("order-{order}"),
        click_id,
        sub_id,
        currency: Currency::parse(code).ok(),
        amount: Some(Decimal::new(rng.range(1_000, 500_000) as i64, 2)),
        commission_amount: Some(Decimal::new(rng.range(50, 5_000) as i64, 2)),
        status: Some(status),
        order_time: Some(*time + chrono::Duration::minutes(rng.below(2_880) as i64)),
        ..ConversionInput::default()
    }
}

fn attribute(
    store: &SqliteStore,
    clicks: &[StoredClick],
    num_conversions: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> BenchResult<()> {
    let mut rng = SplitMix64::derive(13, &[2]);
    let sek = Currency::parse("SEK")?;
    let started = Instant::now();
    let mut order = 0;
    while order < num_conversions {
        let size = CONVERSION_CHUNK.min(num_conversions - order);
        let inputs: Vec<ConversionInput> = (order..order + size)
            .map(|o| conversion(&mut rng, clicks, o))
            .collect();
        order += size;
        store.upsert_conversions(inputs, sek, now)?;
    }
    let took = started.elapsed();
    let num_unattributed = store.unattributed(TimeRange::all())?.len();
    println!(
        "conversions attributed: {num_conversions} in {:.1} s ({:.0}/s in writes of {CONVERSION_CHUNK}); {num_unattributed} unattributed",
        took.as_secs_f64(),
        num_conversions as f64 / took.as_secs_f64()
    );
    Ok(())
}

fn single_postbacks(
    store: &SqliteStore,
    clicks: &[StoredClick],
    now: chrono::DateTime<chrono::Utc>,
) -> BenchResult<()> {
    let mut rng = SplitMix64::derive(13, &[3]);
    let sek = Currency::parse("SEK")?;
    let mut times = Vec::with_capacity(SINGLE_POSTBACKS);
    for i in 0..SINGLE_POSTBACKS {
        let input = conversion(&mut rng, clicks, 10_000_000 + i);
        let started = Instant::now();
        store.upsert_conversion(&input, sek, now)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "single postbacks (attributed, durable, one at a time): p50 {:.2} ms, p99 {:.2} ms",
        quantile(&times, 0.5),
        quantile(&times, 0.99)
    );
    Ok(())
}

/// Each grouping's report read from the store itself, `runs` times after two untimed reads.
fn store_alone(path: &std::path::Path, runs: usize) -> BenchResult<()> {
    let store = SqliteStore::open(path)?;
    println!("\n| store alone | rows | p50 ms | p99 ms |\n|---|---:|---:|---:|");
    for group_by in GROUPINGS {
        let period = report_period(None, None, chrono::Utc::now())?;
        let query = EarningsQuery {
            range: period_range(period),
            group_by: report_group_by(Some(group_by))?,
        };
        let mut times = Vec::with_capacity(runs);
        let mut num_rows = 0;
        for run in 0..runs + 2 {
            let started = Instant::now();
            num_rows = store.earnings(query)?.len();
            if run >= 2 {
                times.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| group_by={group_by} | {num_rows} | {:.1} | {:.1} |",
            quantile(&times, 0.5),
            quantile(&times, 0.99)
        );
    }
    Ok(())
}

async fn report(url: &str, name: &str, runs: usize) -> BenchResult<()> {
    let client = reqwest::Client::new();
    let mut times = Vec::with_capacity(runs);
    let mut size = (0, 0);
    for run in 0..runs + 2 {
        let started = Instant::now();
        let response = client.get(url).send().await?;
        if !response.status().is_success() {
            return Err(format!("{url}: {}", response.status()).into());
        }
        let body = response.bytes().await?;
        let took: Duration = started.elapsed();
        if run >= 2 {
            times.push(took.as_secs_f64() * 1000.0);
        }
        let json: serde_json::Value = serde_json::from_slice(&body)?;
        let rows = json["rows"]
            .as_array()
            .or_else(|| json["sales"].as_array())
            .map_or(0, Vec::len);
        size = (rows, body.len());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "| {name} | {} | {} | {:.1} | {:.1} | {:.1} |",
        size.0,
        size.1,
        quantile(&times, 0.5),
        quantile(&times, 0.99),
        times.last().copied().unwrap_or_default()
    );
    Ok(())
}
