//! The pair features the scorer learns from: cheap comparisons of two [`OfferProfile`]s.
//!
//! Every feature is a number; `-1` means "cannot be compared" (a field missing on one side),
//! which the trees learn to treat apart. The order of [`FEATURE_NAMES`] is part of the model
//! file format.

use crate::profile::OfferProfile;

pub const FEATURE_NAMES: [&str; NUM_FEATURES] = [
    "weighted_token_jaccard",
    "token_jaccard",
    "trigram_jaccard",
    "weighted_containment",
    "unshared_weight_max",
    "unshared_weight_min",
    "shared_codes",
    "code_conflict",
    "code_prefix",
    "longest_shared_code",
    "unshared_codes",
    "unit_agreements",
    "unit_conflicts",
    "number_agreements",
    "number_conflict",
    "colour_agreement",
    "brand_agreement",
    "first_token_equal",
    "price_ratio",
    "category_jaccard",
    "description_jaccard",
    "mpn_agreement",
    "gtin_agreement",
    "title_length_ratio",
    "title_length_min",
    "core_weighted_jaccard",
    "core_weighted_containment",
    "core_trigram_jaccard",
    "colour_differences",
    "unshared_numbers",
    "shared_weight_outside_core",
];
pub const NUM_FEATURES: usize = 31;

pub type Features = [f32; NUM_FEATURES];

/// Count of common elements of two sorted slices.
fn num_shared<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// Summed weight (from `a_weights`) of the tokens both sides carry.
fn shared_weight(a: &[u64], a_weights: &[f32], b: &[u64]) -> f32 {
    let (mut i, mut j, mut shared) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += a_weights.get(i).copied().unwrap_or(1.0);
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

fn jaccard(shared: usize, a: usize, b: usize) -> f32 {
    let union = a + b - shared;
    if union == 0 {
        0.0
    } else {
        shared as f32 / union as f32
    }
}

fn jaccard_or_missing(a: &[u64], b: &[u64]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return -1.0;
    }
    jaccard(num_shared(a, b), a.len(), b.len())
}

/// Agreement of two optional values: 1 equal, 0 different, -1 missing on a side.
fn agreement<T: PartialEq>(a: Option<&T>, b: Option<&T>) -> f32 {
    match (a, b) {
        (Some(a), Some(b)) => f32::from(u8::from(a == b)),
        _ => -1.0,
    }
}

/// Model codes: `(shared, conflict, prefix, longest shared, unshared)`. Two codes where one
/// starts with the other (`wd20efrx` / `wd20efrx68`) are a prefix relation, not a conflict.
fn code_features(a: &[String], b: &[String]) -> [f32; 5] {
    let mut shared = 0usize;
    let mut longest = 0usize;
    let mut prefix = false;
    for code in a {
        if b.binary_search(code).is_ok() {
            shared += 1;
            longest = longest.max(code.len());
        } else if code.len() >= 4 {
            prefix |= b.iter().any(|o| {
                o.len() >= 4 && (o.starts_with(code.as_str()) || code.starts_with(o.as_str()))
            });
        }
    }
    let conflict = !a.is_empty() && !b.is_empty() && shared == 0 && !prefix;
    let unshared = a.len() + b.len() - 2 * shared;
    [
        shared as f32,
        f32::from(u8::from(conflict)),
        f32::from(u8::from(prefix)),
        longest as f32,
        unshared as f32,
    ]
}

/// Units: `(agreements, conflicts)`, where a conflict is a unit both sides give with no value
/// in common (`16gb` / `32gb`).
fn unit_features(a: &[(u64, u64)], b: &[(u64, u64)]) -> [f32; 2] {
    let (mut agreements, mut conflicts) = (0u32, 0u32);
    let mut index = 0;
    while index < a.len() {
        let unit = a[index].0;
        let end = a[index..]
            .iter()
            .position(|(u, _)| *u != unit)
            .map_or(a.len(), |p| index + p);
        let mut theirs = b
            .iter()
            .filter(|(u, _)| *u == unit)
            .map(|(_, v)| *v)
            .peekable();
        if theirs.peek().is_some() {
            let ours = &a[index..end];
            if theirs.any(|v| ours.iter().any(|(_, o)| *o == v)) {
                agreements += 1;
            } else {
                conflicts += 1;
            }
        }
        index = end;
    }
    [agreements as f32, conflicts as f32]
}

fn price_ratio(a: Option<f64>, b: Option<f64>) -> f32 {
    match (a, b) {
        (Some(a), Some(b)) if a > 0.0 && b > 0.0 => (a.min(b) / a.max(b)) as f32,
        _ => -1.0,
    }
}

/// MPNs: 1 equal, 0 different, 0.75 / 0.25 when only one side has an MPN and the other's
/// title does / does not carry it as a model code, -1 when neither has one.
fn mpn_agreement(a: &OfferProfile, b: &OfferProfile) -> f32 {
    match (&a.mpn, &b.mpn) {
        (Some(x), Some(y)) => f32::from(u8::from(x == y)),
        (Some(x), None) => one_sided_mpn(x, &b.codes),
        (None, Some(y)) => one_sided_mpn(y, &a.codes),
        (None, None) => -1.0,
    }
}

fn one_sided_mpn(mpn: &str, other_codes: &[String]) -> f32 {
    if other_codes.iter().any(|c| c == mpn) {
        0.75
    } else {
        0.25
    }
}

/// The feature vector of a pair (symmetric up to floating-point rounding).
pub fn pair_features(a: &OfferProfile, b: &OfferProfile) -> Features {
    let shared_tokens = num_shared(&a.tokens, &b.tokens);
    let core_shared = shared_weight(a.core_tokens(), a.core_weights(), b.core_tokens());
    let shared_weight = shared_weight(&a.tokens, &a.weights, &b.tokens);
    let core_union = a.core_weight_sum() + b.core_weight_sum() - core_shared;
    let union_weight = a.weight_sum + b.weight_sum - shared_weight;
    let codes = code_features(&a.codes, &b.codes);
    let units = unit_features(&a.units, &b.units);
    let shared_numbers = num_shared(&a.numbers, &b.numbers);
    let both_numbers = !a.numbers.is_empty() && !b.numbers.is_empty();
    let colours = if a.colours == 0 || b.colours == 0 {
        -1.0
    } else {
        f32::from(u8::from(a.colours & b.colours != 0))
    };
    let (short, long) = (
        a.num_title_tokens.min(b.num_title_tokens),
        a.num_title_tokens.max(b.num_title_tokens),
    );
    let mpn = mpn_agreement(a, b);
    [
        if union_weight > 0.0 {
            shared_weight / union_weight
        } else {
            0.0
        },
        jaccard(shared_tokens, a.tokens.len(), b.tokens.len()),
        jaccard(
            num_shared(&a.trigrams, &b.trigrams),
            a.trigrams.len(),
            b.trigrams.len(),
        ),
        shared_weight / a.weight_sum.min(b.weight_sum).max(1e-6),
        (a.weight_sum.max(b.weight_sum) - shared_weight).max(0.0),
        (a.weight_sum.min(b.weight_sum) - shared_weight).max(0.0),
        codes[0],
        codes[1],
        codes[2],
        codes[3],
        codes[4],
        units[0],
        units[1],
        shared_numbers as f32,
        if both_numbers {
            f32::from(u8::from(shared_numbers == 0))
        } else {
            -1.0
        },
        colours,
        agreement(a.brand_hash.as_ref(), b.brand_hash.as_ref()),
        f32::from(u8::from(a.first_token == b.first_token)),
        price_ratio(a.price, b.price),
        jaccard_or_missing(&a.category, &b.category),
        jaccard_or_missing(&a.description, &b.description),
        mpn,
        agreement(a.gtin14.as_ref(), b.gtin14.as_ref()),
        if long == 0 {
            0.0
        } else {
            short as f32 / long as f32
        },
        short as f32,
        if core_union > 0.0 {
            core_shared / core_union
        } else {
            0.0
        },
        core_shared / a.core_weight_sum().min(b.core_weight_sum()).max(1e-6),
        jaccard(
            num_shared(a.core_trigrams(), b.core_trigrams()),
            a.core_trigrams().len(),
            b.core_trigrams().len(),
        ),
        if a.colours == 0 || b.colours == 0 {
            -1.0
        } else {
            (a.colours ^ b.colours).count_ones() as f32
        },
        (a.numbers.len() + b.numbers.len() - 2 * shared_numbers) as f32,
        (shared_weight - core_shared).max(0.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::build_profiles;
    use crate::record::ProductRecord;

    fn features(a: &str, b: &str) -> Features {
        let a = ProductRecord {
            title: a.to_string(),
            ..ProductRecord::default()
        };
        let b = ProductRecord {
            title: b.to_string(),
            ..ProductRecord::default()
        };
        let profiles = build_profiles(&[&a, &b]);
        pair_features(&profiles[0], &profiles[1])
    }

    fn feature(values: &Features, name: &str) -> f32 {
        let index = FEATURE_NAMES
            .iter()
            .position(|n| *n == name)
            .expect("known feature");
        values[index]
    }

    #[test]
    fn shared_model_codes_agree_and_different_ones_conflict() {
        let same = features("WD Red WD20EFRX 2TB", "Western Digital WD20-EFRX");
        assert_eq!(feature(&same, "shared_codes"), 1.0);
        assert_eq!(feature(&same, "code_conflict"), 0.0);
        let other = features("WD Red WD20EFRX 2TB", "WD Red WD30EFRX 3TB");
        assert_eq!(feature(&other, "shared_codes"), 0.0);
        assert_eq!(feature(&other, "code_conflict"), 1.0);
        let prefix = features("WD20EFRX", "WD20EFRX68WT0N0");
        assert_eq!(feature(&prefix, "code_prefix"), 1.0);
        assert_eq!(feature(&prefix, "code_conflict"), 0.0);
    }

    #[test]
    fn variants_conflict() {
        let memory = features("Kingston DDR4 16GB", "Kingston DDR4 32GB");
        assert_eq!(feature(&memory, "unit_conflicts"), 1.0);
        assert_eq!(feature(&memory, "unit_agreements"), 0.0);
        let kit = features("Kingston 16GB (2x8GB)", "Kingston 16 GB");
        assert_eq!(feature(&kit, "unit_conflicts"), 0.0);
        assert_eq!(feature(&kit, "unit_agreements"), 1.0);
        let colour = features("iPhone case black", "iPhone case white");
        assert_eq!(feature(&colour, "colour_agreement"), 0.0);
        assert_eq!(
            feature(&features("case black", "case"), "colour_agreement"),
            -1.0
        );
    }

    #[test]
    fn identical_titles_score_full_similarity() {
        let same = features("Canon EOS 70D body", "canon eos 70d BODY");
        assert!((feature(&same, "weighted_token_jaccard") - 1.0).abs() < 1e-6);
        assert!((feature(&same, "trigram_jaccard") - 1.0).abs() < 1e-6);
        assert_eq!(feature(&same, "price_ratio"), -1.0);
        assert_eq!(feature(&same, "first_token_equal"), 1.0);
    }
}
