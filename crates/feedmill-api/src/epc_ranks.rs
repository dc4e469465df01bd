//! [`EpcRanks`]: the merchants' earnings per click over the last [`EPC_WINDOW_DAYS`] days, as
//! the [`MerchantRanks`] tables that `sort=epc` hands the search backend.
//!
//! # The rule
//! - A merchant's EPC is its pending + approved commission ÷ its clicks over the window, from
//!   the store's earnings by merchant (clicks and sales credited to clicks of its offers).
//! - Only merchants with at least [`MIN_EPC_CLICKS`] clicks in the window are ranked (their
//!   EPC is not noise; CJ hides EPC under 100 clicks for the same reason); the offers of every
//!   other merchant come after all ranked ones, by relevance.
//! - EPCs of different currencies are never compared. A search with a `currency` filter ranks
//!   by EPC in that currency; without one, in the *main currency* — the currency of the most
//!   sales in the window. A ranked merchant without sales in the ranking currency has an EPC of
//!   0 there (it earned nothing in it), so it ranks last among the ranked merchants.
//!
//! # Caching
//! The tables are computed from the store at most once per [`EPC_REFRESH`] (a report over a
//! month of clicks is not a per-search cost) and whenever [`EpcRanks::invalidate`] says the
//! sales changed; searches in between share the tables (and, through each table's identity,
//! the search cache's answers). The computation runs on the blocking pool with the search.

use chrono::{DateTime, Duration as Days, Utc};
use feedmill_model::{Currency, Decimal};
use feedmill_search::MerchantRanks;
use feedmill_store::{EarningsQuery, EarningsRow, GroupBy, Store, StoreResult, TimeRange};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The window a merchant's EPC is computed over.
pub const EPC_WINDOW_DAYS: i64 = 30;
/// Fewest clicks in the window for a merchant to be ranked by its EPC.
pub const MIN_EPC_CLICKS: u64 = 100;
/// How long computed tables serve before the store is asked again.
pub const EPC_REFRESH: Duration = Duration::from_secs(300);

/// The tables of one computation.
#[derive(Debug)]
struct EpcTables {
    computed_at: Instant,
    by_currency: HashMap<Currency, Arc<MerchantRanks>>,
    /// The currency of the most sales; `None` without sales.
    main_currency: Option<Currency>,
    /// Every ranked merchant at EPC 0: the table of a currency nobody sold in.
    no_sales: Arc<MerchantRanks>,
}

/// See the module doc. Shared by all requests.
#[derive(Debug, Default)]
pub struct EpcRanks {
    tables: RwLock<Option<Arc<EpcTables>>>,
    /// Held while the store is asked, so a burst of searches at expiry asks it once.
    refreshing: Mutex<()>,
}

impl EpcRanks {
    /// The table `sort=epc` ranks by for a search with this `currency` filter, computed from
    /// `store` when the held tables are missing or older than [`EPC_REFRESH`].
    pub fn ranks_for(
        &self,
        store: &dyn Store,
        currency: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Arc<MerchantRanks>> {
        let tables = self.current(store, now)?;
        let wanted = currency.and_then(|code| Currency::parse(code.trim()).ok());
        let ranking = wanted.or(tables.main_currency);
        let table = ranking.and_then(|c| tables.by_currency.get(&c));
        Ok(table.cloned().unwrap_or_else(|| tables.no_sales.clone()))
    }

    /// Drops the held tables: the next `sort=epc` search computes them afresh (call it when
    /// sales or their statuses change).
    pub fn invalidate(&self) {
        if let Ok(mut tables) = self.tables.write() {
            *tables = None;
        }
    }

    fn current(&self, store: &dyn Store, now: DateTime<Utc>) -> StoreResult<Arc<EpcTables>> {
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        let _refreshing = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        let tables = Arc::new(compute(store, now)?);
        if let Ok(mut held) = self.tables.write() {
            *held = Some(tables.clone());
        }
        Ok(tables)
    }

    fn fresh(&self) -> Option<Arc<EpcTables>> {
        let held = self.tables.read().ok()?;
        held.as_ref()
            .filter(|t| t.computed_at.elapsed() < EPC_REFRESH)
            .cloned()
    }
}

fn compute(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<EpcTables> {
    let rows = store.earnings(EarningsQuery {
        range: TimeRange::between(now - Days::days(EPC_WINDOW_DAYS), now),
        group_by: GroupBy::Merchant,
    })?;
    Ok(tables_from_rows(&rows))
}

/// The tables of earnings rows by merchant (one row per merchant and currency).
fn tables_from_rows(rows: &[EarningsRow]) -> EpcTables {
    let ranked: BTreeSet<&String> = rows
        .iter()
        .filter(|r| r.num_clicks >= MIN_EPC_CLICKS)
        .filter_map(|r| r.key.as_ref())
        .collect();
    let mut sales_by_currency: BTreeMap<&'static str, (Currency, u64)> = BTreeMap::new();
    let mut epcs: HashMap<Currency, HashMap<&String, Decimal>> = HashMap::new();
    for row in rows {
        let Some(currency) = row.currency else {
            continue;
        };
        let entry = sales_by_currency
            .entry(currency.code())
            .or_insert((currency, 0));
        entry.1 += row.num_conversions;
        if let (Some(merchant), Some(epc)) = (row.key.as_ref(), row.epc)
            && row.num_clicks >= MIN_EPC_CLICKS
        {
            epcs.entry(currency).or_default().insert(merchant, epc);
        }
    }
    // Most sales first; ties by code, so the choice does not depend on hashing.
    let main_currency = sales_by_currency
        .values()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.code().cmp(a.0.code())))
        .map(|(currency, _)| *currency);
    let table = |currency: Option<Currency>, earned: Option<&HashMap<&String, Decimal>>| {
        let entries = ranked.iter().map(|merchant| {
            let epc = earned.and_then(|e| e.get(*merchant)).copied();
            ((*merchant).clone(), epc.unwrap_or(Decimal::ZERO))
        });
        Arc::new(MerchantRanks::new(currency, entries))
    };
    let by_currency = sales_by_currency
        .values()
        .map(|(currency, _)| (*currency, table(Some(*currency), epcs.get(currency))))
        .collect();
    EpcTables {
        computed_at: Instant::now(),
        by_currency,
        main_currency,
        no_sales: table(None, None),
    }
}

#[cfg(test)]
#[path = "epc_ranks_tests.rs"]
mod tests;
