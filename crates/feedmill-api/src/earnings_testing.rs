//! Stores with known clicks and sales, for the tests of earnings and `sort=epc`.

use chrono::{DateTime, Duration, Utc};
use feedmill_model::{Currency, Decimal, Network};
use feedmill_store::{Click, ClickId, ConversionInput, SqliteStore};
use std::str::FromStr;

/// `code` as a currency (a test's own constant).
pub(crate) fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_else(|_| panic!("bad test currency {code}"))
}

pub(crate) fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|_| panic!("bad test decimal {text}"))
}

/// `num_clicks` clicks on offer `offer` of `merchant` an hour before `now`, and one sale per
/// `(currency, commission)` credited to them by click id.
pub(crate) fn seed_merchant(
    store: &SqliteStore,
    merchant: &str,
    offer: &str,
    num_clicks: usize,
    sales: &[(&str, &str)],
    now: DateTime<Utc>,
) {
    let time = now - Duration::hours(1);
    let clicks: Vec<Click> = (0..num_clicks)
        .map(|_| click(merchant, offer, time))
        .collect();
    let credited: Vec<String> = clicks.iter().map(|c| c.click_id.to_string()).collect();
    store
        .record_clicks(clicks)
        .unwrap_or_else(|err| panic!("clicks of {merchant}: {err}"));
    let conversions = sales
        .iter()
        .enumerate()
        .map(|(i, (code, commission))| ConversionInput {
            program_id: format!("program-{merchant}"),
            order_id: format!("order-{merchant}-{i}"),
            click_id: credited.get(i % credited.len().max(1)).cloned(),
            currency: Some(currency(code)),
            amount: Some(dec("100.00")),
            commission_amount: Some(dec(commission)),
            order_time: Some(time),
            ..ConversionInput::default()
        })
        .collect();
    store
        .upsert_conversions(conversions, currency("EUR"), now)
        .unwrap_or_else(|err| panic!("sales of {merchant}: {err}"));
}

fn click(merchant: &str, offer: &str, time: DateTime<Utc>) -> Click {
    Click {
        click_id: ClickId::random().unwrap_or_else(|err| panic!("click id: {err}")),
        time,
        offer_id: offer.into(),
        source: "shop".into(),
        network: Some(Network::Awin),
        merchant: Some(merchant.into()),
        sub_id: None,
        sub_id_2: None,
        sub_id_3: None,
        sub_id_4: None,
        sub_id_5: None,
        sub_id_6: None,
        referrer: None,
        destination: format!("https://merchant.example/{offer}"),
    }
}
