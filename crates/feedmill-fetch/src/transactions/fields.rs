//! Reading the fields of one report row (a JSON object) the way the networks send them:
//! numbers as JSON numbers or strings, empty strings for absent values, dates in a few shapes.
//! Every reader says what is wrong in words a log reader can act on.
//!
//! A row is a [`Row`], whose values keep the JSON text the network wrote, so an amount is
//! read from its digits into a `Decimal`, exactly.

use chrono::{DateTime, NaiveDateTime, Utc};
use feedmill_model::Currency;
use rust_decimal::Decimal;
use serde_json::value::RawValue;

pub(crate) use super::row::Row;
use super::row::{Kind, string_of};

/// Why one row was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowError {
    pub transaction_id: Option<String>,
    pub reason: String,
}

impl RowError {
    pub(crate) fn new(transaction_id: Option<&str>, reason: impl Into<String>) -> RowError {
        RowError {
            transaction_id: transaction_id.map(str::to_string),
            reason: reason.into(),
        }
    }
}

/// A string's content trimmed, or a number as written; `None` for other kinds.
fn scalar_text(key: &str, kind: Kind, raw: &RawValue) -> Result<Option<String>, String> {
    match kind {
        Kind::String => string_of(raw)
            .map(|text| Some(text.trim().to_string()))
            .map_err(|e| format!("{key} is {e}")),
        Kind::Number => Ok(Some(raw.get().trim().to_string())),
        _ => Ok(None),
    }
}

/// Values above this length are refused: ids and sub-ids are short (PartnerBoost's `uid`
/// is at most 200 characters), so a longer one is not what the field should hold.
const MAX_TEXT_CHARS: usize = 255;

/// A text field (a string, or a number as written: a 20-digit id stays whole); `None` when
/// absent, null or blank.
pub(crate) fn text(row: &Row, key: &str) -> Result<Option<String>, String> {
    let value = match row.get(key) {
        None | Some((Kind::Null, _)) => return Ok(None),
        Some((kind, raw)) => scalar_text(key, kind, raw)?
            .ok_or_else(|| format!("{key} is not text: {}", kind.name()))?,
    };
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("{key} is longer than {MAX_TEXT_CHARS} characters"));
    }
    Ok(Some(value).filter(|v| !v.is_empty()))
}

pub(crate) fn required_text(row: &Row, key: &str) -> Result<String, String> {
    text(row, key)?.ok_or_else(|| format!("{key} is missing"))
}

/// An exact amount: `"41.40"`, `41.4` or `"1,234.50"` is refused (no guessing of separators).
/// A JSON number is read from the digits the network wrote, never through a binary float.
pub(crate) fn decimal(row: &Row, key: &str) -> Result<Decimal, String> {
    let text = match row.get(key) {
        None | Some((Kind::Null, _)) => return Err(format!("{key} is missing")),
        Some((kind, raw)) => scalar_text(key, kind, raw)?
            .ok_or_else(|| format!("{key} is not a number: {}", kind.name()))?,
    };
    parse_decimal(&text).map_err(|reason| format!("{key} {text:?} {reason}"))
}

/// A decimal written with digits, a point and an optional exponent (`1.5e3`), kept exactly:
/// more digits than a `Decimal` holds (28) are refused, not rounded.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, &'static str> {
    if text.is_empty() {
        return Err("is empty");
    }
    // `Decimal::from_str_exact` accepts `1_000`; amounts never have underscores.
    if text.contains('_') {
        return Err("is not a decimal number");
    }
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (text, None),
    };
    let exact = Decimal::from_str_exact(mantissa).map_err(|err| match err {
        rust_decimal::Error::Underflow => "has more digits than an exact amount holds",
        _ => "is not a decimal number",
    })?;
    match exponent {
        None => Ok(exact),
        Some(_) => Decimal::from_scientific(text).map_err(|_| "is out of the exact amount range"),
    }
}

pub(crate) fn currency(row: &Row, key: &str) -> Result<Currency, String> {
    let code = required_text(row, key)?;
    Currency::parse(&code).map_err(|_| format!("{key} {code:?} is not an ISO-4217 currency"))
}

/// A date-time: RFC 3339 / ISO 8601 with an offset (`2019-07-16T14:45:15+0200` too), or
/// without one, then read as UTC (Awin answers in the `timezone=UTC` it was asked for).
pub(crate) fn iso_time(row: &Row, key: &str) -> Result<DateTime<Utc>, String> {
    let text = required_text(row, key)?;
    parse_iso_time(&text).ok_or_else(|| format!("{key} {text:?} is not an ISO-8601 date-time"))
}

pub(crate) fn parse_iso_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(time) = DateTime::parse_from_str(text, format) {
            return Some(time.with_timezone(&Utc));
        }
    }
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .map(|naive| naive.and_utc())
}

/// Unix seconds, as a number or a string (PartnerBoost's `order_time`).
pub(crate) fn unix_time(row: &Row, key: &str) -> Result<DateTime<Utc>, String> {
    let text = required_text(row, key)?;
    text.parse::<i64>()
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .ok_or_else(|| format!("{key} {text:?} is not a unix time in seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn row(value: Value) -> Row {
        Row::of_json(&value.to_string())
    }

    #[test]
    fn amounts_are_exact_from_strings_and_numbers() {
        let row = row(json!({"a": "41.40", "b": 0.1, "c": "1,234.50", "d": true, "e": ""}));
        assert_eq!(
            decimal(&row, "a").map(|d| d.to_string()),
            Ok("41.40".into())
        );
        assert_eq!(decimal(&row, "b").map(|d| d.to_string()), Ok("0.1".into()));
        assert_eq!(
            decimal(&row, "c"),
            Err("c \"1,234.50\" is not a decimal number".into())
        );
        assert_eq!(
            decimal(&row, "d"),
            Err("d is not a number: a boolean".into())
        );
        assert_eq!(decimal(&row, "e"), Err("e \"\" is empty".into()));
        assert_eq!(decimal(&row, "f"), Err("f is missing".into()));
    }

    /// Amounts an `f64` would round, as JSON numbers and as strings: every digit is kept.
    #[test]
    fn json_number_amounts_keep_every_digit() {
        let row = Row::of_json(
            r#"{"big": 9007199254740993.01, "big_text": "9007199254740993.01",
                "sum": 0.30000000000000004, "tenth": 0.1, "fifth": 0.2,
                "pb": 123456789012345.67, "exp": 1.5e3, "small": 25E-2,
                "id": 123456789012345678901, "long": 0.12345678901234567890123456789012,
                "far": 1e40}"#,
        );
        let exact = |key: &str| decimal(&row, key).map(|d| d.to_string());
        assert_eq!(exact("big"), Ok("9007199254740993.01".into()));
        assert_eq!(exact("big_text"), Ok("9007199254740993.01".into()));
        assert_eq!(exact("pb"), Ok("123456789012345.67".into()));
        // Through `serde_json::Value` (an f64) the cents and the last unit are gone.
        let through_f64: Value = serde_json::from_str("9007199254740993.01").unwrap_or_default();
        assert_ne!(through_f64.to_string(), "9007199254740993.01");
        // 0.1 + 0.2 is 0.3 exactly; the f64 sum's text is another amount, kept as written.
        let (tenth, fifth) = (decimal(&row, "tenth"), decimal(&row, "fifth"));
        assert_eq!(
            tenth.and_then(|t| fifth.map(|f| t + f)),
            Ok(Decimal::new(3, 1))
        );
        assert_eq!(exact("sum"), Ok("0.30000000000000004".into()));
        assert_ne!(decimal(&row, "sum"), Ok(Decimal::new(3, 1)));
        assert_eq!(exact("exp"), Ok("1500".into()));
        assert_eq!(exact("small"), Ok("0.25".into()));
        assert_eq!(
            text(&row, "id"),
            Ok(Some("123456789012345678901".into())),
            "an id beyond u64 stays whole"
        );
        assert_eq!(
            decimal(&row, "long"),
            Err(
                "long \"0.12345678901234567890123456789012\" has more digits than an exact amount holds"
                    .into()
            )
        );
        assert_eq!(
            decimal(&row, "far"),
            Err("far \"1e40\" is out of the exact amount range".into())
        );
    }

    #[test]
    fn times_in_the_networks_shapes() {
        let utc = |text: &str| parse_iso_time(text).map(|t| t.to_rfc3339());
        assert_eq!(
            utc("2019-07-16T14:45:15+0200"),
            Some("2019-07-16T12:45:15+00:00".into())
        );
        assert_eq!(
            utc("2017-02-20T22:04:00"),
            Some("2017-02-20T22:04:00+00:00".into())
        );
        assert_eq!(utc("yesterday"), None);
        let row = row(json!({"t": "1650351153", "bad": "soon"}));
        assert_eq!(
            unix_time(&row, "t").map(|t| t.timestamp()),
            Ok(1_650_351_153)
        );
        assert!(unix_time(&row, "bad").is_err());
    }

    #[test]
    fn text_fields_refuse_objects_and_overlong_values() {
        let row = row(json!({"id": 42, "blank": "  ", "obj": {}, "long": "x".repeat(300)}));
        assert_eq!(text(&row, "id"), Ok(Some("42".into())));
        assert_eq!(text(&row, "blank"), Ok(None));
        assert!(text(&row, "obj").is_err());
        assert!(text(&row, "long").is_err());
    }
}
