//! The store traits: what feedmill keeps, independent of the database that keeps it.
//!
//! Every method is synchronous and returns only after its writes are committed durably. The
//! API runs on tokio, so it calls the store from `spawn_blocking` (as it already runs searches),
//! which keeps blocking database work off the async workers and makes "acknowledged means
//! durable" a plain return. A synchronous trait is also object safe (`Arc<dyn Store>` can be
//! chosen at start-up by config), needs no boxed futures, and a Postgres implementation can
//! follow with the `postgres` client or a pool of blocking connections. Times are passed in
//! (`now`): no store reads the system clock, so tests set it.

pub use crate::alert_store::AlertStore;
use crate::api_key::KeyStore;
use crate::attribution::UnattributedSale;
use crate::click::{Click, ClickCount, ClickId, GroupBy, TimeRange};
use crate::click_import::ImportReport;
use crate::commission_store::CommissionStore;
use crate::conversion::{Conversion, ConversionInput, ConversionReceipt, StatusChange};
use crate::earnings::{EarningsQuery, EarningsRow};
use crate::error::StoreResult;
use crate::price_batch::{KnownOffers, PriceBatch};
use crate::price_history::{DailyLow, PriceBatchStats, PriceObservation, PricePoint, ThirtyDayLow};
use crate::price_summary::PriceSummary;
use crate::product_match::ProductMatchStore;
use crate::transaction::{NetworkTransaction, TransactionInput, TransactionReceipt};
use chrono::{DateTime, Utc};
use feedmill_model::Network;
use std::io::BufRead;
use std::path::Path;

/// The version of the schema and whether it can be used.
pub trait Migrations {
    /// The schema version the store is at (the number of migrations applied).
    fn schema_version(&self) -> StoreResult<u32>;
}

/// A click's acknowledgement: called once with the outcome of [`ClickStore::submit_click`].
pub type ClickAck = Box<dyn FnOnce(StoreResult<()>) + Send>;

/// A click [`ClickStore::submit_click`] could not take at once, given back to its caller.
pub struct ClickNotTaken {
    pub click: Click,
    pub ack: ClickAck,
}

/// Click-outs.
pub trait ClickStore {
    /// Stores a click; returns once it is durable. The id must be new.
    fn record_click(&self, click: &Click) -> StoreResult<()>;

    /// Hands `click` to the store without waiting for it: `ack` is called once, perhaps on
    /// another thread, after the click is durable. The id must be new, as a random one is: a
    /// store that journals clicks acknowledges a repeated id and keeps the first click under it
    /// (and logs the repeat) instead of refusing it. Never blocks: a store that cannot take the click at once (its queue is
    /// full, or it has no queue, as by default) gives both back, and the caller records it with
    /// `record_click` where it may block. `ack` must be quick (it may run on the store's writer).
    fn submit_click(&self, click: Click, ack: ClickAck) -> Result<(), Box<ClickNotTaken>> {
        Err(Box::new(ClickNotTaken { click, ack }))
    }
    fn click(&self, click_id: &ClickId) -> StoreResult<Option<Click>>;
    /// Hands each click of `range` to `visit`, oldest first, without holding them all.
    fn visit_clicks(
        &self,
        range: TimeRange,
        visit: &mut dyn FnMut(&Click) -> StoreResult<()>,
    ) -> StoreResult<u64>;
    fn count_clicks(&self, range: TimeRange, group_by: GroupBy) -> StoreResult<Vec<ClickCount>>;
    /// Imports an NDJSON click log (the format the click log writes); idempotent.
    fn import_click_log(&self, log: &mut dyn BufRead) -> StoreResult<ImportReport>;

    /// Imports the click log at `path`, if there is one (`None` when there is none): run at
    /// every start, it imports an old log once and then only what a log gained since.
    fn import_click_log_file(&self, path: &Path) -> StoreResult<Option<ImportReport>> {
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        self.import_click_log(&mut std::io::BufReader::new(file))
            .map(Some)
    }
}

/// Conversion postbacks.
pub trait ConversionStore {
    /// Creates or updates the conversion of (program, order) as received at `now`.
    fn upsert_conversion(
        &self,
        input: &ConversionInput,
        default_currency: feedmill_model::Currency,
        now: DateTime<Utc>,
    ) -> StoreResult<ConversionReceipt>;
    fn conversion(&self, program_id: &str, order_id: &str) -> StoreResult<Option<Conversion>>;
    fn conversion_history(&self, conversion_id: &str) -> StoreResult<Vec<StatusChange>>;
}

/// Transactions reported by the networks.
pub trait TransactionStore {
    fn upsert_transaction(
        &self,
        input: &TransactionInput,
        now: DateTime<Utc>,
    ) -> StoreResult<TransactionReceipt>;
    fn transaction(
        &self,
        network: Network,
        transaction_id: &str,
    ) -> StoreResult<Option<NetworkTransaction>>;
    fn transaction_history(
        &self,
        network: Network,
        transaction_id: &str,
    ) -> StoreResult<Vec<StatusChange>>;
}

/// Attribution and earnings.
pub trait EarningsStore {
    /// Sales in `range` that no click could be credited with.
    fn unattributed(&self, range: TimeRange) -> StoreResult<Vec<UnattributedSale>>;
    fn earnings(&self, query: EarningsQuery) -> StoreResult<Vec<EarningsRow>>;
}

/// Price history.
pub trait PriceHistoryStore {
    /// Starts a batch for one ingest of `source` at `time`, loaded with its last known states.
    fn begin_price_batch(&self, source: &str, time: DateTime<Utc>) -> StoreResult<PriceBatch>;
    /// Writes the batch in one transaction, marking listed offers it did not see as gone.
    fn finish_price_batch(&self, batch: PriceBatch) -> StoreResult<PriceBatchStats> {
        Ok(self.finish_price_batch_keeping(batch)?.0)
    }
    /// [`PriceHistoryStore::finish_price_batch`], handing back the source's known states as
    /// the batch left them, stamped with the token written with it (a fresh random one per
    /// batch), for [`PriceHistoryStore::resume_price_batch`].
    fn finish_price_batch_keeping(
        &self,
        batch: PriceBatch,
    ) -> StoreResult<(PriceBatchStats, KnownOffers)>;
    /// The token written with `source`'s last batch; `None` before one.
    fn price_state_token(&self, source: &str) -> StoreResult<Option<i64>>;
    /// Starts a batch of `known.source()` at `time` from the known states the last batch left,
    /// when nothing wrote the source's states since (the stored token is still theirs); else
    /// loads them as [`PriceHistoryStore::begin_price_batch`] does.
    fn resume_price_batch(
        &self,
        time: DateTime<Utc>,
        known: KnownOffers,
    ) -> StoreResult<PriceBatch> {
        if self.price_state_token(known.source())? == Some(known.token()) {
            Ok(PriceBatch::resume(time, known))
        } else {
            self.begin_price_batch(known.source(), time)
        }
    }
    /// The content hash of the feed whose batch of `source` was written last (a batch carries
    /// it: [`PriceBatch::set_content_hash`]); `None` before any.
    fn price_history_content_hash(&self, source: &str) -> StoreResult<Option<String>>;
    /// The change points of an offer from `since` on (with the point in effect at `since`).
    fn price_points(
        &self,
        source: &str,
        offer_id: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<PricePoint>>;
    fn thirty_day_low(&self, source: &str, offer_id: &str) -> StoreResult<Option<ThirtyDayLow>>;
    /// Daily market lows of a GTIN (any GTIN form) from `since` on, with each merchant's low.
    fn gtin_daily_lows(
        &self,
        gtin: &feedmill_model::Gtin,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DailyLow>>;
    /// Deletes change points and daily lows older than `before`, keeping each offer's point
    /// still in effect then; returns how many rows went.
    fn prune_price_history(&self, before: DateTime<Utc>) -> StoreResult<u64>;

    /// The change points of each of `offer_ids` of `source` from `since` on, in order; the
    /// default asks [`PriceHistoryStore::price_points`] for each, a store may read them all in
    /// one read transaction.
    fn price_points_of_offers(
        &self,
        source: &str,
        offer_ids: &[&str],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Vec<PricePoint>>> {
        offer_ids
            .iter()
            .map(|offer_id| self.price_points(source, offer_id, since))
            .collect()
    }

    /// Observes `observations` into `batch` and answers each offer's [`PriceSummary`] (in
    /// order; `None` for one that could not be recorded). Unchanged offers are answered from
    /// the batch; a changed one's stored points are read (all of a slice's together), and the
    /// batch keeps (and later writes) what was computed. See `observe.rs`.
    fn observe_prices(
        &self,
        batch: &mut PriceBatch,
        observations: &[PriceObservation],
    ) -> StoreResult<Vec<Option<PriceSummary>>> {
        crate::observe::observe_prices(batch, observations, |source, offer_ids| {
            self.price_points_of_offers(source, offer_ids, DateTime::<Utc>::MIN_UTC)
        })
    }

    /// One batch from a slice of observations.
    fn record_prices(
        &self,
        source: &str,
        time: DateTime<Utc>,
        observations: &[PriceObservation],
    ) -> StoreResult<PriceBatchStats> {
        let mut batch = self.begin_price_batch(source, time)?;
        batch.observe(observations);
        self.finish_price_batch(batch)
    }
}

/// Everything feedmill stores; implemented by every store that implements the parts.
pub trait Store:
    Migrations
    + ClickStore
    + ConversionStore
    + TransactionStore
    + EarningsStore
    + PriceHistoryStore
    + KeyStore
    + CommissionStore
    + AlertStore
    + ProductMatchStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: Migrations
        + ClickStore
        + ConversionStore
        + TransactionStore
        + EarningsStore
        + PriceHistoryStore
        + KeyStore
        + CommissionStore
        + AlertStore
        + ProductMatchStore
        + Send
        + Sync
{
}
