//! Synthetic offers in memory, for the benchmarks of the index and the API (`search_bench`,
//! `search_load`, `ingest_bench`, `load`): deterministic, shaped like product text, drawn with
//! feedmill-gen's own PRNG and Zipf law (the benchmarks have no others).
//!
//! Titles and descriptions draw words from a 20,000-word vocabulary with Zipf frequencies, as
//! product text has: a few words are frequent, most are rare. An [`OfferShape`] sets how many
//! words a title and a description have. [`build_index`] ingests such a catalogue through the
//! pipeline, as `feedmill ingest` writes a source.

use chrono::{DateTime, Utc};
use feedmill_gen::rng::{SplitMix64, Zipf};
use feedmill_index::{IngestMeta, IngestOptions, OfferIndex};
use feedmill_model::Decimal;
use feedmill_model::{Availability, Currency, Gtin, Network, Offer};
use feedmill_pipeline::{IndexSink, ingest_offers};
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

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

/// The seed of the catalogues' offer stream (the benchmarks' fixed choice).
pub const CATALOGUE_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// A number in `0..n`.
fn below(rng: &mut SplitMix64, n: usize) -> usize {
    rng.below(n as u64) as usize
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
    let mut rng = SplitMix64::new(7);
    while words.len() < size {
        let num_syllables = 2 + below(&mut rng, 3);
        let word: String = (0..num_syllables).map(|_| *rng.pick(SYLLABLES)).collect();
        if known.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

/// Flattens the head of the word distribution: the most frequent word is ~1.3 % of all words
/// (in ~6 % of titles, ~15 % of descriptions), like the top content words of real product
/// text, where the even more frequent words are stop words nobody searches alone.
const ZIPF_SHIFT: f64 = 9.0;

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
    pub fn new() -> Result<Generator, Box<dyn std::error::Error + Send + Sync>> {
        let words = vocabulary(20_000);
        let zipf = Zipf::shifted(words.len(), 1.0, ZIPF_SHIFT);
        Ok(Generator {
            words,
            zipf,
            sek: Currency::parse("SEK")?,
        })
    }

    pub fn word(&self, rng: &mut SplitMix64) -> &str {
        &self.words[self.zipf.sample(rng)]
    }

    fn text(&self, rng: &mut SplitMix64, num_words: usize) -> String {
        (0..num_words)
            .map(|_| self.word(rng))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The `i`-th offer of `source`: one of 200,000 products, two in three with a GTIN.
    pub fn offer(&self, rng: &mut SplitMix64, shape: OfferShape, source: &str, i: usize) -> Offer {
        let product = rng.next_u64() % 200_000;
        let num_words = shape.min_title_words + (rng.next_u64() % shape.title_word_spread) as usize;
        let title = format!("{} {product}", self.text(rng, num_words));
        let price = Decimal::new((rng.next_u64() % 500_000) as i64 + 100, 2);
        Offer {
            id: format!("{source}:{i}"),
            source: source.to_string(),
            network: Network::ALL[(rng.next_u64() % 6) as usize],
            merchant_id: None,
            merchant_name: Some(format!("Merchant {}", rng.next_u64() % 300)),
            program_id: None,
            sku: Some(i.to_string()),
            gtin: if rng.next_u64().is_multiple_of(3) {
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
                .next_u64()
                .is_multiple_of(4)
                .then(|| price * Decimal::new(13, 1)),
            currency: self.sek,
            shipping: Some(Decimal::new(4900, 2)),
            availability: if rng.next_u64().is_multiple_of(5) {
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
            product_id: None,
            product_match: None,
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

/// An index in `dir` of `num_offers` generated offers (`shape`) in `num_sources` sources,
/// each ingested through the pipeline in one commit; an index already holding offers is
/// reused as it is. The writer is released afterwards, so merges are done when it returns.
pub fn build_index(
    dir: &std::path::Path,
    num_offers: usize,
    num_sources: usize,
    shape: OfferShape,
) -> crate::measure::BenchResult<OfferIndex> {
    let index = OfferIndex::open_or_create(dir)?;
    if index.num_offers() > 0 {
        eprintln!("reusing {} offers in {}", index.num_offers(), dir.display());
        return Ok(index);
    }
    let generator = Generator::new()?;
    let mut rng = SplitMix64::new(CATALOGUE_SEED);
    let mut sink = IndexSink::new(index.clone());
    let num_sources = num_sources.max(1);
    for s in 0..num_sources {
        let source = format!("source{s}");
        let started = Instant::now();
        let mut offers: Vec<Offer> = (s..num_offers)
            .step_by(num_sources)
            .map(|i| generator.offer(&mut rng, shape, &source, i))
            .collect();
        let meta = IngestMeta {
            content_hash: format!("catalogue-{s}"),
            num_rejected: 0,
            duration: started.elapsed(),
        };
        let outcome = ingest_offers(
            &mut sink,
            &source,
            IngestOptions::default(),
            &mut offers,
            &meta,
        )?;
        eprintln!(
            "ingested {source}: {} offers in {:.1?}",
            outcome.stats.num_offers,
            started.elapsed()
        );
    }
    index.release_writer();
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_the_same_for_the_same_seed()
    -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let generator = Generator::new()?;
        let draw = || {
            let mut rng = SplitMix64::new(CATALOGUE_SEED);
            (0..50)
                .map(|i| generator.offer(&mut rng, OfferShape::FEED, "s", i))
                .collect::<Vec<_>>()
        };
        let (first, second) = (draw(), draw());
        assert_eq!(first, second);
        assert!(
            first
                .iter()
                .all(|o| o.tracking_url.is_some() && !o.title.is_empty())
        );
        let distinct: HashSet<&str> = first.iter().map(|o| o.title.as_str()).collect();
        assert!(distinct.len() > 45);
        Ok(())
    }

    #[test]
    fn the_top_words_are_frequent_but_not_dominant()
    -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let generator = Generator::new()?;
        let mut rng = SplitMix64::new(1);
        let draws = 50_000;
        let top = (0..draws)
            .filter(|_| generator.word(&mut rng) == WORDS[0])
            .count();
        let share = top as f64 / draws as f64;
        assert!((0.005..0.03).contains(&share), "{share}");
        Ok(())
    }

    #[test]
    fn built_indexes_hold_every_offer_in_their_sources() -> crate::measure::BenchResult<()> {
        let dir = tempfile::tempdir()?;
        let index = build_index(dir.path(), 1000, 4, OfferShape::SHORT)?;
        assert_eq!(index.num_offers(), 1000);
        assert_eq!(index.stats()?.len(), 4);
        Ok(())
    }
}
