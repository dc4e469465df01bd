//! ISO-4217 currency codes, validated against the standard's list.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A currency that ISO-4217 knows, always written in upper case (`"SEK"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency code {0:?}")]
pub struct CurrencyError(pub String);

impl Currency {
    /// Parses a three-letter code in any case (`"sek"`, `" SEK "`).
    pub fn parse(code: &str) -> Result<Currency, CurrencyError> {
        let code = code.trim();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(CurrencyError(code.to_string()));
        }
        iso_currency::Currency::from_code(&code.to_ascii_uppercase())
            .map(Currency)
            .ok_or_else(|| CurrencyError(code.to_string()))
    }

    /// Maps the currency symbols seen in feeds to a code. Ambiguous symbols (`kr`) return `None`.
    pub fn from_symbol(symbol: &str) -> Option<Currency> {
        let code = match symbol {
            "€" => "EUR",
            "$" | "US$" => "USD",
            "£" => "GBP",
            "¥" => "JPY",
            "zł" => "PLN",
            "Kč" => "CZK",
            "₹" => "INR",
            "₩" => "KRW",
            "₺" => "TRY",
            "₽" => "RUB",
            "CHF" | "Fr." => "CHF",
            _ => return None,
        };
        Currency::parse(code).ok()
    }

    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point in this currency's minor unit (2 for EUR, 0 for JPY).
    pub fn minor_unit_digits(&self) -> u32 {
        self.0.exponent().map_or(2, u32::from)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_in_any_case() {
        assert_eq!(Currency::parse("sek").map(|c| c.code()), Ok("SEK"));
        assert_eq!(Currency::parse(" EUR ").map(|c| c.code()), Ok("EUR"));
    }

    #[test]
    fn rejects_unknown_codes() {
        assert!(Currency::parse("XYZ").is_err());
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("").is_err());
    }

    #[test]
    fn knows_minor_units() {
        assert_eq!(Currency::parse("JPY").map(|c| c.minor_unit_digits()), Ok(0));
        assert_eq!(Currency::parse("DKK").map(|c| c.minor_unit_digits()), Ok(2));
    }

    #[test]
    fn maps_unambiguous_symbols() {
        assert_eq!(Currency::from_symbol("€").map(|c| c.code()), Some("EUR"));
        assert_eq!(Currency::from_symbol("kr"), None);
    }
}
