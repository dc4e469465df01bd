//! Synthetic offers for the index examples (`search_bench`, `ingest_bench`): deterministic,
//! dependency-free, shaped like product text.
//!
//! Titles and descriptions draw words from a 20,000-word vocabulary with Zipf frequencies, as
//! product text has: a few words are frequent, most are rare. An [`OfferShape`] sets how many
//! words a title and a description have.

// Each example uses part of this module.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use feedmill_model::Decimal;
use feedmill_model::{Availability, Currency, Gtin, Network, Offer};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

pub const WORDS: &[&str] = &[
    "hoodie",
    "jacket",
    "shoes",
    "running",
    "trail",
    "camera",
    "lens",
    "tripod",
    "bag",
    "sport",
    "winter",
    "summer",
    "wool",
    "cotton",
    "leather",
    "black",
    "white",
    "grön",
    "blå",
    "röd",
    "classic",
    "pro",
    "mini",
    "max",
    "ultra",
    "light",
    "warm",
    "waterproof",
    "kids",
    "women",
    "men",
    "coffee",
    "maker",
    "kettle",
    "phone",
    "case",
    "charger",
    "cable",
    "speaker",
    "headphones",
];
pub const BRANDS: &[&str] = &[
    "Nike",
    "Adidas",
    "Björn Borg",
    "Salomon",
    "Fujifilm",
    "Canon",
    "Sony",
    "Philips",
    "Bosch",
    "Apple",
    "Samsung",
    "Fjällräven",
    "Haglöfs",
    "Peak Performance",
    "Jabra",
];
pub const CATEGORIES: &[&str] = &[
    "Kläder > Tröjor",
    "Kläder > Jackor",
    "Sport > Skor > Löparskor",
    "Sport > Skor > Trail",
    "Elektronik > Kameror",
    "Elektronik > Ljud",
    "Hem > Kök",
    "Elektronik > Mobiler > Tillbehör",
];

/// xorshift64*: deterministic and dependency-free, enough to spread generated values.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Pseudo-words from syllables (some with å, ä, ö, as Swedish feeds have), after the 40 real
/// `WORDS`, which take the top ranks.
pub fn vocabulary(size: usize) -> Vec<String> {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ber", "ton", "sa", "vik", "ro", "dal", "en", "ström", "gå", "lä", "nor",
        "tek", "pi", "us", "ar", "fi", "ma", "sko", "ver", "ta", "bo", "len", "rin",
    ];
    let mut words: Vec<String> = WORDS.iter().map(|w| w.to_string()).collect();
    let mut known: HashSet<String> = words.iter().cloned().collect();
    let mut rng = Rng(7);
    while words.len() < size {
        let num_syllables = 2 + rng.below(3);
        let word: String = (0..num_syllables).map(|_| rng.pick(SYLLABLES)).collect();
        if known.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

/// Samples ranks 0..n with probability proportional to 1 / (rank + ZIPF_OFFSET).
struct Zipf {
    cumulative: Vec<f64>,
}

/// Flattens the head of the distribution: the most frequent word is ~1.3 % of all words (in
/// ~6 % of titles, ~15 % of descriptions), like the top content words of real product text,
/// where the even more frequent words are stop words nobody searches alone.
const ZIPF_OFFSET: f64 = 10.0;

impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|rank| {
                total += 1.0 / (rank as f64 + ZIPF_OFFSET);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let target = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        self.cumulative.partition_point(|c| *c < target)
    }
}

/// Words per title (`min_title_words` plus up to `title_word_spread - 1`) and per description;
/// `feed_fields` adds what real feeds carry besides text: a tracking URL and an update time.
#[derive(Debug, Clone, Copy)]
pub struct OfferShape {
    pub min_title_words: usize,
    pub title_word_spread: u64,
    pub description_words: usize,
    pub feed_fields: bool,
}

impl OfferShape {
    /// Short texts (titles ~40 characters, descriptions ~90): the search benchmark's catalogue.
    pub const SHORT: OfferShape = OfferShape {
        min_title_words: 3,
        title_word_spread: 5,
        description_words: 12,
        feed_fields: false,
    };
    /// Feed-sized texts (titles ~60 characters, descriptions ~200): the ingest benchmark's.
    pub const FEED: OfferShape = OfferShape {
        min_title_words: 6,
        title_word_spread: 3,
        description_words: 27,
        feed_fields: true,
    };
}

pub struct Generator {
    words: Vec<String>,
    zipf: Zipf,
    sek: Currency,
}

impl Generator {
    pub fn new() -> Result<Generator, Box<dyn std::error::Error>> {
        let words = vocabulary(20_000);
        let zipf = Zipf::new(words.len());
        Ok(Generator {
            words,
            zipf,
            sek: Currency::parse("SEK")?,
        })
    }

    pub fn word(&self, rng: &mut Rng) -> &str {
        &self.words[self.zipf.sample(rng)]
    }

    fn text(&self, rng: &mut Rng, num_words: usize) -> String {
        (0..num_words)
            .map(|_| self.word(rng))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The `i`-th offer of `source`: one of 200,000 products, two in three with a GTIN.
    pub fn offer(&self, rng: &mut Rng, shape: OfferShape, source: &str, i: usize) -> Offer {
        let product = rng.next() % 200_000;
        let num_words = shape.min_title_words + (rng.next() % shape.title_word_spread) as usize;
        let title = format!("{} {product}", self.text(rng, num_words));
        let price = Decimal::new((rng.next() % 500_000) as i64 + 100, 2);
        Offer {
            id: format!("{source}:{i}"),
            source: source.to_string(),
            network: Network::ALL[(rng.next() % 6) as usize],
            merchant_id: None,
            merchant_name: Some(format!("Merchant {}", rng.next() % 300)),
            program_id: None,
            sku: Some(i.to_string()),
            gtin: if rng.next().is_multiple_of(3) {
                None
            } else {
                gtin_for(product)
            },
            mpn: None,
            title,
            description: Some(self.text(rng, shape.description_words)),
            brand: Some(rng.pick(BRANDS).to_string()),
            category: Some(rng.pick(CATEGORIES).to_string()),
            price,
            old_price: rng
                .next()
                .is_multiple_of(4)
                .then(|| price * Decimal::new(13, 1)),
            currency: self.sek,
            shipping: Some(Decimal::new(4900, 2)),
            availability: if rng.next().is_multiple_of(5) {
                Availability::OutOfStock
            } else {
                Availability::InStock
            },
            product_url: Some(format!("https://{source}.example/p/{i}")),
            tracking_url: shape.feed_fields.then(|| tracking_url(source, i)),
            image_url: Some(format!("https://{source}.example/img/{i}.jpg")),
            additional_images: Vec::new(),
            updated_at: shape.feed_fields.then(|| updated_at(i)).flatten(),
            extra: BTreeMap::new(),
        }
    }
}

/// A valid EAN-13 per product, so offers of one product group together.
pub fn gtin_for(product: u64) -> Option<Gtin> {
    Gtin::with_check_digit(&format!("{:012}", 400_000_000_000 + product * 7919))
}

/// An affiliate click URL of the usual length (~110 characters) wrapping the product page.
fn tracking_url(source: &str, i: usize) -> String {
    format!(
        "https://click.network.example/t/?a=482913&m=1207&ep={i}&url=https%3A%2F%2F{source}.example%2Fp%2F{i}"
    )
}

/// Spread over the 90 days after 2025-01-01.
fn updated_at(i: usize) -> Option<DateTime<Utc>> {
    const EPOCH: i64 = 1_735_689_600;
    DateTime::from_timestamp(EPOCH + (i as i64 * 7919) % (90 * 86_400), 0)
}

/// User + system time of every thread of the process so far; zero where `/proc` is missing.
pub fn process_cpu() -> Duration {
    // `/proc/self/stat` counts in clock ticks of 1/100 s (USER_HZ, 100 on every Linux we run).
    const TICKS_PER_SECOND: u64 = 100;
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name, which is in parentheses and may hold spaces, start with
    // the state; utime and stime are the 12th and 13th of them.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((field(11) + field(12)) * 1000 / TICKS_PER_SECOND)
}
