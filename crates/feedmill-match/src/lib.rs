//! Product matching: which offers of different merchants describe the same product.
//!
//! The pipeline runs from the cheapest evidence to the most expensive one:
//! 1. identifiers ([`identifiers`]): GTINs compared as GTIN-14, then brand + model code read from
//!    the MPN field or the title ([`text`]), with units and variants (`16GB` ≠ `32GB`, colours,
//!    pack counts) kept apart, and a [`BrandDictionary`] learned from brand fields;
//! 2. candidates ([`blocking`]): exact brand+model keys plus BM25 top-k over title and brand,
//!    capped per offer;
//! 3. a learned pair scorer ([`features`], [`gbdt`], [`MatcherModel`]): cheap features, boosted
//!    trees trained on labelled pairs, a Platt-calibrated score and two thresholds (match and
//!    auto-group) chosen on validation pairs;
//! 4. clustering ([`cluster`]): identifiers, then model keys, then scored pairs above the
//!    auto-group threshold, never chaining two GTINs or two model keys into one product.
//!
//! [`offer_file`] clusters a file of normalized offers in bounded memory (the offers are read
//! once per pass, not held). [`pair_file`] reads the labelled pair format of the public benchmarks and [`evaluation`]
//! measures precision, recall and F1 on it. This crate does no I/O beyond the readers it is given.

pub mod blocking;
pub mod brand;
pub mod cluster;
pub mod eval_report;
pub mod evaluation;
pub mod features;
pub mod gbdt;
pub mod identifiers;
mod matcher_model;
pub mod offer_file;
pub mod pair_file;
pub mod profile;
pub mod record;
pub mod text;
pub mod training;

pub use brand::BrandDictionary;
pub use matcher_model::{MODEL_VERSION, MatcherModel};
pub use profile::{CorpusStats, OfferProfile};
pub use record::ProductRecord;

/// What can go wrong while matching.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("line {line}: {reason}")]
    MalformedPair { line: usize, reason: String },
    #[error("failed to read line {line}: {source}")]
    Read {
        line: usize,
        #[source]
        source: std::io::Error,
    },
    #[error("line {line}: offer is not valid json: {reason}")]
    MalformedOffer { line: usize, reason: String },
    #[error("matcher model is not valid: {0}")]
    BadModel(String),
    #[error("matcher model has version {found}, this build reads version {expected}")]
    ModelVersion { found: u32, expected: u32 },
    #[error("no labelled pairs to {0}")]
    NoPairs(&'static str),
    #[error("failed to write offers: {source}")]
    Write {
        #[source]
        source: std::io::Error,
    },
    #[error("line {line}: the offers changed while they were being clustered")]
    Changed { line: usize },
}
