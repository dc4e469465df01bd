//! Validation of a conversion postback's fields, by Linkbest's request format rules.
//!
//! [`validate_postback`] is pure: it takes the fields as the HTTP layer decoded them (query
//! string, form, JSON or multipart, all as text) and returns a [`ConversionInput`] or a
//! [`PostbackError`] naming the field and the rule it broke, which the API answers with 400.
//! Rules: strings are at most 255 characters; decimals at most 8 integer digits and 2 decimals,
//! not negative; date-times ISO-8601 with an offset; currencies ISO-4217 codes; integers at most
//! 16 digits. `order_id` and one amount are required; an identity (`click_id` or `visitor_id`)
//! is recommended, as Linkolino's table has it (without one the sale is attributed by sub-id).
//! Linkolino's integration context is kept too: `customer_id` (its table: an internal id or a
//! hash), `consent_mode` (one of [`CONSENT_MODES`]), `integration_mode` and `source` (strings,
//! e.g. `plugin`, `woocommerce`).
//! An empty value counts as absent; a field given twice is refused; fields this contract does
//! not know are not stored and are returned as `ignored_fields` for the caller to log.

use crate::conversion::{ConversionInput, ConversionStatus};
use chrono::{DateTime, Utc};
use feedmill_model::Currency;
use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

const MAX_STRING_CHARS: usize = 255;
const MAX_DECIMAL_INTEGER_DIGITS: usize = 8;
const MAX_DECIMAL_PLACES: usize = 2;
const MAX_INTEGER_DIGITS: usize = 16;

/// The consent modes Linkolino supports (its canonical payload's `consent_mode`).
pub const CONSENT_MODES: &[&str] = &[
    "merchant_consent_required",
    "server_side_required",
    "custom",
];

/// The rule a postback field broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostbackRule {
    Required,
    OneAmountRequired,
    GivenTwice,
    StringTooLong,
    Decimal,
    DateTime,
    Currency,
    Integer,
    Status,
    ConsentMode,
}

impl PostbackRule {
    pub fn describe(self) -> &'static str {
        match self {
            PostbackRule::Required => "is required",
            PostbackRule::OneAmountRequired => {
                "one of amount, gross_amount, net_amount, items_amount is required"
            }
            PostbackRule::GivenTwice => "is given more than once",
            PostbackRule::StringTooLong => "must be at most 255 UTF-8 characters",
            PostbackRule::Decimal => {
                "must be a decimal with at most 8 integer digits and 2 decimals, not negative"
            }
            PostbackRule::DateTime => "must be an ISO-8601 date-time with offset",
            PostbackRule::Currency => "must be an ISO-4217 currency code",
            PostbackRule::Integer => "must be an integer of at most 16 digits",
            PostbackRule::Status => "must be one of pending, approved, rejected, reversed",
            PostbackRule::ConsentMode => {
                "must be one of merchant_consent_required, server_side_required, custom"
            }
        }
    }
}

/// A postback field that broke a rule; `Display` gives the message for the 400 answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field \"{field}\" {}", rule.describe())]
pub struct PostbackError {
    pub field: String,
    pub rule: PostbackRule,
}

/// A validated postback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPostback {
    pub conversion: ConversionInput,
    pub ignored_fields: Vec<String>,
}

enum Kind {
    Text,
    Decimal,
    DateTime,
    Currency,
    Integer,
    Status,
    ConsentMode,
}

/// The fields of the contract and their types.
const FIELDS: &[(&str, Kind)] = &[
    ("order_id", Kind::Text),
    ("click_id", Kind::Text),
    ("visitor_id", Kind::Text),
    ("customer_id_hash", Kind::Text),
    ("sub_id", Kind::Text),
    ("currency", Kind::Currency),
    ("amount", Kind::Decimal),
    ("gross_amount", Kind::Decimal),
    ("net_amount", Kind::Decimal),
    ("items_amount", Kind::Decimal),
    ("shipping_amount", Kind::Decimal),
    ("discount_amount", Kind::Decimal),
    ("tax_amount", Kind::Decimal),
    ("refunded_amount", Kind::Decimal),
    ("order_status", Kind::Text),
    ("payment_status", Kind::Text),
    ("status", Kind::Status),
    ("order_time", Kind::DateTime),
    ("quantity", Kind::Integer),
    ("customer_id", Kind::Text),
    ("consent_mode", Kind::ConsentMode),
    ("integration_mode", Kind::Text),
    ("source", Kind::Text),
];

enum Value {
    Text(String),
    Decimal(Decimal),
    DateTime(DateTime<Utc>),
    Currency(Currency),
    Integer(i64),
    Status(ConversionStatus),
}

/// True for a field of the contract (one [`validate_postback`] reads rather than ignores).
pub fn is_postback_field(name: &str) -> bool {
    FIELDS.iter().any(|(known, _)| *known == name)
}

/// Validates the `fields` of a postback for `program_id`; see the module doc.
pub fn validate_postback<'a>(
    program_id: &str,
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<ValidPostback, PostbackError> {
    let mut values: Vec<(&'static str, Value)> = Vec::new();
    let mut ignored_fields = Vec::new();
    for (name, raw) in fields {
        let Some((known, kind)) = FIELDS.iter().find(|(known, _)| *known == name) else {
            ignored_fields.push(name.to_owned());
            continue;
        };
        if values.iter().any(|(seen, _)| seen == known) {
            return Err(broke(known, PostbackRule::GivenTwice));
        }
        if raw.is_empty() {
            continue;
        }
        values.push((known, parse_value(known, kind, raw)?));
    }
    let conversion = assemble(program_id, values)?;
    Ok(ValidPostback {
        conversion,
        ignored_fields,
    })
}

fn broke(field: &str, rule: PostbackRule) -> PostbackError {
    PostbackError {
        field: field.to_owned(),
        rule,
    }
}

fn parse_value(field: &str, kind: &Kind, raw: &str) -> Result<Value, PostbackError> {
    let value = match kind {
        Kind::Text => parse_text(raw).map(Value::Text),
        Kind::Decimal => parse_decimal(raw).map(Value::Decimal),
        Kind::DateTime => parse_date_time(raw).map(Value::DateTime),
        Kind::Currency => parse_currency(raw).map(Value::Currency),
        Kind::Integer => parse_integer(raw).map(Value::Integer),
        Kind::Status => ConversionStatus::from_str(raw)
            .ok()
            .map(Value::Status)
            .ok_or(PostbackRule::Status),
        Kind::ConsentMode => parse_consent_mode(raw).map(Value::Text),
    };
    value.map_err(|rule| broke(field, rule))
}

fn parse_text(raw: &str) -> Result<String, PostbackRule> {
    if raw.chars().count() > MAX_STRING_CHARS {
        return Err(PostbackRule::StringTooLong);
    }
    Ok(raw.to_owned())
}

fn parse_consent_mode(raw: &str) -> Result<String, PostbackRule> {
    if !CONSENT_MODES.contains(&raw) {
        return Err(PostbackRule::ConsentMode);
    }
    Ok(raw.to_owned())
}

fn parse_decimal(raw: &str) -> Result<Decimal, PostbackRule> {
    let (integer, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let shaped = !integer.is_empty()
        && integer.len() <= MAX_DECIMAL_INTEGER_DIGITS
        && digits(integer)
        && fraction.len() <= MAX_DECIMAL_PLACES
        && digits(fraction)
        && !(raw.ends_with('.'));
    if !shaped {
        return Err(PostbackRule::Decimal);
    }
    Decimal::from_str(raw).map_err(|_| PostbackRule::Decimal)
}

/// RFC 3339 (`2022-12-11T11:10:01-07:00`, `...Z`) and ISO-8601's colon-less offset
/// (`2019-07-16T14:45:15+0200`, as Adtraction writes it); an offset is required.
fn parse_date_time(raw: &str) -> Result<DateTime<Utc>, PostbackRule> {
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| PostbackRule::DateTime)
}

fn parse_currency(raw: &str) -> Result<Currency, PostbackRule> {
    let shaped = raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_uppercase());
    if !shaped {
        return Err(PostbackRule::Currency);
    }
    Currency::parse(raw).map_err(|_| PostbackRule::Currency)
}

fn parse_integer(raw: &str) -> Result<i64, PostbackRule> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    let shaped = !digits.is_empty()
        && digits.len() <= MAX_INTEGER_DIGITS
        && digits.bytes().all(|b| b.is_ascii_digit());
    if !shaped {
        return Err(PostbackRule::Integer);
    }
    raw.parse().map_err(|_| PostbackRule::Integer)
}

fn assemble(
    program_id: &str,
    values: Vec<(&'static str, Value)>,
) -> Result<ConversionInput, PostbackError> {
    let mut input = ConversionInput {
        program_id: program_id.to_owned(),
        ..ConversionInput::default()
    };
    let mut order_id = None;
    for (field, value) in values {
        match value {
            Value::Text(text) => {
                let slot = match field {
                    "order_id" => &mut order_id,
                    "click_id" => &mut input.click_id,
                    "visitor_id" => &mut input.visitor_id,
                    "customer_id_hash" => &mut input.customer_id_hash,
                    "sub_id" => &mut input.sub_id,
                    "order_status" => &mut input.order_status,
                    "payment_status" => &mut input.payment_status,
                    "customer_id" => &mut input.customer_id,
                    "consent_mode" => &mut input.consent_mode,
                    "integration_mode" => &mut input.integration_mode,
                    "source" => &mut input.source,
                    other => unreachable!("text field {other} of FIELDS has no slot"),
                };
                *slot = Some(text);
            }
            Value::Decimal(amount) => {
                let slot = match field {
                    "amount" => &mut input.amount,
                    "gross_amount" => &mut input.gross_amount,
                    "net_amount" => &mut input.net_amount,
                    "items_amount" => &mut input.items_amount,
                    "shipping_amount" => &mut input.shipping_amount,
                    "discount_amount" => &mut input.discount_amount,
                    "tax_amount" => &mut input.tax_amount,
                    "refunded_amount" => &mut input.refunded_amount,
                    other => unreachable!("decimal field {other} of FIELDS has no slot"),
                };
                *slot = Some(amount);
            }
            Value::DateTime(time) => input.order_time = Some(time),
            Value::Currency(currency) => input.currency = Some(currency),
            Value::Integer(quantity) => input.quantity = Some(quantity),
            Value::Status(status) => input.status = Some(status),
        }
    }
    input.order_id = order_id.ok_or_else(|| broke("order_id", PostbackRule::Required))?;
    if input.sale_amount().is_none() {
        return Err(broke("amount", PostbackRule::OneAmountRequired));
    }
    Ok(input)
}

impl fmt::Display for PostbackRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

#[cfg(test)]
#[path = "postback_tests.rs"]
mod tests;
