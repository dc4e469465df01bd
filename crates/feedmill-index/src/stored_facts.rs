//! The honest numbers as an offer's document stores them: the history's five figures in a
//! short text, the facts derived again from them and the offer when a hit is read.
//!
//! An ingest with price history stores this for every offer, on the ingest's own thread, so
//! its cost is the ingest's: writing the whole [`PriceFacts`] as JSON (two RFC 3339 times, two
//! formatted prices) cost a fifth of the history's share of a refresh. The figures are all the
//! facts rest on ([`PriceFacts::new`] reads nothing else but the offer), so storing them is
//! storing the facts, in ~50 bytes where the JSON took ~250.
//!
//! The text is `h1;` then five `;`-separated fields: the current price's start and the lowest
//! since (each `seconds,nanoseconds` since the epoch), the days of history, and the 30-day low
//! and previous price (each `mantissa/scale` of the exact decimal, empty when absent). Indexes
//! written before this stored the facts' JSON; [`decode`] still reads it.

use chrono::{DateTime, Utc};
use feedmill_search::{PriceFacts, PriceHistoryFigures};
use rust_decimal::Decimal;
use std::fmt::Write;

const VERSION: &str = "h1;";

/// Writes `facts`' figures into `out` (cleared first).
pub(crate) fn encode(facts: &PriceFacts, out: &mut String) {
    out.clear();
    out.push_str(VERSION);
    // Writing into a String cannot fail.
    let _ = write!(out, "{};", facts.history_days);
    write_time(out, facts.price_changed_at);
    write_time(out, facts.lowest_since);
    write_price(out, facts.lowest_price_30d);
    write_price(out, facts.previous_price);
}

/// The figures stored by [`encode`], or the facts of an older document's JSON.
pub(crate) fn decode(stored: &str) -> Result<StoredFacts, String> {
    let Some(fields) = stored.strip_prefix(VERSION) else {
        return serde_json::from_str(stored)
            .map(StoredFacts::Facts)
            .map_err(|err| err.to_string());
    };
    let mut fields = fields.split(';');
    let mut next = |name: &str| fields.next().ok_or_else(|| format!("{name} missing"));
    let history_days = next("history_days")?
        .parse()
        .map_err(|err| format!("history_days: {err}"))?;
    let current_since = read_time(next("price_changed_at")?)?;
    let lowest_since = read_time(next("lowest_since")?)?;
    let lowest_30d = read_price(next("lowest_price_30d")?)?;
    let previous_price = read_price(next("previous_price")?)?;
    Ok(StoredFacts::Figures(PriceHistoryFigures {
        current_since,
        previous_price,
        history_days,
        lowest_30d,
        lowest_since,
    }))
}

/// What a document stores: the figures (this module's text) or, in older indexes, the facts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StoredFacts {
    Figures(PriceHistoryFigures),
    Facts(PriceFacts),
}

fn write_time(out: &mut String, time: DateTime<Utc>) {
    let _ = write!(
        out,
        "{},{};",
        time.timestamp(),
        time.timestamp_subsec_nanos()
    );
}

fn write_price(out: &mut String, price: Option<Decimal>) {
    if let Some(price) = price {
        let _ = write!(out, "{}/{}", price.mantissa(), price.scale());
    }
    out.push(';');
}

fn read_time(field: &str) -> Result<DateTime<Utc>, String> {
    let (seconds, nanos) = field
        .split_once(',')
        .ok_or_else(|| format!("time {field:?}: no nanoseconds"))?;
    let seconds = seconds
        .parse()
        .map_err(|err| format!("time {field:?}: {err}"))?;
    let nanos = nanos
        .parse()
        .map_err(|err| format!("time {field:?}: {err}"))?;
    DateTime::from_timestamp(seconds, nanos).ok_or_else(|| format!("time {field:?}: out of range"))
}

fn read_price(field: &str) -> Result<Option<Decimal>, String> {
    if field.is_empty() {
        return Ok(None);
    }
    let (mantissa, scale) = field
        .split_once('/')
        .ok_or_else(|| format!("price {field:?}: no scale"))?;
    let mantissa = mantissa
        .parse()
        .map_err(|err| format!("price {field:?}: {err}"))?;
    let scale = scale
        .parse()
        .map_err(|err| format!("price {field:?}: {err}"))?;
    Decimal::try_from_i128_with_scale(mantissa, scale)
        .map(Some)
        .map_err(|err| format!("price {field:?}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedmill_model::Offer;

    /// An offer at `price` claiming `old_price` (the only fields the facts read).
    fn offer(price: &str, old_price: Option<&str>) -> Offer {
        let json = serde_json::json!({
            "id": "s:1", "source": "s", "network": "generic", "title": "Kettle",
            "price": price, "old_price": old_price, "currency": "EUR",
            "availability": "in_stock",
        });
        serde_json::from_value(json).unwrap_or_else(|err| unreachable!("{err}"))
    }

    fn time(seconds: i64, nanos: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, nanos).unwrap_or_else(|| unreachable!("{seconds}"))
    }

    fn read_back(offer: &Offer, facts: &PriceFacts) -> PriceFacts {
        let mut text = String::new();
        encode(facts, &mut text);
        match decode(&text).expect("decodes") {
            StoredFacts::Figures(figures) => PriceFacts::new(offer, &figures),
            StoredFacts::Facts(_) => panic!("the text is read as figures"),
        }
    }

    #[test]
    fn facts_read_back_as_they_were_built() {
        let cases = [
            (
                offer("79.90", Some("99.00")),
                PriceHistoryFigures {
                    current_since: time(1_780_000_000, 123_456_789),
                    previous_price: Some(Decimal::new(8950, 2)),
                    history_days: 41,
                    lowest_30d: Some(Decimal::new(84000, 3)),
                    lowest_since: time(1_770_000_000, 0),
                },
            ),
            (
                offer("5", None),
                PriceHistoryFigures {
                    current_since: time(-5, 7),
                    previous_price: None,
                    history_days: 0,
                    lowest_30d: None,
                    lowest_since: time(-5, 7),
                },
            ),
        ];
        for (offer, figures) in cases {
            let facts = PriceFacts::new(&offer, &figures);
            let back = read_back(&offer, &facts);
            assert_eq!(back, facts);
            // Same scale too: the prices are shown as stored.
            assert_eq!(
                back.lowest_price_30d.map(|p| p.to_string()),
                facts.lowest_price_30d.map(|p| p.to_string())
            );
        }
    }

    #[test]
    fn the_json_of_older_indexes_is_still_read() {
        let offer = offer("10.00", Some("12.00"));
        let facts = PriceFacts::new(
            &offer,
            &PriceHistoryFigures {
                current_since: time(1_780_000_000, 0),
                previous_price: Some(Decimal::from(11)),
                history_days: 35,
                lowest_30d: Some(Decimal::from(11)),
                lowest_since: time(1_780_000_000, 0),
            },
        );
        let json = serde_json::to_string(&facts).expect("json");
        assert_eq!(decode(&json), Ok(StoredFacts::Facts(facts)));
    }

    #[test]
    fn damaged_text_is_an_error_not_a_panic() {
        for text in [
            "h1;",
            "h1;x;1,0;1,0;;;",
            "h1;3;1;1,0;;;",
            "h1;3;1,0;1,0;12;;",
            "h1;3;1,0;1,0;12/99;;",
            "h1;3;99999999999999999,0;1,0;;;",
        ] {
            assert!(decode(text).is_err(), "{text:?} should not decode");
        }
    }
}
