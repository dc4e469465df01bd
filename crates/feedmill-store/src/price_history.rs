//! Price history: the change points of each offer and the honest 30-day low computed from them.
//!
//! An offer (source + offer id) has a run of change points: the first sighting
//! ([`PointKind::First`]), each change of price, claimed old price, currency or availability
//! ([`PointKind::Change`]), a disappearance ([`PointKind::Gap`], no price: the offer was not on
//! sale) and a reappearance ([`PointKind::Return`]). An unchanged observation adds nothing, so
//! a price is in effect from its point until the next one.
//!
//! [`thirty_day_low`] applies the EU rule (Directive 98/6/EC Art. 6a): the lowest price of the
//! 30 days before the current price began. The current price begins at the first point of the
//! unbroken run (no gap) of points with today's price and currency; the window is the 30 days
//! before that instant, not before today. A price in effect when the window opens counts; a
//! window with no price in it (the offer was gone) carries the last known price forward. Prices
//! in another currency never count, and fewer than 30 days of history in the current currency
//! before the current price began gives no low at all (`lowest: None`, with `history_days`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use feedmill_model::{Availability, Currency, Gtin};
use rust_decimal::Decimal;
use serde::Serialize;
use std::borrow::Cow;

/// Days the EU rule looks back.
pub const LOWEST_PRICE_WINDOW_DAYS: i64 = 30;
/// Raw change points older than this are pruned by default (the latest point before the cut
/// is kept, since it is still in effect).
pub const DEFAULT_RETENTION_DAYS: i64 = 400;

/// What one ingest saw of one offer. The strings may be borrowed from the offer: an ingest
/// observes every offer of every refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceObservation<'a> {
    pub offer_id: Cow<'a, str>,
    pub price: Decimal,
    /// The "was" price the feed claims, as it claims it.
    pub old_price: Option<Decimal>,
    pub currency: Currency,
    pub availability: Availability,
    pub gtin: Option<Cow<'a, Gtin>>,
    pub merchant: Option<Cow<'a, str>>,
}

/// What a change point records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    First,
    Change,
    Gap,
    Return,
}

impl PointKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PointKind::First => "first",
            PointKind::Change => "change",
            PointKind::Gap => "gap",
            PointKind::Return => "return",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<PointKind> {
        [
            PointKind::First,
            PointKind::Change,
            PointKind::Gap,
            PointKind::Return,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// One change point; a gap has no price, currency or availability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PricePoint {
    pub time: DateTime<Utc>,
    pub kind: PointKind,
    pub price: Option<Decimal>,
    pub old_price: Option<Decimal>,
    pub currency: Option<Currency>,
    pub availability: Option<Availability>,
}

impl PricePoint {
    fn priced(&self) -> Option<(Decimal, Currency)> {
        match (self.kind, self.price, self.currency) {
            (PointKind::Gap, _, _) => None,
            (_, Some(price), Some(currency)) => Some((price, currency)),
            _ => None,
        }
    }
}

/// The honest reference price of an offer's current price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThirtyDayLow {
    pub current_price: Decimal,
    pub currency: Currency,
    /// When the current price began (`price_changed_at`).
    pub current_since: DateTime<Utc>,
    /// The price before the current one, in the same currency.
    pub previous_price: Option<Decimal>,
    /// Whole days of history in this currency before the current price began.
    pub history_days: i64,
    /// The lowest price of the 30 days before `current_since`; `None` with too little history.
    pub lowest: Option<Decimal>,
}

/// The honest 30-day low of the offer whose change points (oldest first) are `points`; `None`
/// when it has no current price (never seen, or gone). See the module doc for the rule.
pub fn thirty_day_low(points: &[PricePoint]) -> Option<ThirtyDayLow> {
    let (current_price, currency) = points.last()?.priced()?;
    let mut start = points.len() - 1;
    while start > 0 && points[start - 1].priced() == Some((current_price, currency)) {
        start -= 1;
    }
    let current_since = points[start].time;
    let before = &points[..start];
    let in_currency = |point: &PricePoint| {
        point
            .priced()
            .filter(|(_, c)| *c == currency)
            .map(|(price, _)| price)
    };
    let previous_price = before.iter().rev().find_map(in_currency);
    let history_begins = before
        .iter()
        .rev()
        .take_while(|p| p.kind == PointKind::Gap || p.currency == Some(currency))
        .filter(|p| p.kind != PointKind::Gap)
        .last()
        .map_or(current_since, |p| p.time);
    let history_days = (current_since - history_begins).num_days();
    let lowest = (history_days >= LOWEST_PRICE_WINDOW_DAYS)
        .then(|| lowest_in_window(before, current_since, in_currency))
        .flatten();
    Some(ThirtyDayLow {
        current_price,
        currency,
        current_since,
        previous_price,
        history_days,
        lowest,
    })
}

/// The lowest price in effect in the window before `window_end`; see the module doc.
fn lowest_in_window(
    before: &[PricePoint],
    window_end: DateTime<Utc>,
    in_currency: impl Fn(&PricePoint) -> Option<Decimal>,
) -> Option<Decimal> {
    let window_start = window_end - Duration::days(LOWEST_PRICE_WINDOW_DAYS);
    let opened = before.partition_point(|p| p.time < window_start);
    let inside = before[opened..].iter().filter_map(&in_currency).min();
    // The point before the window is still in effect when it opens, unless a point replaced
    // it exactly then.
    let replaced_at_opening = before.get(opened).is_some_and(|p| p.time == window_start);
    let at_opening = opened
        .checked_sub(1)
        .filter(|_| !replaced_at_opening)
        .and_then(|i| before.get(i))
        .and_then(&in_currency);
    let carried = || before[..opened].iter().rev().find_map(&in_currency);
    match (inside, at_opening) {
        (Some(inside), Some(open)) => Some(inside.min(open)),
        (Some(inside), None) => Some(inside),
        (None, Some(open)) => Some(open),
        (None, None) => carried(),
    }
}

/// What a price batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PriceBatchStats {
    pub num_observed: u64,
    pub num_first: u64,
    pub num_changed: u64,
    pub num_returned: u64,
    pub num_unchanged: u64,
    pub num_disappeared: u64,
    pub num_rejected: u64,
    /// Observations that could not be recorded, with the reason (never dropped silently); the
    /// first thousand are listed, all are counted in `num_rejected`.
    pub rejected: Vec<PriceRejection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceRejection {
    pub offer_id: String,
    pub reason: String,
}

/// A merchant's lowest price of a GTIN on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MerchantLow {
    pub merchant: String,
    pub low_price: Decimal,
}

/// The market low of a GTIN on one UTC day in one currency, with each merchant's low.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyLow {
    pub day: NaiveDate,
    pub currency: Currency,
    pub low_price: Decimal,
    pub merchants: Vec<MerchantLow>,
}

#[cfg(test)]
#[path = "price_history_tests.rs"]
mod tests;
