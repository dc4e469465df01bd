//! The 30-day low against a brute-force computation over day-by-day schedules.

use super::*;
use chrono::TimeZone;

/// What an offer looked like on each day: absent, or (price, currency).
type Schedule = Vec<Option<(i64, &'static str)>>;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_else(|_| panic!("bad test currency {code}"))
}

/// The change points a daily ingest of `schedule` records (as the price batch does).
fn points_of(schedule: &Schedule) -> Vec<PricePoint> {
    let mut points = Vec::new();
    let mut state: Option<Option<(i64, &str)>> = None;
    for (day, seen) in schedule.iter().enumerate() {
        let kind = match (state, seen) {
            (None, None) => continue,
            (None, Some(_)) => PointKind::First,
            (Some(None), Some(_)) => PointKind::Return,
            (Some(Some(_)), None) => PointKind::Gap,
            (Some(before), now) if before == *now => continue,
            (Some(None), None) => continue,
            (Some(Some(_)), Some(_)) => PointKind::Change,
        };
        state = Some(*seen);
        points.push(PricePoint {
            time: start() + Duration::days(day as i64),
            kind,
            price: seen.map(|(price, _)| Decimal::from(price)),
            old_price: None,
            currency: seen.map(|(_, code)| currency(code)),
            availability: seen.map(|_| Availability::InStock),
        });
    }
    points
}

/// The rule of the module doc, computed day by day.
fn brute_force(schedule: &Schedule) -> Option<(i64, i64, Option<i64>)> {
    let last = schedule.len() - 1;
    let (price, code) = schedule[last]?;
    let mut since = last;
    while since > 0 && schedule[since - 1] == Some((price, code)) {
        since -= 1;
    }
    let mut history_begins = since;
    for day in (0..since).rev() {
        match schedule[day] {
            None => {}
            Some((_, c)) if c == code => history_begins = day,
            Some(_) => break,
        }
    }
    let history_days = (since - history_begins) as i64;
    let in_code = |day: usize| schedule[day].filter(|(_, c)| *c == code).map(|(p, _)| p);
    let lowest = (history_days >= LOWEST_PRICE_WINDOW_DAYS).then(|| {
        let window = since - LOWEST_PRICE_WINDOW_DAYS as usize..since;
        window
            .clone()
            .filter_map(in_code)
            .min()
            .or_else(|| (0..window.start).rev().find_map(in_code))
    });
    Some((since as i64, history_days, lowest.flatten()))
}

/// A fixed pseudo-random walk of prices with absences and the odd currency switch.
fn schedule(seed: u64, num_days: usize) -> Schedule {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % bound
    };
    let mut price = 100;
    let mut code = "EUR";
    let mut days = Vec::with_capacity(num_days);
    for _ in 0..num_days {
        match next(20) {
            0 | 1 => days.push(None),
            2 => code = if code == "EUR" { "SEK" } else { "EUR" },
            3..=6 => price = 80 + next(60) as i64,
            _ => {}
        }
        if days.len() < num_days {
            days.push(Some((price, code)));
        }
    }
    days.truncate(num_days);
    days
}

#[test]
fn the_low_matches_a_brute_force_over_many_schedules() {
    let mut num_with_low = 0;
    for seed in 0..400 {
        let days = schedule(seed, 30 + (seed as usize % 90));
        let expected = brute_force(&days);
        let got = thirty_day_low(&points_of(&days)).map(|low| {
            let since = (low.current_since - start()).num_days();
            let lowest = low.lowest.map(|p| i64::try_from(p).unwrap_or(-1));
            (since, low.history_days, lowest)
        });
        assert_eq!(got, expected, "seed {seed}: {days:?}");
        num_with_low += usize::from(matches!(expected, Some((_, _, Some(_)))));
    }
    assert!(
        num_with_low > 50,
        "the schedules exercise the window ({num_with_low})"
    );
}

#[test]
fn a_price_replaced_exactly_when_the_window_opens_does_not_count() {
    let mut days: Schedule = vec![Some((50, "EUR")); 10];
    days.extend(vec![Some((100, "EUR")); 30]);
    days.push(Some((90, "EUR")));
    let low = thirty_day_low(&points_of(&days)).and_then(|low| low.lowest);
    assert_eq!(low, Some(Decimal::from(100)));
}
