//! Price strings as feeds write them → exact [`Decimal`] plus the currency the string names.
//!
//! Seen in the wild: `699`, `129.5`, `15.00 USD`, `USD 15.00`, `EUR130.00`, `45,00 DKK`,
//! `10,000.00 SEK`, `10 000.00 SEK`, `1.144.000 SEK`, `1'299.00`, `$269.99`, `4.5 €`.
//!
//! The rule for the decimal separator, in order:
//! 1. Spaces (incl. no-break and thin spaces) and `'` are digit-group separators.
//! 2. When both `.` and `,` occur, the one written last is the decimal separator.
//! 3. When one of them occurs more than once, it groups thousands (`1.144.000`).
//! 4. When one of them occurs once and is followed by exactly three digits, it groups thousands
//!    (`10,000`, `1.500`) — unless the integer part is `0` (`0.500`) or the currency has three
//!    decimal places (KWD, BHD, …). Otherwise it is the decimal separator (`45,00`, `129.5`).
//!
//! Group separators must stand between groups of exactly three digits; anything else is not a
//! price. Floats never touch the value.

use feedmill_model::{Currency, Decimal};
use std::str::FromStr;

/// A parsed price string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPrice {
    pub amount: Decimal,
    /// The currency the string itself names (`15.00 USD`, `€4.50`), if any.
    pub currency: Option<Currency>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("price is empty")]
    Empty,
    #[error("{0:?} is not a price")]
    NotAPrice(String),
    #[error("{0:?} names an unknown currency")]
    UnknownCurrency(String),
}

/// Parses a price string. `currency_hint` (the feed's currency, when known) only decides the
/// three-decimal case of rule 4.
pub fn parse_price(raw: &str, currency_hint: Option<Currency>) -> Result<ParsedPrice, PriceError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(PriceError::Empty);
    }
    let (number, currency) = split_currency(text)?;
    let three_decimals = currency
        .or(currency_hint)
        .is_some_and(|c| c.minor_unit_digits() == 3);
    let amount = parse_number(number, three_decimals)
        .ok_or_else(|| PriceError::NotAPrice(text.to_string()))?;
    Ok(ParsedPrice { amount, currency })
}

/// Separates a leading or trailing currency code or symbol from the number.
fn split_currency(text: &str) -> Result<(&str, Option<Currency>), PriceError> {
    let Some(first_digit) = text.find(|c: char| c.is_ascii_digit()) else {
        return Err(PriceError::NotAPrice(text.to_string()));
    };
    let end = text
        .rfind(|c: char| c.is_ascii_digit())
        .map_or(first_digit, |i| i + 1);
    let start = number_start(text, first_digit);
    let number = &text[start..end];
    let mut currency = None;
    for marker in [&text[..start], &text[end..]] {
        let found = parse_currency_marker(marker)?;
        if currency.is_some() && found.is_some() && currency != found {
            return Err(PriceError::NotAPrice(text.to_string()));
        }
        currency = currency.or(found);
    }
    Ok((number, currency))
}

/// Moves the start of the number back over a sign or a leading decimal point (`-5`, `.99`).
fn number_start(text: &str, first_digit: usize) -> usize {
    let before = &text[..first_digit];
    match before.chars().last() {
        Some('.' | ',') => {
            let dot = first_digit - 1;
            match before[..dot].chars().last() {
                Some('-' | '+') => dot - 1,
                _ => dot,
            }
        }
        Some('-' | '+') => first_digit - 1,
        _ => first_digit,
    }
}

/// `USD`, `usd`, `€`, `US$`, `kr` (ambiguous: no currency), `,-` (Scandinavian "no öre").
fn parse_currency_marker(marker: &str) -> Result<Option<Currency>, PriceError> {
    let marker = marker.trim().trim_matches(['.', ',', '-', ' ']).trim();
    if marker.is_empty() || AMBIGUOUS_MARKERS.contains(&marker.to_lowercase().as_str()) {
        return Ok(None);
    }
    if let Some(currency) = Currency::from_symbol(marker) {
        return Ok(Some(currency));
    }
    if marker.len() == 3 && marker.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Currency::parse(marker)
            .map(Some)
            .map_err(|_| PriceError::UnknownCurrency(marker.to_string()));
    }
    Err(PriceError::NotAPrice(marker.to_string()))
}

/// Markers that name no single currency; the feed's own currency decides.
const AMBIGUOUS_MARKERS: &[&str] = &["kr", "kn", "lei", "ft", "zl", ":-"];

fn parse_number(number: &str, three_decimals: bool) -> Option<Decimal> {
    if let Some(value) = plain_decimal(number) {
        return Some(value);
    }
    let (negative, digits) = match number.as_bytes().first()? {
        b'-' => (true, &number[1..]),
        b'+' => (false, &number[1..]),
        _ => (false, number),
    };
    let plain = to_plain_decimal(digits, three_decimals)?;
    let value = Decimal::from_str(&plain).ok()?;
    Some(if negative { -value } else { value })
}

/// The common case without allocating: digits, optionally a `.` and one or two decimals
/// (`699`, `129.5`, `12.99`), which no rule reads differently.
fn plain_decimal(number: &str) -> Option<Decimal> {
    let bytes = number.as_bytes();
    let (int, frac) = match bytes.iter().position(|b| *b == b'.') {
        Some(dot) => (&bytes[..dot], &bytes[dot + 1..]),
        None => (bytes, &[][..]),
    };
    let all_digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    let plain = !int.is_empty()
        && int.len() <= 18
        && all_digits(int)
        && frac.len() <= 2
        && all_digits(frac);
    let plain = plain && (!frac.is_empty() || bytes.len() == int.len());
    if plain {
        Decimal::from_str(number).ok()
    } else {
        None
    }
}

/// Rewrites `10 000,50` as `10000.50` following the module's rules, or `None`.
fn to_plain_decimal(digits: &str, three_decimals: bool) -> Option<String> {
    let compact: String = digits.chars().filter(|c| !is_group_space(*c)).collect();
    if compact.is_empty()
        || !compact
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    let decimal_sep = decimal_separator(&compact, three_decimals);
    let written_int = match decimal_sep {
        Some(sep) => digits.rsplit_once(sep).map_or(digits, |(int, _)| int),
        None => digits,
    };
    let is_any_separator = |c: char| is_group_space(c) || c == '.' || c == ',';
    if written_int.chars().any(is_group_space) && !groups_are_valid(written_int, is_any_separator) {
        return None;
    }
    let (int_part, frac_part) = match decimal_sep {
        Some(sep) => compact.rsplit_once(sep)?,
        None => (compact.as_str(), ""),
    };
    if int_part.chars().any(|c| c == '.' || c == ',')
        && !groups_are_valid(int_part, |c| c == '.' || c == ',')
    {
        return None;
    }
    if frac_part.contains(['.', ',']) {
        return None;
    }
    let int_digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    if int_digits.is_empty() && frac_part.is_empty() {
        return None;
    }
    let int_digits = if int_digits.is_empty() {
        "0".to_string()
    } else {
        int_digits
    };
    Some(if frac_part.is_empty() {
        int_digits
    } else {
        format!("{int_digits}.{frac_part}")
    })
}

fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'')
}

fn decimal_separator(compact: &str, three_decimals: bool) -> Option<char> {
    let last_dot = compact.rfind('.');
    let last_comma = compact.rfind(',');
    match (last_dot, last_comma) {
        (Some(d), Some(c)) => Some(if d > c { '.' } else { ',' }),
        (Some(_), None) => single_kind_separator(compact, '.', three_decimals),
        (None, Some(_)) => single_kind_separator(compact, ',', three_decimals),
        (None, None) => None,
    }
}

fn single_kind_separator(compact: &str, sep: char, three_decimals: bool) -> Option<char> {
    if compact.matches(sep).count() > 1 {
        return None;
    }
    let (int_part, frac_part) = compact.split_once(sep)?;
    let looks_grouped = frac_part.len() == 3 && !int_part.is_empty() && int_part != "0";
    if looks_grouped && !three_decimals {
        None
    } else {
        Some(sep)
    }
}

/// Every group after the first has exactly three digits and the first has one to three.
fn groups_are_valid(text: &str, is_sep: impl Fn(char) -> bool) -> bool {
    let groups: Vec<&str> = text.split(is_sep).collect();
    let Some((first, rest)) = groups.split_first() else {
        return false;
    };
    (1..=3).contains(&first.len())
        && rest
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parsed(raw: &str) -> Option<(String, Option<&'static str>)> {
        parse_price(raw, None)
            .ok()
            .map(|p| (p.amount.to_string(), p.currency.map(|c| c.code())))
    }

    #[test]
    fn parses_every_notation_seen_in_the_wild() {
        let cases = [
            ("699", "699", None),
            ("129.5", "129.5", None),
            ("15.00 USD", "15.00", Some("USD")),
            ("USD 15.00", "15.00", Some("USD")),
            ("EUR130.00", "130.00", Some("EUR")),
            ("45,00 DKK", "45.00", Some("DKK")),
            ("99,99 SEK", "99.99", Some("SEK")),
            ("10,000.00 SEK", "10000.00", Some("SEK")),
            ("10 000.00 SEK", "10000.00", Some("SEK")),
            ("1.144.000 SEK", "1144000", Some("SEK")),
            ("$269.99", "269.99", Some("USD")),
            ("4.5 €", "4.5", Some("EUR")),
            ("32.0 USD", "32.0", Some("USD")),
            ("55.00 EUR", "55.00", Some("EUR")),
            ("1.299,95 €", "1299.95", Some("EUR")),
            ("1'299.00 CHF", "1299.00", Some("CHF")),
            ("199 kr", "199", None),
            ("199,- kr", "199", None),
            ("0.500", "0.500", None),
            ("10,000", "10000", None),
            ("1 299", "1299", None),
            (".99", "0.99", None),
        ];
        for (raw, amount, currency) in cases {
            assert_eq!(parsed(raw), Some((amount.to_string(), currency)), "{raw:?}");
        }
    }

    #[test]
    fn three_decimal_currencies_keep_three_places() {
        let kwd = Currency::parse("KWD").ok();
        let price = parse_price("1.500", kwd).map(|p| p.amount.to_string());
        assert_eq!(price, Ok("1.500".to_string()));
    }

    #[test]
    fn negative_prices_parse_as_negative() {
        assert_eq!(parsed("-5.00"), Some(("-5.00".to_string(), None)));
    }

    #[test]
    fn rejects_what_is_not_a_price() {
        for raw in [
            "",
            "free",
            "12.34.56,7.8",
            "1,2,3",
            "12 34",
            "USD",
            "1.0.0 EUR",
            "12 XYZ",
            "5 USD EUR",
        ] {
            assert!(parse_price(raw, None).is_err(), "{raw:?}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(raw in "\\PC{0,24}") {
            let _ = parse_price(&raw, None);
        }

        #[test]
        fn reads_back_every_written_notation(int in 0u64..100_000_000, cents in 0u32..100) {
            let want = Decimal::from_str(&format!("{int}.{cents:02}")).unwrap_or_default();
            let grouped = group_thousands(int, ",");
            let grouped_dot = group_thousands(int, ".");
            let grouped_space = group_thousands(int, " ");
            let notations = [
                format!("{int}.{cents:02}"),
                format!("{int},{cents:02} DKK"),
                format!("{grouped}.{cents:02} SEK"),
                format!("{grouped_dot},{cents:02} €"),
                format!("{grouped_space}.{cents:02} SEK"),
                format!("EUR{int}.{cents:02}"),
                format!("USD {grouped}.{cents:02}"),
            ];
            for raw in notations {
                let got = parse_price(&raw, None).map(|p| p.amount);
                prop_assert_eq!(got, Ok(want), "{}", raw);
            }
        }
    }

    fn group_thousands(n: u64, sep: &str) -> String {
        let digits = n.to_string();
        let mut groups = Vec::new();
        let mut end = digits.len();
        while end > 3 {
            groups.push(&digits[end - 3..end]);
            end -= 3;
        }
        groups.push(&digits[..end]);
        groups.reverse();
        groups.join(sep)
    }
}
