//! Bulk writes: many clicks or conversions in one write of the writer (one transaction, one
//! fsync), for loading a store (tests, benchmarks, an import) rather than serving requests.
//! Each row goes through the same statements, checks and attribution as its one-by-one write.

use super::SqliteStore;
use super::click_insert::insert_click;
use super::conversions::upsert;
use crate::click::Click;
use crate::conversion::{ConversionInput, ConversionReceipt};
use crate::conversion_merge::StoredAmounts;
use crate::error::StoreResult;
use crate::stored::time_to_stored;
use chrono::{DateTime, Utc};
use feedmill_model::Currency;

impl SqliteStore {
    /// Stores every click in one transaction; returns once they are durable. Every id must be
    /// new: one taken id fails the whole batch, which then stores nothing.
    pub fn record_clicks(&self, clicks: Vec<Click>) -> StoreResult<u64> {
        self.write(move |connection| {
            let mut num_inserted = 0;
            for click in &clicks {
                num_inserted += insert_click(connection, click, false)?;
            }
            Ok(num_inserted)
        })
    }

    /// Upserts every conversion in one transaction, each attributed as its postback would be;
    /// one that fails (an amount the store cannot hold) fails the batch, which then changes
    /// nothing.
    pub fn upsert_conversions(
        &self,
        inputs: Vec<ConversionInput>,
        default_currency: Currency,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ConversionReceipt>> {
        self.settle_clicks();
        let mut checked = Vec::with_capacity(inputs.len());
        for input in inputs {
            let amounts = StoredAmounts::of(&input)?;
            checked.push((input, amounts));
        }
        let now_us = time_to_stored(now);
        self.write(move |connection| {
            let mut receipts = Vec::with_capacity(checked.len());
            for (input, amounts) in &checked {
                receipts.push(upsert(
                    connection,
                    input,
                    amounts,
                    default_currency,
                    now_us,
                )?);
            }
            Ok(receipts)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::click::TimeRange;
    use crate::conversion::ConversionInput;
    use crate::store::{ClickStore, ConversionStore};
    use crate::suite::{click, currency, day, dec, sqlite_fixture};

    #[test]
    fn a_batch_is_stored_and_attributed_like_single_writes() -> crate::StoreResult<()> {
        let fixture = sqlite_fixture()?;
        let store = &fixture.store;
        let clicks = vec![click("o1", day(0), Some("nl"))?, click("o2", day(1), None)?];
        let first = clicks[0].click_id.clone();
        assert_eq!(store.record_clicks(clicks.clone())?, 2);
        assert!(store.record_clicks(clicks).is_err(), "ids are taken");
        assert_eq!(store.visit_clicks(TimeRange::all(), &mut |_| Ok(()))?, 2);
        let sale = ConversionInput {
            program_id: "p".into(),
            order_id: "A1".into(),
            sub_id: Some("nl".into()),
            amount: Some(dec("10.00")),
            order_time: Some(day(2)),
            ..ConversionInput::default()
        };
        let too_precise = ConversionInput {
            order_id: "A2".into(),
            amount: Some(dec("1.00001")),
            ..sale.clone()
        };
        assert!(
            store
                .upsert_conversions(vec![sale.clone(), too_precise], currency("EUR"), day(2))
                .is_err()
        );
        assert!(
            store.conversion("p", "A1")?.is_none(),
            "a failed batch changes nothing"
        );
        let receipts = store.upsert_conversions(vec![sale], currency("EUR"), day(2))?;
        assert_eq!(receipts.len(), 1);
        let stored = store.conversion("p", "A1")?;
        assert_eq!(stored.and_then(|c| c.attribution.click_id), Some(first));
        Ok(())
    }
}
