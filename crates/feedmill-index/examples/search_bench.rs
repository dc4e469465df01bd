//! Latency of the index at catalogue scale: builds an index of generated offers (default
//! 1,000,000 in 10 sources) and times searches single-threaded.
//!
//! ```text
//! cargo run --release -p feedmill-index --example search_bench -- [num_offers] [index_dir]
//! ```
//! With an `index_dir` that already holds offers, the build is skipped.

use feedmill_index::{FacetKind, IngestMeta, IngestOptions, OfferIndex, SearchRequest, SortOrder};
use feedmill_model::{Availability, Currency, Gtin, Network, Offer};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const NUM_SOURCES: usize = 10;
const WORDS: &[&str] = &[
    "hoodie", "jacket", "shoes", "running", "trail", "camera", "lens", "tripod", "bag", "sport",
    "winter", "summer", "wool", "cotton", "leather", "black", "white", "grön", "blå", "röd",
    "classic", "pro", "mini", "max", "ultra", "light", "warm", "waterproof", "kids", "women",
    "men", "coffee", "maker", "kettle", "phone", "case", "charger", "cable", "speaker", "headphones",
];
const BRANDS: &[&str] = &[
    "Nike", "Adidas", "Björn Borg", "Salomon", "Fujifilm", "Canon", "Sony", "Philips", "Bosch",
    "Apple", "Samsung", "Fjällräven", "Haglöfs", "Peak Performance", "Jabra",
];
const CATEGORIES: &[&str] = &[
    "Kläder > Tröjor", "Kläder > Jackor", "Sport > Skor > Löparskor", "Sport > Skor > Trail",
    "Elektronik > Kameror", "Elektronik > Ljud", "Hem > Kök", "Elektronik > Mobiler > Tillbehör",
];

/// xorshift64*: deterministic and dependency-free, enough to spread generated values.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn gtin_for(product: u64) -> Option<Gtin> {
    let body = format!("{:012}", 400_000_000_000 + product * 7919);
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    Gtin::parse(&format!("{body}{}", (10 - sum % 10) % 10)).ok()
}

fn generate(rng: &mut Rng, source: &str, i: usize, sek: Currency) -> Offer {
    let product = rng.next() % 200_000;
    let title = format!(
        "{} {} {} {}",
        rng.pick(WORDS),
        rng.pick(WORDS),
        rng.pick(WORDS),
        product
    );
    let price = Decimal::new((rng.next() % 500_000) as i64 + 100, 2);
    Offer {
        id: format!("{source}:{i}"),
        source: source.to_string(),
        network: Network::ALL[(rng.next() % 6) as usize],
        merchant_id: None,
        merchant_name: Some(format!("Merchant {}", rng.next() % 300)),
        program_id: None,
        sku: Some(i.to_string()),
        gtin: if rng.next() % 3 == 0 { None } else { gtin_for(product) },
        mpn: None,
        title,
        description: Some(format!("{} {} {}", rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS))),
        brand: Some(rng.pick(BRANDS).to_string()),
        category: Some(rng.pick(CATEGORIES).to_string()),
        price,
        old_price: (rng.next() % 4 == 0).then(|| price * Decimal::new(13, 1)),
        currency: sek,
        shipping: Some(Decimal::new(4900, 2)),
        availability: if rng.next() % 5 == 0 { Availability::OutOfStock } else { Availability::InStock },
        product_url: Some(format!("https://{source}.example/p/{i}")),
        tracking_url: None,
        image_url: Some(format!("https://{source}.example/img/{i}.jpg")),
        additional_images: Vec::new(),
        updated_at: None,
        extra: BTreeMap::new(),
    }
}

fn build(index: &OfferIndex, num_offers: usize) -> Result<(), Box<dyn std::error::Error>> {
    let sek = Currency::parse("SEK")?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let per_source = num_offers / NUM_SOURCES;
    for s in 0..NUM_SOURCES {
        let source = format!("source{s}");
        let started = Instant::now();
        let mut ingest = index.begin_source_ingest(&source, IngestOptions::default())?;
        for i in 0..per_source {
            ingest.add(&generate(&mut rng, &source, i, sek))?;
        }
        let outcome = ingest.commit(IngestMeta {
            content_hash: format!("bench-{s}"),
            num_rejected: 0,
            duration: started.elapsed(),
        })?;
        println!(
            "ingested {source}: {} offers in {:.1?}",
            outcome.stats.num_offers,
            started.elapsed()
        );
    }
    Ok(())
}

fn percentiles(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99), at(1.0))
}

fn bench(index: &OfferIndex, name: &str, requests: &[SearchRequest]) -> Result<(), Box<dyn std::error::Error>> {
    for request in requests.iter().take(20) {
        index.search(request)?; // warm the page cache
    }
    let mut times = Vec::new();
    let mut total_hits = 0;
    for _ in 0..5 {
        for request in requests {
            let started = Instant::now();
            total_hits += index.search(request)?.total;
            times.push(started.elapsed());
        }
    }
    let (p50, p99, max) = percentiles(times);
    println!("{name:<34} p50 {p50:>9.2?}  p99 {p99:>9.2?}  max {max:>9.2?}  (avg hits {})", total_hits / (5 * requests.len() as u64));
    Ok(())
}

/// The first three letters, as typed so far.
fn prefix(word: &str) -> String {
    word.chars().take(3).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let num_offers: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(1_000_000);
    let dir = args.next().map(PathBuf::from);
    let scratch = tempfile::tempdir()?;
    let dir = dir.unwrap_or_else(|| scratch.path().join("index"));
    let index = OfferIndex::open_or_create(&dir)?;
    if index.num_offers() == 0 {
        let started = Instant::now();
        build(&index, num_offers)?;
        println!("built {} offers in {:.1?}", index.num_offers(), started.elapsed());
    }
    let mut rng = Rng(42);
    let queries: Vec<String> = (0..200)
        .map(|i| match i % 4 {
            0 => rng.pick(WORDS).to_string(),
            1 => format!("{} {}", rng.pick(WORDS), rng.pick(WORDS)),
            2 => format!("{} {}", rng.pick(WORDS), prefix(rng.pick(WORDS))),
            _ => format!("{}x", rng.pick(WORDS)), // a typo
        })
        .collect();
    let text: Vec<SearchRequest> = queries
        .iter()
        .map(|q| SearchRequest { query: Some(q.clone()), ..SearchRequest::default() })
        .collect();
    let full: Vec<SearchRequest> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| SearchRequest {
            query: Some(q.clone()),
            in_stock: true,
            max_price: Some(Decimal::from(3000)),
            brands: if i % 2 == 0 { vec![BRANDS[i % BRANDS.len()].to_string()] } else { vec![] },
            sort: SortOrder::ALL[i % 5],
            facets: FacetKind::ALL.to_vec(),
            ..SearchRequest::default()
        })
        .collect();
    let grouped: Vec<SearchRequest> = full
        .iter()
        .map(|r| SearchRequest { group_by_gtin: true, ..r.clone() })
        .collect();
    let browse: Vec<SearchRequest> = CATEGORIES
        .iter()
        .map(|c| SearchRequest {
            category: Some(c.to_string()),
            facets: FacetKind::ALL.to_vec(),
            sort: SortOrder::PriceAsc,
            ..SearchRequest::default()
        })
        .collect();
    let all_grouped = vec![SearchRequest { group_by_gtin: true, ..SearchRequest::default() }];
    for (kind, label) in ["one word", "two words", "word + prefix", "typo"].iter().enumerate() {
        let of_kind: Vec<SearchRequest> = full.iter().skip(kind).step_by(4).cloned().collect();
        bench(&index, &format!("  full, {label}"), &of_kind)?;
    }
    bench(&index, "text", &text)?;
    bench(&index, "text + filters + facets", &full)?;
    bench(&index, "text + filters + facets, grouped", &grouped)?;
    bench(&index, "category browse + facets", &browse)?;
    bench(&index, "everything, grouped", &all_grouped)?;
    let started = Instant::now();
    for q in &queries {
        index.suggest(&prefix(q), 10)?;
    }
    println!("suggest avg {:.2?}", started.elapsed() / queries.len() as u32);
    Ok(())
}
