//! An offer prepared for comparison: hashed tokens with their weights, character trigrams,
//! model codes, units and variants, computed once per offer so that scoring a pair is cheap.
//!
//! Token weights are inverse document frequencies ([`CorpusStats`]) of the offers being matched
//! (a feed's offers, or the records of a pair file): a word that half the offers carry says
//! little, a rare one says a lot.

use crate::brand::BrandDictionary;
use crate::identifiers::gtin14;
use crate::record::ProductRecord;
use crate::text::{analyse, normalize_code, token_hash};
use rust_decimal::prelude::ToPrimitive;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct OfferProfile {
    /// Title and brand tokens, hashed, sorted, unique.
    pub tokens: Vec<u64>,
    /// The weight of each token of `tokens` (filled by [`OfferProfile::apply_weights`]).
    pub weights: Vec<f32>,
    pub weight_sum: f32,
    /// Character trigrams of the title, hashed, sorted, unique.
    pub trigrams: Vec<u32>,
    /// The tokens of the core title ([`core_title`]), with their weights, and its trigrams;
    /// all empty when the core is the whole title (most offers), which the accessors
    /// ([`OfferProfile::core_tokens`], ...) then answer with: a million offers need not hold
    /// their titles twice.
    core_tokens: Vec<u64>,
    core_weights: Vec<f32>,
    core_weight_sum: f32,
    core_trigrams: Vec<u32>,
    core_is_title: bool,
    /// Model codes of the title and the MPN, normalized, sorted, unique.
    pub codes: Vec<String>,
    /// `(unit, value)` hashes, sorted, unique.
    pub units: Vec<(u64, u64)>,
    pub numbers: Vec<u64>,
    pub colours: u32,
    /// The canonical brand: the brand field, or the first known brand in the title.
    pub brand: Option<String>,
    pub brand_hash: Option<u64>,
    pub mpn: Option<String>,
    pub gtin14: Option<String>,
    pub price: Option<f64>,
    pub category: Vec<u64>,
    pub description: Vec<u64>,
    pub first_token: u64,
    pub num_title_tokens: u32,
}

fn sorted_unique<T: Ord>(mut values: Vec<T>) -> Vec<T> {
    values.sort_unstable();
    values.dedup();
    values
}

fn hashed_words(text: &str) -> Vec<u64> {
    sorted_unique(
        analyse(text)
            .tokens
            .iter()
            .map(|t| token_hash(t.as_bytes()))
            .collect(),
    )
}

/// Character trigrams of the letters and digits of `title`, words separated by one space.
fn trigrams(title: &str) -> Vec<u32> {
    let mut chars: Vec<char> = Vec::with_capacity(title.len());
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            chars.push(c);
        } else if chars.last().is_some_and(|last| *last != ' ') {
            chars.push(' ');
        }
    }
    let mut grams = Vec::with_capacity(chars.len());
    let mut buffer = [0u8; 12];
    for window in chars.windows(3) {
        let mut len = 0;
        for c in window {
            len += c.encode_utf8(&mut buffer[len..]).len();
        }
        // Truncation to 32 bits: trigram sets are small, collisions are negligible.
        grams.push(token_hash(&buffer[..len]) as u32);
    }
    sorted_unique(grams)
}

/// The product name inside a page title: web offers often write `"Name"@en rest of the page
/// title`; the quoted part is the name, the rest is shop noise. Titles without that shape are
/// their own core.
pub fn core_title(title: &str) -> &str {
    let trimmed = title.trim_start();
    let Some(rest) = trimmed.strip_prefix('"') else {
        return title;
    };
    match rest.find('"') {
        Some(end) if !rest[..end].trim().is_empty() => &rest[..end],
        _ => title,
    }
}

impl OfferProfile {
    pub fn build(record: &ProductRecord, brands: &BrandDictionary) -> OfferProfile {
        let title = analyse(&record.title);
        let words: Vec<&str> = title.tokens.iter().map(String::as_str).collect();
        let brand = record
            .brand
            .as_deref()
            .and_then(|b| brands.canonical(b))
            .or_else(|| brands.find_in_title(&words));
        let mut tokens: Vec<u64> = words.iter().map(|t| token_hash(t.as_bytes())).collect();
        if let Some(brand) = &brand {
            tokens.extend(brand.split(' ').map(|w| token_hash(w.as_bytes())));
        }
        let mpn = record
            .mpn
            .as_deref()
            .map(normalize_code)
            .filter(|m| !m.is_empty());
        let mut codes = title.model_codes.clone();
        codes.extend(mpn.iter().cloned());
        let units = title
            .units
            .iter()
            .map(|u| {
                (
                    token_hash(u.unit.as_bytes()),
                    token_hash(u.value.as_bytes()),
                )
            })
            .collect();
        let core = core_title(&record.title);
        let core_is_title = core.len() == record.title.len();
        let (core_tokens, core_trigrams) = if core_is_title {
            (Vec::new(), Vec::new())
        } else {
            (hashed_words(core), trigrams(core))
        };
        OfferProfile {
            core_tokens,
            core_weights: Vec::new(),
            core_weight_sum: 0.0,
            core_trigrams,
            core_is_title,
            first_token: words.first().map_or(0, |w| token_hash(w.as_bytes())),
            num_title_tokens: u32::try_from(words.len()).unwrap_or(u32::MAX),
            tokens: sorted_unique(tokens),
            weights: Vec::new(),
            weight_sum: 0.0,
            trigrams: trigrams(&record.title),
            codes: sorted_unique(codes),
            units: sorted_unique(units),
            numbers: sorted_unique(
                title
                    .numbers
                    .iter()
                    .map(|n| token_hash(n.as_bytes()))
                    .collect(),
            ),
            colours: title.colours,
            brand_hash: brand.as_deref().map(|b| token_hash(b.as_bytes())),
            brand,
            mpn,
            gtin14: record.gtin.as_deref().and_then(gtin14),
            price: record.price.and_then(|p| p.to_f64()),
            category: record
                .category
                .as_deref()
                .map(hashed_words)
                .unwrap_or_default(),
            description: record
                .description
                .as_deref()
                .map(hashed_words)
                .unwrap_or_default(),
        }
    }

    /// Fills the token weights from the corpus statistics.
    pub fn apply_weights(&mut self, stats: &CorpusStats) {
        self.weights = self.tokens.iter().map(|t| stats.idf(*t)).collect();
        self.weight_sum = self.weights.iter().sum();
        self.core_weights = self.core_tokens.iter().map(|t| stats.idf(*t)).collect();
        self.core_weight_sum = self.core_weights.iter().sum();
    }

    /// The core title's tokens (the title's own when the core is the whole title).
    pub fn core_tokens(&self) -> &[u64] {
        if self.core_is_title {
            &self.tokens
        } else {
            &self.core_tokens
        }
    }

    pub fn core_weights(&self) -> &[f32] {
        if self.core_is_title {
            &self.weights
        } else {
            &self.core_weights
        }
    }

    pub fn core_weight_sum(&self) -> f32 {
        if self.core_is_title {
            self.weight_sum
        } else {
            self.core_weight_sum
        }
    }

    pub fn core_trigrams(&self) -> &[u32] {
        if self.core_is_title {
            &self.trigrams
        } else {
            &self.core_trigrams
        }
    }
}

/// Document frequencies of tokens over a set of offers.
#[derive(Debug, Clone, Default)]
pub struct CorpusStats {
    document_frequency: HashMap<u64, u32>,
    num_documents: u32,
}

impl CorpusStats {
    /// Counts each distinct token set once, so that an offer repeated in many pairs does not
    /// make its words look common.
    pub fn from_profiles<'a>(profiles: impl IntoIterator<Item = &'a OfferProfile>) -> CorpusStats {
        let mut stats = CorpusStats::default();
        let mut seen = HashSet::new();
        for profile in profiles {
            let identity = profile
                .tokens
                .iter()
                .fold(0u64, |h, t| h.rotate_left(7) ^ t);
            if !seen.insert(identity) {
                continue;
            }
            stats.num_documents += 1;
            for token in &profile.tokens {
                *stats.document_frequency.entry(*token).or_insert(0) += 1;
            }
        }
        stats
    }

    /// The BM25 inverse document frequency (never negative).
    pub fn idf(&self, token: u64) -> f32 {
        let df = self.document_frequency.get(&token).copied().unwrap_or(0) as f32;
        let n = self.num_documents as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }
}

/// Builds the profiles of `records` with brands learned from their brand fields, and weights
/// their tokens with the records' own corpus statistics.
pub fn build_profiles(records: &[&ProductRecord]) -> Vec<OfferProfile> {
    let brands = BrandDictionary::learn(records.iter().filter_map(|r| r.brand.as_deref()));
    let mut profiles: Vec<OfferProfile> = records
        .iter()
        .map(|r| OfferProfile::build(r, &brands))
        .collect();
    let stats = CorpusStats::from_profiles(&profiles);
    for profile in &mut profiles {
        profile.apply_weights(&stats);
    }
    profiles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(title: &str) -> ProductRecord {
        ProductRecord {
            title: title.to_string(),
            ..ProductRecord::default()
        }
    }

    #[test]
    fn rare_tokens_weigh_more_than_common_ones() {
        let a = record("canon eos 70d");
        let b = record("canon eos 80d");
        let c = record("canon powershot");
        let profiles = build_profiles(&[&a, &b, &c]);
        let stats = CorpusStats::from_profiles(&profiles);
        let canon = token_hash(b"canon");
        let powershot = token_hash(b"powershot");
        assert!(stats.idf(powershot) > stats.idf(canon));
        assert!(profiles[0].weight_sum > 0.0);
    }

    #[test]
    fn the_core_title_is_the_quoted_name() {
        assert_eq!(
            core_title("\"Canon EOS 70D\"@en \"DSLR Bundles | EISF\"@en"),
            "Canon EOS 70D"
        );
        assert_eq!(core_title("Canon EOS 70D"), "Canon EOS 70D");
        assert_eq!(core_title("\"\" rest"), "\"\" rest");
    }

    #[test]
    fn the_brand_comes_from_the_field_or_the_title() {
        let with_field = ProductRecord {
            brand: Some("Canon Inc.".into()),
            ..record("EOS 70D")
        };
        let without = record("New Canon EOS 80D");
        let profiles = build_profiles(&[&with_field, &without]);
        assert_eq!(profiles[0].brand.as_deref(), Some("canon"));
        assert_eq!(profiles[1].brand.as_deref(), Some("canon"));
    }
}
