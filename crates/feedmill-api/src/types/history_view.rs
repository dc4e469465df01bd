//! The JSON of the price history endpoints (`GET /offers/{id}/history`,
//! `GET /products/{gtin}/history`) and of `feedmill history --json`, built from the store's
//! change points and daily GTIN lows. Money is exact decimal strings (`"79.00"`), times
//! RFC 3339 in UTC, days `YYYY-MM-DD` (UTC days, as the store buckets them).

use chrono::SecondsFormat;
use feedmill_model::{Decimal, Offer};
use feedmill_store::{DailyLow, PointKind, PricePoint};
use serde::Serialize;
use std::collections::BTreeMap;

/// `GET /offers/{id}/history`: the offer's change points, oldest first. The first point can
/// be older than the window: it is the one still in effect when the window opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OfferHistory {
    pub offer_id: String,
    pub days: u32,
    pub points: Vec<HistoryPoint>,
}

/// One change point. A `gap` (the offer left its feed) has every price field `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HistoryPoint {
    /// RFC 3339, UTC.
    pub at: String,
    /// first, change, gap or return.
    pub kind: String,
    /// The price the offer sold at from this point on.
    pub price: Option<String>,
    /// The "was" price the feed claimed, as it claimed it.
    pub old_price: Option<String>,
    /// The price when the feed announced it as a reduction (a claimed `old_price` above
    /// `price`), else `null`.
    pub sale_price: Option<String>,
    /// ISO-4217.
    pub currency: Option<String>,
    /// in_stock, out_of_stock, preorder, backorder or unknown.
    pub availability: Option<String>,
}

/// `GET /products/{gtin}/history`: the daily market low of one product per currency, and each
/// merchant's daily low. Out-of-stock offers make no low.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProductHistory {
    /// The GTIN in its 14-digit form (UPC-12 and EAN-13 of one product are one key).
    pub gtin: String,
    pub days: u32,
    /// By day, then currency.
    pub market: Vec<MarketLow>,
    /// By merchant, then currency.
    pub merchants: Vec<MerchantHistory>,
}

/// The lowest price of any merchant on one day in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MarketLow {
    /// YYYY-MM-DD (UTC).
    pub date: String,
    pub currency: String,
    pub low: String,
    /// Merchants with a price that day.
    pub merchants: u32,
}

/// One merchant's daily lows in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MerchantHistory {
    /// The merchant's name as the feed gives it (the source's name when it gives none).
    pub merchant: String,
    /// The source whose current offers of this product come from this merchant; `null` when
    /// no current offer does (the merchant left, or the answer was built from the store alone).
    pub source: Option<String>,
    pub currency: String,
    /// Oldest first.
    pub points: Vec<DailyPoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DailyPoint {
    /// YYYY-MM-DD (UTC).
    pub date: String,
    pub low: String,
}

fn money(amount: Decimal) -> String {
    amount.to_string()
}

impl HistoryPoint {
    pub fn from_point(point: &PricePoint) -> HistoryPoint {
        let on_sale = matches!((point.price, point.old_price), (Some(p), Some(old)) if old > p);
        HistoryPoint {
            at: point.time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            kind: kind_name(point.kind).to_string(),
            price: point.price.map(money),
            old_price: point.old_price.map(money),
            sale_price: point.price.filter(|_| on_sale).map(money),
            currency: point.currency.map(|c| c.code().to_string()),
            availability: point.availability.map(|a| a.as_str().to_string()),
        }
    }
}

fn kind_name(kind: PointKind) -> &'static str {
    match kind {
        PointKind::First => "first",
        PointKind::Change => "change",
        PointKind::Gap => "gap",
        PointKind::Return => "return",
    }
}

impl OfferHistory {
    pub fn new(offer_id: &str, days: u32, points: &[PricePoint]) -> OfferHistory {
        OfferHistory {
            offer_id: offer_id.to_string(),
            days,
            points: points.iter().map(HistoryPoint::from_point).collect(),
        }
    }
}

impl ProductHistory {
    /// Built from the store's daily lows (by day, then currency); `source_of` names the source
    /// of a merchant when one is known.
    pub fn new(
        gtin14: &str,
        days: u32,
        lows: &[DailyLow],
        source_of: impl Fn(&str) -> Option<String>,
    ) -> ProductHistory {
        let market = lows
            .iter()
            .map(|low| MarketLow {
                date: low.day.to_string(),
                currency: low.currency.code().to_string(),
                low: money(low.low_price),
                merchants: u32::try_from(low.merchants.len()).unwrap_or(u32::MAX),
            })
            .collect();
        let mut by_merchant: BTreeMap<(&str, &str), Vec<DailyPoint>> = BTreeMap::new();
        for low in lows {
            for merchant in &low.merchants {
                let key = (merchant.merchant.as_str(), low.currency.code());
                by_merchant.entry(key).or_default().push(DailyPoint {
                    date: low.day.to_string(),
                    low: money(merchant.low_price),
                });
            }
        }
        let merchants = by_merchant
            .into_iter()
            .map(|((merchant, currency), points)| MerchantHistory {
                merchant: merchant.to_string(),
                source: source_of(merchant),
                currency: currency.to_string(),
                points,
            })
            .collect();
        ProductHistory {
            gtin: gtin14.to_string(),
            days,
            market,
            merchants,
        }
    }
}

/// The source of the current offer a merchant label of the history belongs to: the label is
/// the merchant's name, else its id, else the source's own name.
pub fn merchant_source(offers: &[Offer], merchant: &str) -> Option<String> {
    let named = |offer: &&Offer| {
        offer.merchant_name.as_deref() == Some(merchant)
            || offer.merchant_id.as_deref() == Some(merchant)
    };
    offers
        .iter()
        .find(named)
        .or_else(|| offers.iter().find(|offer| offer.source == merchant))
        .map(|offer| offer.source.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use feedmill_model::{Availability, Currency};
    use feedmill_store::MerchantLow;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap_or_else(|_| unreachable!("EUR is ISO-4217"))
    }

    #[test]
    fn a_point_shows_money_as_strings_and_a_sale_only_under_a_higher_claim() {
        let point = PricePoint {
            time: Utc
                .with_ymd_and_hms(2026, 11, 1, 8, 0, 0)
                .single()
                .unwrap_or_default(),
            kind: PointKind::Change,
            price: Some(Decimal::new(7900, 2)),
            old_price: Some(Decimal::new(9900, 2)),
            currency: Some(eur()),
            availability: Some(Availability::InStock),
        };
        let json = serde_json::to_value(HistoryPoint::from_point(&point)).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"at": "2026-11-01T08:00:00Z", "kind": "change", "price": "79.00",
                "old_price": "99.00", "sale_price": "79.00", "currency": "EUR",
                "availability": "in_stock"})
        );
        let no_claim = PricePoint {
            old_price: None,
            ..point.clone()
        };
        assert_eq!(HistoryPoint::from_point(&no_claim).sale_price, None);
        let gap = PricePoint {
            kind: PointKind::Gap,
            price: None,
            old_price: None,
            currency: None,
            availability: None,
            ..point
        };
        let gap = serde_json::to_value(HistoryPoint::from_point(&gap)).unwrap_or_default();
        assert_eq!(gap["kind"], "gap");
        assert!(gap["price"].is_null() && gap["currency"].is_null());
    }

    #[test]
    fn product_history_groups_the_lows_per_merchant_and_currency() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let low = |merchant: &str, cents| MerchantLow {
            merchant: merchant.into(),
            low_price: Decimal::new(cents, 2),
        };
        let lows = [
            DailyLow {
                day: day(1),
                currency: eur(),
                low_price: Decimal::new(7900, 2),
                merchants: vec![low("A", 7900), low("B", 8100)],
            },
            DailyLow {
                day: day(2),
                currency: eur(),
                low_price: Decimal::new(8000, 2),
                merchants: vec![low("B", 8000)],
            },
        ];
        let history = ProductHistory::new("04006381333931", 90, &lows, |m| {
            (m == "B").then(|| "shop-b".to_string())
        });
        let json = serde_json::to_value(&history).unwrap_or_default();
        assert_eq!(
            json["market"],
            serde_json::json!([
                {"date": "2026-11-01", "currency": "EUR", "low": "79.00", "merchants": 2},
                {"date": "2026-11-02", "currency": "EUR", "low": "80.00", "merchants": 1}
            ])
        );
        assert_eq!(
            json["merchants"][1],
            serde_json::json!({"merchant": "B", "source": "shop-b", "currency": "EUR",
                "points": [{"date": "2026-11-01", "low": "81.00"},
                           {"date": "2026-11-02", "low": "80.00"}]})
        );
        assert!(json["merchants"][0]["source"].is_null());
    }
}
