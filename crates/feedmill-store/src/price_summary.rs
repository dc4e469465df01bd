//! [`PriceSummary`]: what an offer's history says about its current price, in the few numbers
//! search needs on every offer (the honest 30-day low, when and from what the price changed, and
//! since when it is the lowest of its history).
//!
//! None of them depends on "now": each is fixed once the current price began, so an ingest
//! computes them only for offers whose price changed (reading that offer's points) and keeps
//! them in the offer's last known state for every unchanged refresh after. A search turns them
//! into "dropped within 7 days" or "at its lowest in 90 days" by comparing the stored times with
//! its own clock.

use crate::price_history::{PointKind, PricePoint, thirty_day_low};
use chrono::{DateTime, Utc};
use feedmill_model::Currency;
use rust_decimal::Decimal;
use serde::Serialize;

/// The history's figures for an offer's current price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceSummary {
    /// When the current price began (the first point of its unbroken run).
    pub current_since: DateTime<Utc>,
    /// The price before the current one, in the same currency.
    pub previous_price: Option<Decimal>,
    /// Whole days of history in this currency before the current price began.
    pub history_days: i64,
    /// The EU 30-day low; `None` with under 30 days of history.
    pub lowest_30d: Option<Decimal>,
    /// Since when no price of this offer in this currency was below the current one: the end
    /// of the last lower price, else the start of its history in this currency.
    pub lowest_since: DateTime<Utc>,
}

/// The summary of the offer whose change points (oldest first) are `points`; `None` when it
/// has no current price (never seen, or gone).
pub fn price_summary(points: &[PricePoint]) -> Option<PriceSummary> {
    let low = thirty_day_low(points)?;
    Some(PriceSummary {
        current_since: low.current_since,
        previous_price: low.previous_price,
        history_days: low.history_days,
        lowest_30d: low.lowest,
        lowest_since: lowest_since(points, low.current_price, low.currency)?,
    })
}

/// Walks back from the last point to the most recent one priced below `price` in `currency`
/// (or priced in another currency, where this currency's history begins): the current price has
/// been the lowest since the point after it. Gaps carry no price and are passed over.
fn lowest_since(
    points: &[PricePoint],
    price: Decimal,
    currency: Currency,
) -> Option<DateTime<Utc>> {
    for (index, point) in points.iter().enumerate().rev() {
        if point.kind == PointKind::Gap {
            continue;
        }
        let below = match (point.price, point.currency) {
            (Some(p), Some(c)) => c != currency || p < price,
            _ => false,
        };
        if below {
            return points.get(index + 1).map(|next| next.time);
        }
    }
    points.first().map(|first| first.time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use feedmill_model::Availability;

    fn day(n: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 6, 0, 0)
            .single()
            .unwrap_or_default()
            + Duration::days(n)
    }

    fn point(n: i64, kind: PointKind, priced: Option<(i64, &str)>) -> PricePoint {
        let currency = priced.and_then(|(_, code)| Currency::parse(code).ok());
        PricePoint {
            time: day(n),
            kind,
            price: priced.map(|(price, _)| Decimal::from(price)),
            old_price: None,
            currency,
            availability: priced.map(|_| Availability::InStock),
        }
    }

    /// Each day's price (`None`: gone) → the points a daily ingest records.
    fn points_of(days: &[Option<(i64, &'static str)>]) -> Vec<PricePoint> {
        let mut points = Vec::new();
        let mut last: Option<Option<(i64, &str)>> = None;
        for (n, seen) in days.iter().enumerate() {
            let kind = match (last, seen) {
                (None, None) | (Some(None), None) => continue,
                (Some(before), now) if before == *now => continue,
                (None, Some(_)) => PointKind::First,
                (Some(None), Some(_)) => PointKind::Return,
                (Some(Some(_)), None) => PointKind::Gap,
                (Some(Some(_)), Some(_)) => PointKind::Change,
            };
            last = Some(*seen);
            points.push(point(n as i64, kind, *seen));
        }
        points
    }

    /// The day after the last priced day below the last day's price (or in another currency),
    /// else the first priced day: from then on no price was lower. Gone days have no price.
    fn brute_force_lowest_since(days: &[Option<(i64, &'static str)>]) -> Option<i64> {
        let (price, code) = (*days.last()?)?;
        let lower = |seen: &Option<(i64, &str)>| seen.is_some_and(|(p, c)| c != code || p < price);
        match days.iter().rposition(lower) {
            Some(n) => Some(n as i64 + 1),
            None => days.iter().position(Option::is_some).map(|n| n as i64),
        }
    }

    #[test]
    fn lowest_since_matches_a_day_by_day_count() {
        let schedules: Vec<Vec<Option<(i64, &str)>>> = vec![
            vec![Some((100, "EUR")); 10],
            vec![Some((80, "EUR")), Some((100, "EUR")), Some((90, "EUR"))],
            vec![
                Some((80, "EUR")),
                Some((70, "EUR")),
                Some((90, "EUR")),
                Some((75, "EUR")),
            ],
            vec![
                Some((50, "SEK")),
                Some((90, "EUR")),
                Some((95, "EUR")),
                Some((90, "EUR")),
            ],
            vec![
                Some((50, "EUR")),
                None,
                None,
                Some((60, "EUR")),
                Some((60, "EUR")),
            ],
            vec![Some((70, "EUR")), None, Some((60, "EUR"))],
            vec![
                Some((60, "EUR")),
                Some((65, "EUR")),
                None,
                Some((60, "EUR")),
            ],
        ];
        for days in schedules {
            let points = points_of(&days);
            let found = price_summary(&points).map(|s| s.lowest_since);
            let expected = brute_force_lowest_since(&days).map(day);
            assert_eq!(found, expected, "{days:?}");
        }
    }

    #[test]
    fn a_gone_offer_has_no_summary() {
        let points = points_of(&[Some((10, "EUR")), None]);
        assert_eq!(price_summary(&points), None);
        assert_eq!(price_summary(&[]), None);
    }

    #[test]
    fn the_summary_carries_the_thirty_day_low() {
        let mut days = vec![Some((100, "EUR")); 40];
        days.push(Some((80, "EUR")));
        let summary = price_summary(&points_of(&days));
        assert_eq!(
            summary,
            Some(PriceSummary {
                current_since: day(40),
                previous_price: Some(Decimal::from(100)),
                history_days: 40,
                lowest_30d: Some(Decimal::from(100)),
                lowest_since: day(0),
            })
        );
    }
}
