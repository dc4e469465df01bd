//! [`PriceBatch`]: the observations of one ingest of one source, compared with each offer's
//! last known state, so that only changes reach the database.
//!
//! A store begins a batch by loading the source's last known states into it, compactly: each
//! offer is keyed by a 128-bit hash of its id (two SipHash-1-3 halves; a collision among a
//! million offers has odds near 10⁻²⁷) with its price, claimed old price (stored units),
//! currency, availability and whether it is listed — under 100 bytes per offer, under 100 MB
//! for a million. Observations are compared in memory as the ingest produces them; the batch keeps
//! only the changes (full rows), the set of offers seen and each GTIN's daily lows. Finishing
//! hands this to the store, which writes it in one transaction and marks every listed offer
//! that was not seen as gone (a gap). One batch per source at a time, as one ingest per source.
//!
//! Each known offer also carries its [`PriceSummary`] (the honest figures of its current
//! price, about 100 bytes more): an unchanged observation answers it from memory, a changed one
//! asks its store to compute it from the offer's points ([`Observed::NeedsHistory`]), and the
//! batch writes what was computed with its changes.

use crate::error::StoreResult;
use crate::price_history::{
    PointKind, PriceBatchStats, PriceObservation, PricePoint, PriceRejection,
};
use crate::price_summary::PriceSummary;
use crate::stored::{money_to_stored, optional_money};
use chrono::{DateTime, Utc};
use feedmill_model::{Availability, Currency};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// An offer's last known state, as the comparison needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownState {
    pub price: i64,
    pub old_price: Option<i64>,
    pub currency: Currency,
    pub availability: Availability,
    /// False after a gap: the offer is not listed now.
    pub listed: bool,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    state: KnownState,
    seen: bool,
    summary: Option<PriceSummary>,
}

/// What [`PriceBatch::observe_one`] found, for the honest figures of the offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// Unchanged, with the summary kept for it.
    Known(PriceSummary),
    /// Changed, or unchanged with no summary kept: its summary is that of its stored points
    /// followed by `point` (the point this batch writes, if any).
    NeedsHistory(Option<PricePoint>),
    /// Not recordable (counted and listed in the batch's stats).
    Rejected,
}

/// A change to write: a point of `kind` and the offer's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedChange {
    pub offer_id: String,
    pub kind: PointKind,
    pub state: KnownState,
}

/// A GTIN's low of the batch's day, per currency and merchant (stored units).
pub type GtinLows = HashMap<(String, Currency, String), i64>;

/// See the module doc.
#[derive(Debug)]
pub struct PriceBatch {
    source: String,
    time: DateTime<Utc>,
    /// The feed this batch observes, kept with it as the one the history caught up to.
    content_hash: Option<String>,
    known: HashMap<u128, Entry>,
    changes: Vec<ObservedChange>,
    gtin_lows: GtinLows,
    /// Summaries computed by this batch, written with its changes.
    summaries: Vec<(String, PriceSummary)>,
    stats: PriceBatchStats,
}

/// Rejections kept by name; past this, only counted (bounded memory on a broken feed).
const MAX_REJECTIONS_LISTED: usize = 1000;

impl PriceBatch {
    pub fn new(source: &str, time: DateTime<Utc>) -> PriceBatch {
        PriceBatch {
            source: source.to_owned(),
            time,
            content_hash: None,
            known: HashMap::new(),
            changes: Vec::new(),
            gtin_lows: HashMap::new(),
            summaries: Vec::new(),
            stats: PriceBatchStats::default(),
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn time(&self) -> DateTime<Utc> {
        self.time
    }

    /// Names the feed this batch observes; the store writes it with the batch.
    pub fn set_content_hash(&mut self, content_hash: &str) {
        self.content_hash = Some(content_hash.to_owned());
    }

    pub fn content_hash(&self) -> Option<&str> {
        self.content_hash.as_deref()
    }

    /// Loads one offer's last known state (the store calls this when the batch begins).
    pub fn insert_known(&mut self, offer_id: &str, state: KnownState) {
        self.insert_known_with_summary(offer_id, state, None);
    }

    /// Loads one offer's last known state with the summary kept for it.
    pub fn insert_known_with_summary(
        &mut self,
        offer_id: &str,
        state: KnownState,
        summary: Option<PriceSummary>,
    ) {
        let entry = Entry {
            state,
            seen: false,
            summary,
        };
        self.known.insert(offer_key(offer_id), entry);
    }

    /// Compares each observation with the offer's last known state.
    pub fn observe(&mut self, observations: &[PriceObservation]) {
        for observation in observations {
            self.observe_one(observation);
        }
    }

    /// Compares one observation with the offer's last known state; says what its summary
    /// needs.
    pub fn observe_one(&mut self, observation: &PriceObservation) -> Observed {
        self.stats.num_observed += 1;
        match self.compare(observation) {
            Ok(observed) => observed,
            Err(err) => {
                self.stats.num_rejected += 1;
                if self.stats.rejected.len() < MAX_REJECTIONS_LISTED {
                    self.stats.rejected.push(PriceRejection {
                        offer_id: observation.offer_id.clone(),
                        reason: err.to_string(),
                    });
                }
                Observed::Rejected
            }
        }
    }

    /// Keeps the summary the store computed for `offer_id` (after [`Observed::NeedsHistory`]);
    /// it is written with the batch. `None` (no current price) keeps nothing.
    pub fn keep_summary(&mut self, offer_id: &str, summary: Option<PriceSummary>) {
        let Some(summary) = summary else {
            return;
        };
        if let Some(entry) = self.known.get_mut(&offer_key(offer_id)) {
            entry.summary = Some(summary);
        }
        self.summaries.push((offer_id.to_owned(), summary));
    }

    fn compare(&mut self, observation: &PriceObservation) -> StoreResult<Observed> {
        let key = offer_key(&observation.offer_id);
        let previous = self.known.get(&key).copied();
        // Seen even if refused below: a refused price is no reason to report the offer gone.
        self.known
            .entry(key)
            .and_modify(|entry| entry.seen = true)
            .or_insert(Entry {
                state: placeholder_state(observation),
                seen: true,
                summary: None,
            });
        let state = KnownState {
            price: money_to_stored("price", observation.price)?,
            old_price: optional_money("old_price", observation.old_price)?,
            currency: observation.currency,
            availability: observation.availability,
            listed: true,
        };
        self.note_gtin_low(observation, state.price);
        let kind = match previous {
            None => PointKind::First,
            Some(entry) if !entry.state.listed => PointKind::Return,
            Some(entry) if entry.state == state => {
                self.stats.num_unchanged += 1;
                return Ok(match entry.summary {
                    Some(summary) => Observed::Known(summary),
                    None => Observed::NeedsHistory(None),
                });
            }
            Some(_) => PointKind::Change,
        };
        match kind {
            PointKind::First => self.stats.num_first += 1,
            PointKind::Return => self.stats.num_returned += 1,
            _ => self.stats.num_changed += 1,
        }
        if let Some(entry) = self.known.get_mut(&key) {
            entry.state = state;
            entry.summary = None;
        }
        self.changes.push(ObservedChange {
            offer_id: observation.offer_id.clone(),
            kind,
            state,
        });
        Ok(Observed::NeedsHistory(Some(PricePoint {
            time: self.time,
            kind,
            price: Some(observation.price),
            old_price: observation.old_price,
            currency: Some(observation.currency),
            availability: Some(observation.availability),
        })))
    }

    /// Out-of-stock offers do not make a market low: nobody can buy at that price.
    fn note_gtin_low(&mut self, observation: &PriceObservation, price: i64) {
        let Some(gtin) = &observation.gtin else {
            return;
        };
        if observation.availability == Availability::OutOfStock {
            return;
        }
        let merchant = observation.merchant.as_deref().unwrap_or(&self.source);
        let key = (gtin.as_gtin14(), observation.currency, merchant.to_owned());
        self.gtin_lows
            .entry(key)
            .and_modify(|low| *low = (*low).min(price))
            .or_insert(price);
    }

    /// True when the listed offer `offer_id` was not seen by this batch (it has disappeared).
    pub fn is_gone(&self, offer_id: &str) -> bool {
        self.known
            .get(&offer_key(offer_id))
            .is_some_and(|entry| entry.state.listed && !entry.seen)
    }

    /// The batch's results for the store to write.
    pub fn into_parts(self) -> BatchParts {
        BatchParts {
            changes: self.changes,
            gtin_lows: self.gtin_lows,
            summaries: self.summaries,
            stats: self.stats,
        }
    }
}

/// What a finished batch hands its store to write.
#[derive(Debug)]
pub struct BatchParts {
    pub changes: Vec<ObservedChange>,
    pub gtin_lows: GtinLows,
    /// The summaries computed by the batch, by offer id (the last one of an offer wins).
    pub summaries: Vec<(String, PriceSummary)>,
    pub stats: PriceBatchStats,
}

fn placeholder_state(observation: &PriceObservation) -> KnownState {
    KnownState {
        price: i64::MIN,
        old_price: None,
        currency: observation.currency,
        availability: observation.availability,
        listed: true,
    }
}

fn offer_key(offer_id: &str) -> u128 {
    let half = |salt: u8| {
        let mut hasher = DefaultHasher::new();
        salt.hash(&mut hasher);
        offer_id.hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}
