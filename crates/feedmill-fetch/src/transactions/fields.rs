//! Reading the fields of one report row (a JSON object) the way the networks send them:
//! numbers as JSON numbers or strings, empty strings for absent values, dates in a few shapes.
//! Every reader says what is wrong in words a log reader can act on.

use chrono::{DateTime, NaiveDateTime, Utc};
use feedmill_model::Currency;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

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

/// Values above this length are refused: ids and sub-ids are short (PartnerBoost's `uid`
/// is at most 200 characters), so a longer one is not what the field should hold.
const MAX_TEXT_CHARS: usize = 255;

/// A text field (a string, or a number written as text); `None` when absent, null or blank.
pub(crate) fn text(row: &Value, key: &str) -> Result<Option<String>, String> {
    let value = match row.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.trim().to_string(),
        Some(Value::Number(number)) => number.to_string(),
        Some(other) => return Err(format!("{key} is not text: {}", kind_of(other))),
    };
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("{key} is longer than {MAX_TEXT_CHARS} characters"));
    }
    Ok(Some(value).filter(|v| !v.is_empty()))
}

pub(crate) fn required_text(row: &Value, key: &str) -> Result<String, String> {
    text(row, key)?.ok_or_else(|| format!("{key} is missing"))
}

/// An exact amount: `"41.40"`, `41.4` or `"1,234.50"` is refused (no guessing of separators).
/// A JSON number is read from its shortest decimal text, so no binary float enters the sum.
pub(crate) fn decimal(row: &Value, key: &str) -> Result<Decimal, String> {
    let text = match row.get(key) {
        Some(Value::String(text)) => text.trim().to_string(),
        Some(Value::Number(number)) => number.to_string(),
        None | Some(Value::Null) => return Err(format!("{key} is missing")),
        Some(other) => return Err(format!("{key} is not a number: {}", kind_of(other))),
    };
    parse_decimal(&text).map_err(|reason| format!("{key} {text:?} {reason}"))
}

pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, &'static str> {
    if text.is_empty() {
        return Err("is empty");
    }
    // `Decimal::from_str` accepts `1_000`; amounts never have underscores.
    if text.contains('_') {
        return Err("is not a decimal number");
    }
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| "is not a decimal number")
}

pub(crate) fn currency(row: &Value, key: &str) -> Result<Currency, String> {
    let code = required_text(row, key)?;
    Currency::parse(&code).map_err(|_| format!("{key} {code:?} is not an ISO-4217 currency"))
}

/// A date-time: RFC 3339 / ISO 8601 with an offset (`2019-07-16T14:45:15+0200` too), or
/// without one, then read as UTC (Awin answers in the `timezone=UTC` it was asked for).
pub(crate) fn iso_time(row: &Value, key: &str) -> Result<DateTime<Utc>, String> {
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
pub(crate) fn unix_time(row: &Value, key: &str) -> Result<DateTime<Utc>, String> {
    let text = required_text(row, key)?;
    text.parse::<i64>()
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .ok_or_else(|| format!("{key} {text:?} is not a unix time in seconds"))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_are_exact_from_strings_and_numbers() {
        let row = json!({"a": "41.40", "b": 0.1, "c": "1,234.50", "d": true, "e": ""});
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
        let row = json!({"t": "1650351153", "bad": "soon"});
        assert_eq!(
            unix_time(&row, "t").map(|t| t.timestamp()),
            Ok(1_650_351_153)
        );
        assert!(unix_time(&row, "bad").is_err());
    }

    #[test]
    fn text_fields_refuse_objects_and_overlong_values() {
        let row = json!({"id": 42, "blank": "  ", "obj": {}, "long": "x".repeat(300)});
        assert_eq!(text(&row, "id"), Ok(Some("42".into())));
        assert_eq!(text(&row, "blank"), Ok(None));
        assert!(text(&row, "obj").is_err());
        assert!(text(&row, "long").is_err());
    }
}
