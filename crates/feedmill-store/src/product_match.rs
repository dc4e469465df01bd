//! [`ProductMatchStore`]: what the ingest's product matcher keeps between refreshes — each
//! offer's decision with the fingerprint of the evidence it read (so an unchanged offer is not
//! scored again), the GTINs the catalogue's offers give each brand + model key, the pairs
//! waiting for an operator, and the operators' pins.

use crate::error::StoreResult;
use chrono::{DateTime, Utc};
use feedmill_model::ProductMatch;
use std::collections::{HashMap, HashSet};

/// Where an operator put an offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinTarget {
    /// Into this product, whatever the matcher says.
    Product(String),
    /// Alone: split off from every other offer.
    Split,
}

/// An operator's decision about one offer, applied on every ingest of its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductPin {
    pub offer_id: String,
    pub source: String,
    pub target: PinTarget,
    pub created_at: DateTime<Utc>,
}

/// The matcher's decision for one offer, as of the source's last committed ingest.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMatch {
    pub offer_id: String,
    /// A hash of what the matcher read of the offer: the same fingerprint later means the
    /// decision still holds.
    pub fingerprint: u64,
    pub product_id: String,
    pub product_match: ProductMatch,
    /// A brand + model decision that found no GTIN for its key: decided again at every ingest
    /// (one lookup), so that it joins the GTIN's product once some offer shows it.
    pub awaits_gtin: bool,
}

/// What one ingest of a source changed, against what the store held for it: decisions added
/// or changed, offers gone, model keys seen and no longer seen. The review list is replaced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceMatchUpdate {
    pub upserts: Vec<StoredMatch>,
    pub removed_offers: Vec<String>,
    pub model_gtins_added: Vec<ModelGtin>,
    pub model_gtins_removed: Vec<ModelGtin>,
    pub reviews: Vec<MatchReview>,
    /// The pin generation the ingest read its pins at.
    pub pin_generation: u64,
}

/// A pair scored between the match and the auto-group threshold: the offer stays alone until
/// an operator pins it.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchReview {
    pub offer_id: String,
    pub source: String,
    pub title: String,
    pub candidate_offer_id: String,
    pub candidate_title: String,
    pub candidate_product_id: String,
    pub score: f32,
    pub created_at: DateTime<Utc>,
}

/// A brand + model key seen on an offer with this GTIN (as GTIN-14).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelGtin {
    pub model_key: String,
    pub gtin14: String,
}

/// Everything one ingest of a source decided, written together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceMatches {
    pub matches: Vec<StoredMatch>,
    pub model_gtins: Vec<ModelGtin>,
    pub reviews: Vec<MatchReview>,
    /// The source's pin generation the ingest read its pins at (see [`PinGeneration`]).
    pub pin_generation: u64,
}

/// How often a source's pins changed, and how many of those changes its last stored ingest
/// applied: while `current > applied`, the source's next refresh re-ingests it even when its
/// feed is unchanged, so that an operator's pin or unpin takes effect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinGeneration {
    pub current: u64,
    pub applied: u64,
}

impl PinGeneration {
    pub fn is_pending(&self) -> bool {
        self.current > self.applied
    }
}

/// Product matching state. Like every store trait: synchronous, durable on return.
pub trait ProductMatchStore {
    /// The decisions of `source`'s last committed ingest, by offer id.
    fn source_matches(&self, source: &str) -> StoreResult<HashMap<String, StoredMatch>>;
    /// Replaces everything stored for `source` (decisions, model keys, review entries) in one
    /// transaction.
    fn replace_source_matches(&self, source: &str, matches: &SourceMatches) -> StoreResult<()>;
    /// Applies what one ingest of `source` changed, in one transaction.
    fn update_source_matches(&self, source: &str, update: &SourceMatchUpdate) -> StoreResult<()>;
    /// The brand + model keys `source`'s offers gave GTINs to.
    fn source_model_gtins(&self, source: &str) -> StoreResult<HashSet<ModelGtin>>;
    /// Forgets `source`'s decisions, model keys and review entries (not its pins).
    fn delete_source_matches(&self, source: &str) -> StoreResult<()>;
    /// For each of `model_keys`, up to `limit` distinct GTIN-14s the catalogue's offers give it,
    /// smallest first; keys without any are absent.
    fn model_key_gtins(
        &self,
        model_keys: &[String],
        limit: usize,
    ) -> StoreResult<HashMap<String, Vec<String>>>;
    /// The pins of `source`'s offers, by offer id.
    fn source_pins(&self, source: &str) -> StoreResult<HashMap<String, PinTarget>>;
    /// Every pin, oldest first.
    fn pins(&self) -> StoreResult<Vec<ProductPin>>;
    /// Sets (or replaces) the pin of `pin.offer_id`, and takes the offer off the review list;
    /// the source's pin generation moves on.
    fn set_pin(&self, pin: &ProductPin) -> StoreResult<()>;
    /// Removes the pin of `offer_id` (the source's pin generation moves on); false when there
    /// was none.
    fn remove_pin(&self, offer_id: &str) -> StoreResult<bool>;
    /// The generation of `source`'s pins (zero for a source never pinned).
    fn pins_pending(&self, source: &str) -> StoreResult<PinGeneration>;
    /// Review entries, best score first, `limit` from `offset`.
    fn match_reviews(&self, limit: usize, offset: usize) -> StoreResult<Vec<MatchReview>>;
    fn count_match_reviews(&self) -> StoreResult<u64>;
}
