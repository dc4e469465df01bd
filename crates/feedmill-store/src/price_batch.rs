//! [`PriceBatch`]: the observations of one ingest of one source, compared with each offer's
//! last known state, so that only changes reach the database.
//!
//! A store begins a batch by loading the source's last known states into it, compactly: each
//! offer is keyed by a 128-bit hash of its id (two SipHash-1-3 halves under keys drawn at random
//! per batch, so a feed cannot aim ids at one bucket; a collision among a million offers has odds
//! near 10⁻²⁷; the table uses that hash as it is, not hashing it again) with its price, claimed
//! old price (stored units), currency, availability and whether it is listed — under 100 bytes
//! per offer, under 100 MB for a million. Observations are compared in memory as the ingest produces them; the batch keeps
//! only the changes (full rows), the set of offers seen and each GTIN's daily lows. Finishing
//! hands this to the store, which writes it in one transaction and marks every listed offer
//! that was not seen as gone (a gap). One batch per source at a time, as one ingest per source.
//!
//! Writing a batch leaves its known states as they now are in the database: the store hands
//! them back as [`KnownOffers`], stamped with a token it wrote with the batch, and the next batch
//! of the source can begin from them
//! ([`resume_price_batch`](crate::PriceHistoryStore::resume_price_batch)) instead of reading
//! every state row again, as long as the token is still the stored one (no other process wrote
//! a batch of the source since).
//!
//! Each known offer also carries its [`PriceSummary`] (the honest figures of its current
//! price, about 100 bytes more): an unchanged observation answers it from memory, a changed one
//! asks its store to compute it from the offer's points ([`Observed::NeedsHistory`]), and the
//! batch writes what was computed with its changes.

use crate::error::{StoreError, StoreResult};
pub use crate::gtin_low_runs::GtinLows;
use crate::gtin_low_runs::LatestRuns;
use crate::price_history::{
    PointKind, PriceBatchStats, PriceObservation, PricePoint, PriceRejection,
};
use crate::price_summary::PriceSummary;
use crate::stored::{money_to_stored, optional_money};
use chrono::{DateTime, Utc};
use feedmill_model::{Availability, Currency};
use std::collections::{HashMap, hash_map};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};

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

/// See the module doc.
#[derive(Debug)]
pub struct PriceBatch {
    source: String,
    time: DateTime<Utc>,
    /// The feed this batch observes, kept with it as the one the history caught up to.
    content_hash: Option<String>,
    keys: RandomState,
    known: HashMap<u128, Entry, BuildHasherDefault<PrehashedKey>>,
    /// The source's latest daily-low rows, when the batch was resumed from memory.
    latest_lows: Option<LatestRuns>,
    /// Listed offers not seen yet: when none are left, no offer has disappeared.
    listed_unseen: usize,
    changes: Vec<ObservedChange>,
    gtin_lows: GtinLows,
    /// Summaries computed by this batch, written with its changes.
    summaries: Vec<(String, PriceSummary)>,
    stats: PriceBatchStats,
}

/// A source's known states as its last written batch left them, stamped with the token the
/// store wrote with that batch. See the module doc.
#[derive(Debug)]
pub struct KnownOffers {
    source: String,
    token: i64,
    keys: RandomState,
    known: HashMap<u128, Entry, BuildHasherDefault<PrehashedKey>>,
    /// The source's latest daily-low rows as the batch left them.
    latest_lows: Option<LatestRuns>,
}

impl KnownOffers {
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The token the store wrote with the batch that left these states.
    pub fn token(&self) -> i64 {
        self.token
    }

    /// How many offers are known.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// These states stamped with `token`, with the source's latest daily-low rows after the
    /// batch (the store does this as it writes the batch).
    pub fn written(mut self, token: i64, latest_lows: LatestRuns) -> KnownOffers {
        self.token = token;
        self.latest_lows = Some(latest_lows);
        self
    }
}

/// A fresh state token for a written batch (random: tokens of different processes never
/// follow a sequence that could repeat).
pub(crate) fn fresh_state_token() -> StoreResult<i64> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|err| StoreError::Randomness(err.to_string()))?;
    Ok(i64::from_le_bytes(bytes))
}

/// Rejections kept by name; past this, only counted (bounded memory on a broken feed).
const MAX_REJECTIONS_LISTED: usize = 1000;

impl PriceBatch {
    pub fn new(source: &str, time: DateTime<Utc>) -> PriceBatch {
        PriceBatch {
            source: source.to_owned(),
            time,
            content_hash: None,
            keys: RandomState::new(),
            known: HashMap::default(),
            latest_lows: None,
            listed_unseen: 0,
            changes: Vec::new(),
            gtin_lows: GtinLows::default(),
            summaries: Vec::new(),
            stats: PriceBatchStats::default(),
        }
    }

    /// A batch of `known.source()` at `time` that begins from `known` (see the module doc).
    pub fn resume(time: DateTime<Utc>, known: KnownOffers) -> PriceBatch {
        let listed_unseen = known
            .known
            .values()
            .filter(|entry| entry.state.listed)
            .count();
        PriceBatch {
            keys: known.keys,
            known: known.known,
            gtin_lows: known
                .latest_lows
                .as_ref()
                .map(GtinLows::numbered_as)
                .unwrap_or_default(),
            latest_lows: known.latest_lows,
            listed_unseen,
            ..PriceBatch::new(&known.source, time)
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
        if state.listed {
            self.listed_unseen += 1;
        }
        let key = self.offer_key(offer_id);
        if let Some(replaced) = self.known.insert(key, entry)
            && replaced.state.listed
        {
            self.listed_unseen -= 1;
        }
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
                        offer_id: observation.offer_id.to_string(),
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
        let key = self.offer_key(offer_id);
        if let Some(entry) = self.known.get_mut(&key) {
            entry.summary = Some(summary);
        }
        self.summaries.push((offer_id.to_owned(), summary));
    }

    /// One probe of the known-offer table per offer: most offers of a refresh are unchanged,
    /// and the table is far larger than the caches.
    fn compare(&mut self, observation: &PriceObservation) -> StoreResult<Observed> {
        let key = self.offer_key(&observation.offer_id);
        // Seen even if refused below: a refused price is no reason to report the offer gone.
        let (entry, previous) = match self.known.entry(key) {
            hash_map::Entry::Occupied(occupied) => {
                let entry = occupied.into_mut();
                let previous = *entry;
                entry.seen = true;
                (entry, Some(previous))
            }
            hash_map::Entry::Vacant(vacant) => {
                let entry = vacant.insert(Entry {
                    state: placeholder_state(observation),
                    seen: true,
                    summary: None,
                });
                (entry, None)
            }
        };
        if previous.is_some_and(|entry| entry.state.listed && !entry.seen) {
            self.listed_unseen -= 1;
        }
        let state = KnownState {
            price: money_to_stored("price", observation.price)?,
            old_price: optional_money("old_price", observation.old_price)?,
            currency: observation.currency,
            availability: observation.availability,
            listed: true,
        };
        note_gtin_low(&mut self.gtin_lows, &self.source, observation, state.price);
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
        entry.state = state;
        entry.summary = None;
        self.changes.push(ObservedChange {
            offer_id: observation.offer_id.to_string(),
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

    /// True when the listed offer `offer_id` was not seen by this batch (it has disappeared).
    pub fn is_gone(&self, offer_id: &str) -> bool {
        self.known
            .get(&self.offer_key(offer_id))
            .is_some_and(|entry| entry.state.listed && !entry.seen)
    }

    /// False when every listed offer was seen: no offer has disappeared, and the store need not
    /// look for one ([`PriceBatch::is_gone`]).
    pub fn has_gone(&self) -> bool {
        self.listed_unseen > 0
    }

    fn offer_key(&self, offer_id: &str) -> u128 {
        let half = |salt: u8| {
            let mut hasher = self.keys.build_hasher();
            salt.hash(&mut hasher);
            offer_id.hash(&mut hasher);
            hasher.finish()
        };
        (u128::from(half(1)) << 64) | u128::from(half(2))
    }

    /// The batch's results for the store to write, and the known states as they are once
    /// written: an offer not seen is no longer listed, and a new offer whose price was refused
    /// is not known (it has no state row).
    pub fn into_parts(mut self) -> BatchParts {
        self.known
            .retain(|_, entry| entry.state.price != PLACEHOLDER_PRICE);
        for entry in self.known.values_mut() {
            entry.state.listed &= entry.seen;
            entry.seen = false;
        }
        BatchParts {
            changes: self.changes,
            gtin_lows: self.gtin_lows,
            summaries: self.summaries,
            stats: self.stats,
            latest_lows: self.latest_lows,
            known: KnownOffers {
                source: self.source,
                token: 0,
                keys: self.keys,
                known: self.known,
                latest_lows: None,
            },
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
    /// The source's latest daily-low rows before the batch, when it was resumed from memory
    /// (else the store reads them).
    pub latest_lows: Option<LatestRuns>,
    /// The known states once the batch is written, to be stamped with the store's token.
    pub known: KnownOffers,
}

/// Notes an in-stock price in the batch's GTIN lows, under the offer's merchant (else its
/// source). Out-of-stock offers do not make a market low: nobody can buy at that price.
fn note_gtin_low(lows: &mut GtinLows, source: &str, observation: &PriceObservation, price: i64) {
    let Some(gtin) = &observation.gtin else {
        return;
    };
    if observation.availability == Availability::OutOfStock {
        return;
    }
    let merchant = observation.merchant.as_deref().unwrap_or(source);
    lows.note(gtin.gtin14_digits(), observation.currency, merchant, price);
}

/// The price of the entry a new offer gets when its price is refused: seen, but never stored.
const PLACEHOLDER_PRICE: i64 = i64::MIN;

fn placeholder_state(observation: &PriceObservation) -> KnownState {
    KnownState {
        price: PLACEHOLDER_PRICE,
        old_price: None,
        currency: observation.currency,
        availability: observation.availability,
        listed: true,
    }
}

/// The hasher of the known-offer table: its keys are already uniform 128-bit hashes
/// ([`PriceBatch::offer_key`]), so their low half is the table's hash.
#[derive(Default)]
struct PrehashedKey(u64);

impl Hasher for PrehashedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u128(&mut self, key: u128) {
        self.0 = key as u64;
    }

    /// Only `u128` keys are hashed; any other input is still mixed in (FNV-1a), never ignored.
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
