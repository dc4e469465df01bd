//! Update times as feeds write them → UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Reads RFC 3339 (`2024-03-11T02:02:27Z`), ISO-8601 with a colon-less offset
/// (`2019-07-16T14:45:15+0200`), RFC 2822 (RSS `pubDate`), `2024-03-11 02:02:27` (taken as UTC),
/// a bare date, and Unix time in seconds or milliseconds (`1710122547`).
pub fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    let text = raw.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return unix_time(text);
    }
    // Chosen by shape: trying every format in turn costs more than the rest of an offer.
    let bytes = text.as_bytes();
    let iso_date = bytes.len() >= 10 && bytes[4] == b'-' && bytes[7] == b'-';
    if !iso_date {
        return DateTime::parse_from_rfc2822(text)
            .ok()
            .map(|t| t.with_timezone(&Utc));
    }
    if bytes.len() == 10 {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| Utc.from_utc_datetime(&t));
    }
    let has_zone =
        text.ends_with(['Z', 'z']) || text.get(10..).is_some_and(|rest| rest.contains(['+', '-']));
    if has_zone {
        with_zone(text)
    } else {
        without_zone(text)
    }
}

/// `2024-03-11T02:02:27Z`, `…+02:00`, `…+0200`, with `T` or a space.
fn with_zone(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    [
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%z",
    ]
    .iter()
    .find_map(|format| DateTime::parse_from_str(text, format).ok())
    .map(|t| t.with_timezone(&Utc))
}

/// `2024-03-11 02:02:27` and `2024-03-11T02:02:27(.123)`, taken as UTC.
fn without_zone(text: &str) -> Option<DateTime<Utc>> {
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .map(|t| Utc.from_utc_datetime(&t))
}

/// Ten digits are seconds, thirteen milliseconds.
fn unix_time(digits: &str) -> Option<DateTime<Utc>> {
    let value: i64 = digits.parse().ok()?;
    match digits.len() {
        9 | 10 => DateTime::from_timestamp(value, 0),
        13 => DateTime::from_timestamp_millis(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_notation() {
        let want = "2024-03-11T02:02:27Z";
        for raw in [
            "1710122547",
            "1710122547000",
            "2024-03-11T02:02:27Z",
            "2024-03-11T04:02:27+0200",
            "2024-03-11 02:02:27",
            "Mon, 11 Mar 2024 02:02:27 +0000",
        ] {
            let got =
                parse_timestamp(raw).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            assert_eq!(got.as_deref(), Some(want), "{raw}");
        }
        assert!(parse_timestamp("yesterday").is_none());
        assert!(parse_timestamp("2024-13-45 99:00:00").is_none());
        assert!(parse_timestamp("2024-03-11").is_some());
        assert!(parse_timestamp("2024-03-1é 10:00:00").is_none());
        assert!(parse_timestamp("123").is_none());
    }
}
