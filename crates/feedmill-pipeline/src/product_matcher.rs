//! [`ProductMatcher`]: every offer of an ingest gets its product (`product_id` and the `match`
//! object) before the index sees it, so that `group_by=product` and `/products/{id}` are index
//! work. [`IndexSink::with_matcher`](crate::IndexSink::with_matcher) runs it.
//!
//! Per offer, the cheapest evidence that decides (see `product_evidence.rs`):
//! 1. an operator's pin (a product, or a split: alone), kept in the store;
//! 2. the GTIN: the product is the GTIN's (its brand + model key is recorded for step 3);
//! 3. brand + MPN: the product of the one GTIN the catalogue's offers carry with that key, else
//!    the key's own product;
//! 4. unchanged since the last ingest (same [`fingerprint`](crate::product_evidence)): the
//!    decision kept in the store, so a refresh of unchanged feeds scores nothing (a brand +
//!    model decision that found no GTIN yet is looked up again, one query per key);
//! 5. else a learned pair score against the catalogue's most similar offers (BM25 over the
//!    rarest title and brand words, [`MatchCandidates`]; each batch's candidates loaded once,
//!    `candidate_pool.rs`): at or above the model's auto-group threshold the offer
//!    joins the best candidate's product; between the match and the auto-group threshold the
//!    pair goes to the review list (`GET /matches?status=review`) and the offer stays alone.
//!
//! Decisions are written to the store only after the index committed (like the price history),
//! and only what changed against the last stored ingest: an ingest the shrink guard refuses
//! leaves the stored decisions as they were, and a refresh whose products did not change
//! writes almost nothing. Offers whose
//! evidence is unchanged keep their decision; new evidence reaches them on a full re-match
//! ([`ProductMatcher::rematching_all`], `feedmill ingest --rematch`).

use crate::candidate_pool::CandidatePool;
use crate::error::PipelineError;
use crate::product_evidence::{
    Decision, ScoredCandidate, ScoredOutcome, alone_product_id, fingerprint, gtin_decision,
    model_decision, offer_model_key, quick_model_key, scored_outcome,
};
use feedmill_index::MatchCandidates;
use feedmill_match::{BrandDictionary, CorpusStats, MatcherModel, OfferProfile, ProductRecord};
use feedmill_model::{MatchMethod, Offer, ProductMatch};
use feedmill_store::{
    MatchReview, ModelGtin, PinTarget, SourceMatchUpdate, Store, StoreError, StoredMatch,
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tracing::info;

/// Candidates scored per offer without identifiers.
pub const DEFAULT_TOP_K: usize = 10;
/// GTINs asked per model key: two are enough to know a key is ambiguous.
const GTINS_PER_KEY: usize = 2;

/// Matches each ingest's offers into products; see the module doc.
#[derive(Clone)]
pub struct ProductMatcher {
    store: Arc<dyn Store>,
    model: Arc<MatcherModel>,
    top_k: usize,
    rematch_all: bool,
}

impl std::fmt::Debug for ProductMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProductMatcher")
            .field("top_k", &self.top_k)
            .field("rematch_all", &self.rematch_all)
            .finish()
    }
}

/// What matching one source's offers did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MatchSummary {
    pub num_offers: u64,
    /// Offers by how they came to their product: gtin, model, scored, none.
    pub by_method: [u64; 4],
    /// Offers an operator's pin placed.
    pub num_pinned: u64,
    /// Offers that kept the decision of the last ingest (unchanged).
    pub num_reused: u64,
    /// Offers scored against candidates in this ingest.
    pub num_scored: u64,
    /// Pairs sent to the review list.
    pub num_review: u64,
}

/// One line for a person: `products: 50 offers by gtin 48, model 1, scored 0, alone 1; …`.
impl std::fmt::Display for MatchSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [gtin, model, scored, alone] = self.by_method;
        write!(
            f,
            "products: {} offers by gtin {gtin}, model {model}, scored {scored}, alone {alone}; \
             {} pinned, {} kept unchanged, {} scored now, {} to review",
            self.num_offers, self.num_pinned, self.num_reused, self.num_scored, self.num_review
        )
    }
}

impl ProductMatcher {
    pub fn new(store: Arc<dyn Store>, model: Arc<MatcherModel>) -> ProductMatcher {
        ProductMatcher {
            store,
            model,
            top_k: DEFAULT_TOP_K,
            rematch_all: false,
        }
    }

    /// The store the decisions are kept in.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Matches every offer again, ignoring the decisions of the last ingest (pins still hold).
    pub fn rematching_all(mut self, rematch_all: bool) -> ProductMatcher {
        self.rematch_all = rematch_all;
        self
    }

    /// Starts matching `source`'s offers against the catalogue `candidates` sees.
    pub fn begin(
        &self,
        source: &str,
        candidates: MatchCandidates,
    ) -> Result<SourceMatching, PipelineError> {
        let brands = BrandDictionary::learn(candidates.brands()?.iter().map(String::as_str));
        // The generation first: a pin set while the pins are read counts as not yet applied.
        let pin_generation = self
            .store
            .pins_pending(source)
            .map_err(store_error)?
            .current;
        let pins = self.store.source_pins(source).map_err(store_error)?;
        // Loaded even for a full re-match: the store is told only what changed.
        let previous = self.store.source_matches(source).map_err(store_error)?;
        let previous_model_gtins = self.store.source_model_gtins(source).map_err(store_error)?;
        Ok(SourceMatching {
            matcher: self.clone(),
            source: source.to_owned(),
            candidates,
            brands,
            pins,
            previous,
            previous_model_gtins,
            feed_model_gtins: HashMap::new(),
            decided: Vec::new(),
            model_gtins: HashSet::new(),
            reviews: Vec::new(),
            pin_generation,
            summary: MatchSummary::default(),
        })
    }
}

impl ProductMatcher {
    /// Whether an operator pinned or unpinned one of `source`'s offers since its last ingest:
    /// then its next ingest must run even when the feed is unchanged.
    pub fn pins_pending(&self, source: &str) -> Result<bool, PipelineError> {
        let generation = self.store.pins_pending(source).map_err(store_error)?;
        Ok(generation.is_pending())
    }
}

fn store_error(err: StoreError) -> PipelineError {
    PipelineError::Sink {
        sink: "product matcher",
        message: err.to_string(),
    }
}

/// One source's matching in progress: [`SourceMatching::assign`] per batch, then
/// [`SourceMatching::finish`] once the index committed.
pub struct SourceMatching {
    matcher: ProductMatcher,
    source: String,
    candidates: MatchCandidates,
    brands: BrandDictionary,
    pins: HashMap<String, PinTarget>,
    /// The decisions and model keys of the source's last stored ingest; a decision taken over
    /// unchanged is taken out (it stays stored as it is).
    previous: HashMap<String, StoredMatch>,
    previous_model_gtins: HashSet<ModelGtin>,
    /// Model key → the distinct GTIN-14s (at most [`GTINS_PER_KEY`]) this feed's offers gave it
    /// so far: an offer whose GTIN sibling came earlier in the feed joins it in this ingest.
    feed_model_gtins: HashMap<String, Vec<String>>,
    decided: Vec<StoredMatch>,
    model_gtins: HashSet<ModelGtin>,
    reviews: Vec<MatchReview>,
    pin_generation: u64,
    summary: MatchSummary,
}

/// An offer left for the learned scorer.
struct Unplaced {
    position: usize,
    profile: OfferProfile,
}

impl SourceMatching {
    /// Sets each offer's `product_id` and `match`.
    pub fn assign(&mut self, offers: &mut [Offer]) -> Result<(), PipelineError> {
        let mut decisions: Vec<Option<Decision>> = vec![None; offers.len()];
        let mut keyed: Vec<(usize, String)> = Vec::new();
        let mut unplaced: Vec<Unplaced> = Vec::new();
        for (position, offer) in offers.iter().enumerate() {
            if let Some(decision) = self.decide_cheaply(offer) {
                decisions[position] = Some(decision);
                continue;
            }
            // The brand field and the MPN give most offers' keys without a whole profile.
            if let Some(key) = quick_model_key(offer, &self.brands) {
                keyed.push((position, key));
                continue;
            }
            let profile = OfferProfile::build(&ProductRecord::from_offer(offer), &self.brands);
            match offer_model_key(&profile) {
                Some(key) => keyed.push((position, key)),
                None => unplaced.push(Unplaced { position, profile }),
            }
        }
        self.decide_by_model_keys(&keyed, &mut decisions)?;
        self.decide_by_scores(offers, unplaced, &mut decisions)?;
        for (offer, decision) in offers.iter_mut().zip(decisions) {
            let decision = decision.unwrap_or_else(|| Decision::alone(offer, None));
            self.record(offer, &decision);
            offer.product_id = Some(decision.product_id);
            offer.product_match = Some(decision.product_match);
        }
        Ok(())
    }

    /// A pin, the GTIN, or the unchanged decision of the last ingest; `None` when the offer
    /// needs its profile.
    fn decide_cheaply(&mut self, offer: &Offer) -> Option<Decision> {
        if let Some(pin) = self.pins.get(&offer.id) {
            self.summary.num_pinned += 1;
            return Some(pinned(offer, pin));
        }
        if let Some(gtin) = &offer.gtin {
            let gtin14 = gtin.as_gtin14();
            let decision = gtin_decision(&gtin14);
            if let Some(model_key) = quick_model_key(offer, &self.brands) {
                self.note_model_gtin(model_key, gtin14);
            }
            return Some(decision);
        }
        if self.matcher.rematch_all {
            return None;
        }
        // Taken out of `previous` (one probe of a table as large as the source), which keeps
        // only the decisions this ingest has not taken over: a changed offer's goes back.
        let (offer_id, kept) = self.previous.remove_entry(&offer.id)?;
        let reusable = kept.fingerprint == fingerprint(offer)
            && !kept.product_match.in_review
            && !kept.awaits_gtin;
        if !reusable {
            self.previous.insert(offer_id, kept);
            return None;
        }
        self.summary.num_reused += 1;
        Some(Decision {
            product_id: kept.product_id,
            product_match: kept.product_match,
            awaits_gtin: false,
            kept: true,
        })
    }

    fn note_model_gtin(&mut self, model_key: String, gtin14: String) {
        match self.feed_model_gtins.get_mut(&model_key) {
            Some(gtins) => {
                if gtins.len() < GTINS_PER_KEY && !gtins.contains(&gtin14) {
                    gtins.push(gtin14.clone());
                }
            }
            None => {
                self.feed_model_gtins
                    .insert(model_key.clone(), vec![gtin14.clone()]);
            }
        }
        self.model_gtins.insert(ModelGtin { model_key, gtin14 });
    }

    fn decide_by_model_keys(
        &self,
        keyed: &[(usize, String)],
        decisions: &mut [Option<Decision>],
    ) -> Result<(), PipelineError> {
        if keyed.is_empty() {
            return Ok(());
        }
        let mut keys: Vec<String> = keyed.iter().map(|(_, key)| key.clone()).collect();
        keys.sort_unstable();
        keys.dedup();
        let stored = self
            .matcher
            .store
            .model_key_gtins(&keys, GTINS_PER_KEY)
            .map_err(store_error)?;
        for (position, key) in keyed {
            let mut gtins: Vec<String> = stored.get(key).cloned().unwrap_or_default();
            gtins.extend(
                self.feed_model_gtins
                    .get(key)
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            gtins.sort_unstable();
            gtins.dedup();
            decisions[*position] = Some(model_decision(key, &gtins));
        }
        Ok(())
    }

    /// Scores each unplaced offer against its candidates, in parallel; token weights come from
    /// the batch and its candidates together.
    fn decide_by_scores(
        &mut self,
        offers: &[Offer],
        mut unplaced: Vec<Unplaced>,
        decisions: &mut [Option<Decision>],
    ) -> Result<(), PipelineError> {
        if unplaced.is_empty() {
            return Ok(());
        }
        self.summary.num_scored += unplaced.len() as u64;
        let batch: Vec<&Offer> = unplaced.iter().map(|u| &offers[u.position]).collect();
        let mut pool =
            CandidatePool::gather(&self.candidates, &self.brands, &batch, self.matcher.top_k)?;
        let stats =
            CorpusStats::from_profiles(unplaced.iter().map(|u| &u.profile).chain(pool.profiles()));
        pool.apply_weights(&stats);
        let model = &self.matcher.model;
        let outcomes: Vec<ScoredOutcome> = unplaced
            .par_iter_mut()
            .enumerate()
            .map(|(i, u)| {
                u.profile.apply_weights(&stats);
                let best = best_candidate(&u.profile, pool.of(i), model);
                scored_outcome(&offers[u.position], best, model)
            })
            .collect();
        for (u, outcome) in unplaced.iter().zip(outcomes) {
            let offer = &offers[u.position];
            decisions[u.position] = Some(match outcome {
                ScoredOutcome::Joined(decision) | ScoredOutcome::Alone(decision) => decision,
                ScoredOutcome::Review(decision, candidate) => {
                    self.summary.num_review += 1;
                    self.reviews.push(review(&self.source, offer, candidate));
                    decision
                }
            });
        }
        Ok(())
    }

    /// Counts the decision and keeps it for the store (decisions by GTIN and pins are not
    /// kept: they are made again on every ingest at no cost; one taken over from the last
    /// ingest is stored already).
    fn record(&mut self, offer: &Offer, decision: &Decision) {
        let method = decision.product_match.method;
        let slot = MatchMethod::ALL.iter().position(|m| *m == method);
        if let Some(count) = slot.and_then(|i| self.summary.by_method.get_mut(i)) {
            *count += 1;
        }
        self.summary.num_offers += 1;
        if method == MatchMethod::Gtin || decision.product_match.pinned || decision.kept {
            return;
        }
        self.decided.push(StoredMatch {
            offer_id: offer.id.clone(),
            fingerprint: fingerprint(offer),
            product_id: decision.product_id.clone(),
            product_match: decision.product_match.clone(),
            awaits_gtin: decision.awaits_gtin,
        });
    }

    /// What changed against the source's last stored ingest.
    fn update(&mut self) -> SourceMatchUpdate {
        let mut previous = std::mem::take(&mut self.previous);
        let mut upserts = Vec::new();
        for decided in self.decided.drain(..) {
            if previous.remove(&decided.offer_id).as_ref() != Some(&decided) {
                upserts.push(decided);
            }
        }
        let mut removed_offers: Vec<String> = previous.into_keys().collect();
        removed_offers.sort_unstable();
        let model_gtins_added = self
            .model_gtins
            .difference(&self.previous_model_gtins)
            .cloned()
            .collect();
        let model_gtins_removed = self
            .previous_model_gtins
            .difference(&self.model_gtins)
            .cloned()
            .collect();
        SourceMatchUpdate {
            upserts,
            removed_offers,
            model_gtins_added,
            model_gtins_removed,
            reviews: std::mem::take(&mut self.reviews),
            pin_generation: self.pin_generation,
        }
    }

    /// Writes the source's decisions, model keys and review entries (call after the index
    /// committed).
    pub fn finish(mut self) -> Result<MatchSummary, PipelineError> {
        let update = self.update();
        self.matcher
            .store
            .update_source_matches(&self.source, &update)
            .map_err(store_error)?;
        let s = &self.summary;
        info!(source = %self.source, num_offers = s.num_offers, gtin = s.by_method[0],
              model = s.by_method[1], scored = s.by_method[2], alone = s.by_method[3],
              pinned = s.num_pinned, reused = s.num_reused, review = s.num_review,
              "products matched");
        Ok(self.summary)
    }
}

/// The decision a pin makes: the operator's product (`scored` without a score: a person's
/// judgement), or alone for a split.
fn pinned(offer: &Offer, pin: &PinTarget) -> Decision {
    let (product_id, method) = match pin {
        PinTarget::Product(product_id) => (product_id.clone(), MatchMethod::Scored),
        PinTarget::Split => (alone_product_id(offer), MatchMethod::None),
    };
    Decision {
        product_id,
        product_match: ProductMatch {
            pinned: true,
            ..ProductMatch::new(method, None)
        },
        awaits_gtin: false,
        kept: false,
    }
}

/// The best-scoring candidate, with the product it belongs to.
fn best_candidate<'a>(
    profile: &OfferProfile,
    found: impl Iterator<Item = &'a (Offer, OfferProfile)>,
    model: &MatcherModel,
) -> Option<ScoredCandidate> {
    let found: Vec<&(Offer, OfferProfile)> = found.collect();
    let scores = model.score_candidates(profile, found.iter().map(|(_, candidate)| candidate));
    let mut best: Option<(&Offer, f32)> = None;
    for (&(candidate, _), score) in found.iter().zip(scores) {
        if best.is_some_and(|(_, best_score)| best_score >= score) {
            continue;
        }
        best = Some((candidate, score));
    }
    best.map(|(candidate, score)| ScoredCandidate {
        offer_id: candidate.id.clone(),
        title: candidate.title.clone(),
        product_id: candidate
            .product_id
            .clone()
            .unwrap_or_else(|| alone_product_id(candidate)),
        score,
    })
}

fn review(source: &str, offer: &Offer, candidate: ScoredCandidate) -> MatchReview {
    MatchReview {
        offer_id: offer.id.clone(),
        source: source.to_owned(),
        title: offer.title.clone(),
        candidate_offer_id: candidate.offer_id,
        candidate_title: candidate.title,
        candidate_product_id: candidate.product_id,
        score: candidate.score,
        created_at: chrono::Utc::now(),
    }
}
