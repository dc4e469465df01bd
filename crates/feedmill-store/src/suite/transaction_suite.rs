//! Suite: network transactions.

use super::{currency, day, dec};
use crate::conversion::ConversionStatus;
use crate::error::{StoreError, StoreResult};
use crate::store::Store;
use crate::transaction::TransactionInput;
use feedmill_model::Network;

pub(crate) fn transaction(
    id: &str,
    status: ConversionStatus,
    commission: &str,
) -> TransactionInput {
    TransactionInput {
        network: Network::Partnerboost,
        transaction_id: id.into(),
        status,
        sale_amount: dec("369.64"),
        commission_amount: dec(commission),
        currency: currency("USD"),
        transaction_time: day(2),
        program_id: Some("brand-7".into()),
        merchant: Some("Acme".into()),
        click_ref: None,
        sub_ids: [
            Some("nl".into()),
            None,
            None,
            None,
            Some("uid5".into()),
            None,
        ],
    }
}

pub(crate) fn a_transaction_is_upserted_by_network_and_id(store: &impl Store) -> StoreResult<()> {
    let first = store.upsert_transaction(
        &transaction("T1", ConversionStatus::Pending, "41.40"),
        day(3),
    )?;
    assert!(first.created && first.status_changed);
    let same = store.upsert_transaction(
        &transaction("T1", ConversionStatus::Pending, "41.45"),
        day(4),
    )?;
    assert!(!same.created && !same.status_changed);
    let mut awin = transaction("T1", ConversionStatus::Approved, "1.00");
    awin.network = Network::Awin;
    assert!(
        store.upsert_transaction(&awin, day(4))?.created,
        "ids are per network"
    );
    let stored = store
        .transaction(Network::Partnerboost, "T1")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(stored.commission_amount, dec("41.45"));
    assert_eq!(stored.sale_amount.to_string(), "369.64");
    assert_eq!(stored.sub_ids[4].as_deref(), Some("uid5"));
    assert_eq!((stored.first_seen_at, stored.updated_at), (day(3), day(4)));
    assert_eq!(stored.program_id.as_deref(), Some("brand-7"));
    Ok(())
}

pub(crate) fn transaction_status_history_is_kept(store: &impl Store) -> StoreResult<()> {
    for (status, when) in [
        (ConversionStatus::Pending, 3),
        (ConversionStatus::Pending, 4),
        (ConversionStatus::Approved, 10),
        (ConversionStatus::Reversed, 40),
    ] {
        store.upsert_transaction(&transaction("T2", status, "5.00"), day(when))?;
    }
    let history = store.transaction_history(Network::Partnerboost, "T2")?;
    let statuses: Vec<_> = history.iter().map(|h| (h.status, h.time)).collect();
    assert_eq!(
        statuses,
        [
            (ConversionStatus::Pending, day(3)),
            (ConversionStatus::Approved, day(10)),
            (ConversionStatus::Reversed, day(40))
        ]
    );
    let stored = store
        .transaction(Network::Partnerboost, "T2")?
        .map(|t| t.status);
    assert_eq!(stored, Some(ConversionStatus::Reversed));
    Ok(())
}
