//! [`PriceFacts`]: the honest numbers every offer answer carries when price history is kept —
//! the EU 30-day low, the discount measured from it next to the feed's claim, when and from what
//! the price last changed — and [`PricedOffer`], an offer with them.
//!
//! The history (`feedmill-store`) gives each offer's [`PriceHistoryFigures`] at ingest; the
//! figures derived from them and the offer ([`PriceFacts::new`]) are computed here once, so
//! every backend indexes, sorts and shows the same numbers. Percentages are rounded to one
//! decimal (they are shown, and compared only with each other); prices stay exact.

use chrono::{DateTime, Utc};
use feedmill_model::{Offer, format_price};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

/// What an offer's history says about its current price (none of it depends on "now").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceHistoryFigures {
    /// When the current price began.
    pub current_since: DateTime<Utc>,
    /// The price before it, in the same currency.
    pub previous_price: Option<Decimal>,
    /// Whole days of history in this currency before the current price began.
    pub history_days: i64,
    /// The lowest price of the 30 days before the current price began; `None` with under 30
    /// days of history.
    pub lowest_30d: Option<Decimal>,
    /// Since when no price of the offer (in this currency) was below the current one.
    pub lowest_since: DateTime<Utc>,
}

/// The honest numbers of one offer. Field names are a contract with API users.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceFacts {
    /// The EU reference price; absent with too little history (see `history_days`).
    #[serde(with = "optional_price")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, required = true, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub lowest_price_30d: Option<Decimal>,
    /// Days of history in this currency before the current price began.
    pub history_days: i64,
    /// When the current price began.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub price_changed_at: DateTime<Utc>,
    #[serde(with = "optional_price")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, required = true, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub previous_price: Option<Decimal>,
    /// Percent below `lowest_price_30d`; absent when the price is not below it (or no low).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub discount_percent: Option<f64>,
    /// Percent below the feed's claimed old price, as the feed claims it.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub claimed_discount_percent: Option<f64>,
    /// True only when the feed claims a discount and its claimed old price is at or below our
    /// 30-day low, so the claim is no larger than the honest discount.
    pub discount_verified: bool,
    /// Percent below `previous_price` (what `sort=price_drop` orders by); absent unless the
    /// last change lowered the price.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub price_drop_percent: Option<f64>,
    /// Since when no price of the offer was below the current one (what `at_lowest` filters).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub lowest_since: DateTime<Utc>,
}

impl PriceFacts {
    /// The honest numbers of `offer` given its history's figures.
    pub fn new(offer: &Offer, history: &PriceHistoryFigures) -> PriceFacts {
        let price = offer.price;
        let discount_percent = history.lowest_30d.and_then(|low| percent_below(price, low));
        let claimed_discount_percent = offer.old_price.and_then(|old| percent_below(price, old));
        let discount_verified = claimed_discount_percent.is_some()
            && matches!((offer.old_price, history.lowest_30d), (Some(old), Some(low)) if old <= low);
        PriceFacts {
            lowest_price_30d: history.lowest_30d,
            history_days: history.history_days,
            price_changed_at: history.current_since,
            previous_price: history.previous_price,
            discount_percent,
            claimed_discount_percent,
            discount_verified,
            price_drop_percent: history
                .previous_price
                .and_then(|previous| percent_below(price, previous)),
            lowest_since: history.lowest_since,
        }
    }
}

/// How far `price` is below `reference`, in percent of it, to one decimal; `None` when it is
/// not below (or the reference is not positive).
pub fn percent_below(price: Decimal, reference: Decimal) -> Option<f64> {
    if reference <= Decimal::ZERO || price >= reference {
        return None;
    }
    ((reference - price) / reference * Decimal::ONE_HUNDRED)
        .round_dp(1)
        .to_f64()
}

/// An offer with its honest numbers (`None` when no history is kept for it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricedOffer {
    #[serde(flatten)]
    pub offer: Offer,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub price_facts: Option<PriceFacts>,
}

impl PricedOffer {
    /// An offer without history.
    pub fn bare(offer: Offer) -> PricedOffer {
        PricedOffer {
            offer,
            price_facts: None,
        }
    }
}

/// Optional prices as exact decimal strings with two places at least, `null` when absent.
mod optional_price {
    use super::format_price;
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        price: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match price {
            Some(price) => serializer.serialize_str(&format_price(*price)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use feedmill_model::{Availability, Currency, Network};

    fn offer(price: i64, old_price: Option<i64>) -> Offer {
        Offer {
            id: "s:1".into(),
            source: "s".into(),
            network: Network::Generic,
            merchant_id: None,
            merchant_name: None,
            program_id: None,
            sku: None,
            gtin: None,
            mpn: None,
            title: "Kettle".into(),
            description: None,
            brand: None,
            category: None,
            price: Decimal::from(price),
            old_price: old_price.map(Decimal::from),
            currency: Currency::parse("EUR").unwrap_or_else(|_| unreachable!("EUR")),
            shipping: None,
            availability: Availability::InStock,
            product_url: None,
            tracking_url: None,
            image_url: None,
            additional_images: Vec::new(),
            updated_at: None,
            extra: Default::default(),
            product_id: None,
            product_match: None,
        }
    }

    fn figures(previous: Option<i64>, low: Option<i64>) -> PriceHistoryFigures {
        let when = Utc
            .with_ymd_and_hms(2026, 5, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        PriceHistoryFigures {
            current_since: when,
            previous_price: previous.map(Decimal::from),
            history_days: 45,
            lowest_30d: low.map(Decimal::from),
            lowest_since: when,
        }
    }

    #[test]
    fn the_discount_is_measured_from_the_thirty_day_low() {
        // Raised to 100 before a "sale" from 100 to 80, with 90 the low of the 30 days before.
        let facts = PriceFacts::new(&offer(80, Some(100)), &figures(Some(100), Some(90)));
        assert_eq!(facts.claimed_discount_percent, Some(20.0));
        assert_eq!(facts.discount_percent, Some(11.1));
        assert!(
            !facts.discount_verified,
            "the claim is larger than the honest discount"
        );
        assert_eq!(facts.price_drop_percent, Some(20.0));
    }

    #[test]
    fn a_claim_at_or_below_the_low_is_verified() {
        let facts = PriceFacts::new(&offer(75, Some(100)), &figures(Some(100), Some(100)));
        assert_eq!(facts.discount_percent, Some(25.0));
        assert!(facts.discount_verified);
    }

    #[test]
    fn no_low_means_no_honest_discount_and_nothing_verified() {
        let facts = PriceFacts::new(&offer(75, Some(100)), &figures(None, None));
        assert_eq!(facts.discount_percent, None);
        assert_eq!(facts.claimed_discount_percent, Some(25.0));
        assert!(!facts.discount_verified);
        assert_eq!(facts.price_drop_percent, None);
        let raised = PriceFacts::new(&offer(110, None), &figures(Some(100), Some(100)));
        assert_eq!(
            (raised.discount_percent, raised.price_drop_percent),
            (None, None)
        );
    }

    #[test]
    fn a_priced_offer_flattens_its_facts_and_reads_back() -> Result<(), serde_json::Error> {
        let priced = PricedOffer {
            price_facts: Some(PriceFacts::new(&offer(80, None), &figures(Some(100), None))),
            offer: offer(80, None),
        };
        let json = serde_json::to_value(&priced)?;
        assert_eq!(json["previous_price"], "100.00");
        assert_eq!(json["lowest_price_30d"], serde_json::Value::Null);
        assert_eq!(json["price"], "80.00");
        assert_eq!(serde_json::from_value::<PricedOffer>(json)?, priced);
        let bare = serde_json::to_value(PricedOffer::bare(offer(80, None)))?;
        assert!(bare.get("history_days").is_none());
        Ok(())
    }
}
