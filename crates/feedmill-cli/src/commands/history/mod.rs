//! `feedmill history --gtin G | --offer ID`: the price history the store keeps, as a table
//! with a terminal chart per currency (the market low and each merchant's low for a product,
//! the daily price for an offer), or as the JSON of `GET /products/{gtin}/history` and
//! `GET /offers/{id}/history` (`--json`).
//!
//! It reads the store `serve` and `ingest` write (`--store`, default `feedmill.db` beside the
//! index) and, when the index is there, the index too: for the source of an offer and of each
//! merchant, as the API answers them. Without the index an offer's source is the part of its id
//! before the first `:` (or `--source`), and merchants have no source.

mod sparkline;

use super::UsageError;
use crate::cli::HistoryReportArgs;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use feedmill_api::{OfferHistory, ProductHistory, merchant_source};
use feedmill_index::OfferIndex;
use feedmill_model::{Currency, Decimal, Gtin, Offer};
use feedmill_store::{DailyLow, PointKind, PricePoint, Store};
use sparkline::DailySeries;
use std::process::ExitCode;
use tracing::warn;

/// Width of a chart's label column.
const LABEL_WIDTH: usize = 30;

pub fn run(args: HistoryReportArgs) -> anyhow::Result<ExitCode> {
    let store = super::clicks::open_existing_store(&args.store_path())?;
    let index = open_index(&args);
    let now = Utc::now();
    let since = now - Duration::days(i64::from(args.days));
    match (&args.target.gtin, &args.target.offer) {
        (Some(gtin), _) => product(&args, store.as_ref(), index.as_ref(), gtin, since),
        (None, Some(offer_id)) => {
            offer(&args, store.as_ref(), index.as_ref(), offer_id, since, now)
        }
        (None, None) => Err(UsageError("give --gtin or --offer".into()).into()),
    }
}

/// The index, when there is one to read; without it the history still shows.
fn open_index(args: &HistoryReportArgs) -> Option<OfferIndex> {
    if !args.index.join("meta.json").exists() {
        return None;
    }
    OfferIndex::open_or_create(&args.index)
        .inspect_err(|err| warn!(index = %args.index.display(), error = %err, "index not read"))
        .ok()
}

fn product(
    args: &HistoryReportArgs,
    store: &dyn Store,
    index: Option<&OfferIndex>,
    gtin: &str,
    since: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let gtin = Gtin::parse(gtin).map_err(|err| UsageError(format!("--gtin: {err}")))?;
    let lows = store.gtin_daily_lows(&gtin, since)?;
    let offers: Vec<Offer> = match index {
        Some(index) => index.offers_by_gtin(gtin.as_str())?,
        None => Vec::new(),
    };
    let history = ProductHistory::new(&gtin.as_gtin14(), args.days, &lows, |merchant| {
        merchant_source(&offers, merchant)
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&history)?);
    } else {
        print_product(&history, &lows, since.date_naive(), Utc::now().date_naive());
    }
    Ok(ExitCode::SUCCESS)
}

fn offer(
    args: &HistoryReportArgs,
    store: &dyn Store,
    index: Option<&OfferIndex>,
    offer_id: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let indexed = match index {
        Some(index) => index.get_offer(offer_id)?.map(|offer| offer.source),
        None => None,
    };
    let source = args
        .source
        .clone()
        .or(indexed)
        .or_else(|| {
            offer_id
                .split_once(':')
                .map(|(source, _)| source.to_string())
        })
        .ok_or_else(|| {
            UsageError(format!(
                "cannot tell the source of {offer_id:?}: pass --source"
            ))
        })?;
    let points = store.price_points(&source, offer_id, since)?;
    if points.is_empty() {
        anyhow::bail!("no price history of offer {offer_id:?} (source {source:?})");
    }
    let history = OfferHistory::new(offer_id, args.days, &points);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&history)?);
    } else {
        print_offer(&history, &points, since.date_naive(), now.date_naive());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_offer(history: &OfferHistory, points: &[PricePoint], first: NaiveDate, last: NaiveDate) {
    println!(
        "{:<28} {:<7} {:>12} {:>12} {:<8} AVAILABILITY",
        "AT", "KIND", "PRICE", "OLD PRICE", "CURRENCY"
    );
    for point in &history.points {
        let dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
        println!(
            "{:<28} {:<7} {:>12} {:>12} {:<8} {}",
            point.at,
            point.kind,
            dash(&point.price),
            dash(&point.old_price),
            dash(&point.currency),
            dash(&point.availability)
        );
    }
    println!("\nprice per day, {first} to {last}:");
    for currency in currencies(points.iter().filter_map(|p| p.currency)) {
        let series = offer_series(points, currency, first, last);
        print_chart(currency.code(), &series);
    }
}

fn print_product(history: &ProductHistory, lows: &[DailyLow], first: NaiveDate, last: NaiveDate) {
    println!("gtin {}", history.gtin);
    println!(
        "{:<10}  {:<8} {:>12} {:>9}",
        "DATE", "CURRENCY", "LOW", "MERCHANTS"
    );
    for low in &history.market {
        println!(
            "{:<10}  {:<8} {:>12} {:>9}",
            low.date, low.currency, low.low, low.merchants
        );
    }
    if history.market.is_empty() {
        println!("(no prices in the last {} days)", history.days);
        return;
    }
    println!("\nlowest price per day, {first} to {last}:");
    for currency in currencies(lows.iter().map(|low| low.currency)) {
        let market = daily(first, last, |day| {
            lows.iter()
                .find(|low| low.day == day && low.currency == currency)
                .map(|low| low.low_price)
        });
        print_chart(&format!("market {}", currency.code()), &market);
        for merchant in history
            .merchants
            .iter()
            .filter(|m| m.currency == currency.code())
        {
            let series = daily(first, last, |day| {
                let date = day.to_string();
                let point = merchant.points.iter().find(|p| p.date == date)?;
                point.low.parse().ok()
            });
            let label = match &merchant.source {
                Some(source) => format!("{} ({source})", merchant.merchant),
                None => merchant.merchant.clone(),
            };
            print_chart(&label, &series);
        }
    }
}

fn print_chart(label: &str, series: &DailySeries) {
    let label: String = label.chars().take(LABEL_WIDTH).collect();
    let range = series
        .range()
        .map(|(low, high)| format!("{low} – {high}"))
        .unwrap_or_default();
    println!("{label:<LABEL_WIDTH$} {}  {range}", series.render());
}

/// Each currency once, in the order first seen.
fn currencies(all: impl Iterator<Item = Currency>) -> Vec<Currency> {
    let mut seen = Vec::new();
    for currency in all {
        if !seen.contains(&currency) {
            seen.push(currency);
        }
    }
    seen
}

fn daily(
    first: NaiveDate,
    last: NaiveDate,
    value_on: impl Fn(NaiveDate) -> Option<Decimal>,
) -> DailySeries {
    DailySeries {
        first_day: first,
        values: first
            .iter_days()
            .take_while(|day| *day <= last)
            .map(value_on)
            .collect(),
    }
}

/// The offer's price in `currency` at the end of each day (none while gone or in another
/// currency, and before its first point).
fn offer_series(
    points: &[PricePoint],
    currency: Currency,
    first: NaiveDate,
    last: NaiveDate,
) -> DailySeries {
    daily(first, last, |day| {
        let in_effect = points
            .iter()
            .take_while(|point| point.time.date_naive() <= day)
            .last()?;
        match (in_effect.kind, in_effect.currency) {
            (PointKind::Gap, _) => None,
            (_, Some(c)) if c == currency => in_effect.price,
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedmill_model::Availability;

    fn point(day: u32, kind: PointKind, price: Option<i64>, code: &str) -> PricePoint {
        let time = NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default();
        PricePoint {
            time,
            kind,
            price: price.map(Decimal::from),
            old_price: None,
            currency: price.and(Currency::parse(code).ok()),
            availability: price.map(|_| Availability::InStock),
        }
    }

    #[test]
    fn an_offers_daily_series_follows_its_points_and_gaps_per_currency() {
        let points = [
            point(2, PointKind::First, Some(99), "EUR"),
            point(4, PointKind::Change, Some(79), "EUR"),
            point(5, PointKind::Gap, None, "EUR"),
            point(6, PointKind::Return, Some(500), "SEK"),
        ];
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let eur = Currency::parse("EUR").unwrap_or_else(|_| unreachable!());
        let series = offer_series(&points, eur, day(1), day(7));
        let values: Vec<Option<i64>> = series
            .values
            .iter()
            .map(|v| v.and_then(|v| i64::try_from(v).ok()))
            .collect();
        assert_eq!(
            values,
            [None, Some(99), Some(99), Some(79), None, None, None]
        );
        assert_eq!(series.render(), " ██▁   ");
        assert_eq!(
            currencies(points.iter().filter_map(|p| p.currency)).len(),
            2
        );
    }
}
