//! Suite: earnings grouped by day and by the attributed click's attributes.

use super::conversion_suite::postback;
use super::transaction_suite::transaction;
use super::{click, currency, day, dec};
use crate::click::{GroupBy, TimeRange};
use crate::conversion::ConversionStatus;
use crate::earnings::{EarningsQuery, EarningsRow};
use crate::error::StoreResult;
use crate::store::Store;

fn by_key<'a>(
    rows: &'a [EarningsRow],
    key: Option<&str>,
    code: Option<&str>,
) -> Option<&'a EarningsRow> {
    rows.iter()
        .find(|r| r.key.as_deref() == key && r.currency.map(|c| c.code()) == code)
}

pub(crate) fn earnings_are_grouped_with_epc_per_currency(store: &impl Store) -> StoreResult<()> {
    let mut clicks = Vec::new();
    for i in 0..4 {
        let mut c = click(&format!("o{i}"), day(1), None)?;
        c.source = if i < 3 { "shop".into() } else { "other".into() };
        store.record_click(&c)?;
        clicks.push(c);
    }
    let id0 = clicks[0].click_id.to_string();
    let mut sale = postback(&[
        ("order_id", "E1"),
        ("amount", "100.00"),
        ("click_id", id0.as_str()),
    ]);
    sale.commission_amount = Some(dec("8.00"));
    store.upsert_conversion(&sale, currency("SEK"), day(2))?;
    let mut approved = transaction("T1", ConversionStatus::Approved, "4.00");
    approved.click_ref = Some(clicks[1].click_id.to_string());
    store.upsert_transaction(&approved, day(3))?;
    let mut rejected = transaction("T2", ConversionStatus::Rejected, "50.00");
    rejected.click_ref = Some(clicks[2].click_id.to_string());
    store.upsert_transaction(&rejected, day(3))?;
    let report = store.earnings(EarningsQuery {
        range: TimeRange::between(day(0), day(10)),
        group_by: GroupBy::Source,
    })?;
    assert_eq!(report.len(), 3, "{report:#?}");
    let sek = by_key(&report, Some("shop"), Some("SEK")).ok_or(crate::StoreError::WriterStopped)?;
    assert_eq!((sek.num_clicks, sek.num_conversions), (3, 1));
    assert_eq!(sek.commission.pending, dec("8.00"));
    assert_eq!(sek.epc, Some(dec("2.6667")), "8.00 over 3 clicks");
    let usd = by_key(&report, Some("shop"), Some("USD")).ok_or(crate::StoreError::WriterStopped)?;
    assert_eq!((usd.num_clicks, usd.num_conversions), (3, 2));
    assert_eq!(usd.sale_amount, dec("739.28"));
    assert_eq!(
        (usd.commission.approved, usd.commission.rejected),
        (dec("4.00"), dec("50.00"))
    );
    assert_eq!(
        usd.epc,
        Some(dec("1.3333")),
        "rejected commission earns nothing"
    );
    assert_eq!(usd.conversion_rate, Some(dec("0.6667")));
    let other = by_key(&report, Some("other"), None).ok_or(crate::StoreError::WriterStopped)?;
    assert_eq!(
        (other.num_clicks, other.num_conversions, other.epc),
        (1, 0, None)
    );
    Ok(())
}

pub(crate) fn earnings_by_day_use_the_sale_day(store: &impl Store) -> StoreResult<()> {
    let c = click("o1", day(0), None)?;
    store.record_click(&c)?;
    let id = c.click_id.to_string();
    let sale = postback(&[
        ("order_id", "D1"),
        ("amount", "10.00"),
        ("click_id", id.as_str()),
        ("order_time", "2026-01-05T08:00:00Z"),
    ]);
    store.upsert_conversion(&sale, currency("EUR"), day(9))?;
    store.upsert_conversion(
        &postback(&[("order_id", "D2"), ("amount", "5.00")]),
        currency("EUR"),
        day(4),
    )?;
    let report = store.earnings(EarningsQuery {
        range: TimeRange::all(),
        group_by: GroupBy::Day,
    })?;
    let days: Vec<_> = report
        .iter()
        .map(|r| {
            (
                r.key.clone().unwrap_or_default(),
                r.num_clicks,
                r.num_conversions,
            )
        })
        .collect();
    assert_eq!(
        days,
        [("2026-01-01".into(), 1, 0), ("2026-01-05".into(), 0, 2)]
    );
    let by_offer = store.earnings(EarningsQuery {
        range: TimeRange::all(),
        group_by: GroupBy::Offer,
    })?;
    let unattributed = by_key(&by_offer, None, Some("EUR")).map(|r| r.sale_amount);
    assert_eq!(
        unattributed,
        Some(dec("5.00")),
        "an unattributed sale counts under no key"
    );
    Ok(())
}
