//! GTIN (EAN / UPC / ITF-14) validation, the key that groups one product across merchants.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A Global Trade Item Number: 8, 12, 13 or 14 digits with a valid mod-10 check digit, not a
/// known placeholder. Kept as the feed wrote it (digits only); [`Gtin::as_gtin14`] is the form
/// used to compare numbers written with different lengths.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    #[error("gtin is empty")]
    Empty,
    #[error("gtin {0:?} has characters other than digits")]
    NotDigits(String),
    #[error("gtin {0:?} has {1} digits, expected 8, 12, 13 or 14")]
    BadLength(String, usize),
    #[error("gtin {0:?} has a wrong check digit")]
    BadCheckDigit(String),
    #[error("gtin {0:?} is a placeholder, not a real number")]
    Placeholder(String),
}

impl Gtin {
    /// Parses a GTIN, ignoring surrounding white space and the spaces or hyphens some feeds put
    /// between digit groups.
    pub fn parse(raw: &str) -> Result<Gtin, GtinError> {
        let digits: String = raw
            .trim()
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        if digits.is_empty() {
            return Err(GtinError::Empty);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GtinError::NotDigits(raw.trim().to_string()));
        }
        if ![8, 12, 13, 14].contains(&digits.len()) {
            let len = digits.len();
            return Err(GtinError::BadLength(digits, len));
        }
        if is_placeholder(&digits) {
            return Err(GtinError::Placeholder(digits));
        }
        if !has_valid_check_digit(&digits) {
            return Err(GtinError::BadCheckDigit(digits));
        }
        Ok(Gtin(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Appends the GS1 check digit to `body` (the digits before it): `400638133393` →
    /// `4006381333931`. For generators and tests; `None` when the result is not a valid GTIN.
    pub fn with_check_digit(body: &str) -> Option<Gtin> {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Gtin::parse(&format!("{body}{}", check_digit(body.as_bytes()))).ok()
    }

    /// The number left-padded with zeros to 14 digits: UPC-12 `012345678905` and EAN-13
    /// `0012345678905` name the same product and compare equal in this form.
    pub fn as_gtin14(&self) -> String {
        format!("{:0>14}", self.0)
    }

    /// [`Gtin::as_gtin14`] as ASCII digits, without allocating.
    pub fn gtin14_digits(&self) -> [u8; 14] {
        let mut digits = [b'0'; 14];
        // A GTIN has 8 to 14 digits (`parse`): `len` is all of them, left-padded with zeros.
        let own = self.0.as_bytes();
        let len = own.len().min(14);
        digits[14 - len..].copy_from_slice(&own[own.len() - len..]);
        digits
    }
}

fn has_valid_check_digit(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    let (body, check) = bytes.split_at(bytes.len() - 1);
    check_digit(body) == u32::from(check[0] - b'0')
}

/// The GS1 mod-10 check digit of `body` (ASCII digits): weights 3 and 1 alternate from the
/// digit left of the check digit.
pub fn check_digit(body: &[u8]) -> u32 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

/// Numbers that shops type when they have none: one digit repeated (`0000000000000`) and digit
/// runs (`1234567890123`). Several pass the check digit, so they are caught by shape.
fn is_placeholder(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    let body = &bytes[..bytes.len() - 1];
    let all_same = body.iter().all(|b| *b == body[0]);
    let significant = digits.trim_start_matches('0');
    let ascending_run = significant.len() >= 7
        && significant
            .as_bytes()
            .windows(2)
            .take(7)
            .all(|w| (w[0] - b'0' + 1) % 10 == w[1] - b'0');
    all_same || ascending_run || significant.len() < 6
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Gtin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Gtin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Gtin::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_valid_numbers_of_every_length() {
        for raw in [
            "96385074",
            "036000291452",
            "4006381333931",
            "10012345678902",
        ] {
            assert_eq!(Gtin::parse(raw).map(|g| g.to_string()), Ok(raw.to_string()));
        }
    }

    #[test]
    fn gtin14_digits_are_the_padded_gtin14() {
        for raw in [
            "96385074",
            "036000291452",
            "4006381333931",
            "10012345678902",
        ] {
            let gtin = Gtin::parse(raw).expect("valid");
            assert_eq!(gtin.gtin14_digits(), gtin.as_gtin14().as_bytes());
        }
    }

    #[test]
    fn accepts_the_real_feed_numbers() {
        assert!(Gtin::parse("5030917096853").is_ok());
        assert!(Gtin::parse("5011423196527").is_ok());
        assert!(Gtin::parse("4550457535267").is_ok());
    }

    #[test]
    fn strips_separators() {
        assert_eq!(
            Gtin::parse(" 4006-381 333931 ").map(|g| g.to_string()),
            Ok("4006381333931".to_string())
        );
    }

    #[test]
    fn rejects_wrong_check_digits() {
        assert!(matches!(
            Gtin::parse("4006381333932"),
            Err(GtinError::BadCheckDigit(_))
        ));
    }

    #[test]
    fn rejects_placeholders() {
        for raw in [
            "0000000000000",
            "1234567890123",
            "1111111111116",
            "00000000",
        ] {
            assert!(
                matches!(Gtin::parse(raw), Err(GtinError::Placeholder(_))),
                "{raw}"
            );
        }
    }

    #[test]
    fn rejects_bad_shapes() {
        assert_eq!(Gtin::parse(""), Err(GtinError::Empty));
        assert!(matches!(
            Gtin::parse("12345"),
            Err(GtinError::BadLength(..))
        ));
        assert!(matches!(
            Gtin::parse("40063813339x1"),
            Err(GtinError::NotDigits(_))
        ));
    }

    #[test]
    fn compares_across_lengths_in_gtin14_form() {
        let upc = Gtin::parse("036000291452").ok();
        let ean = Gtin::parse("0036000291452").ok();
        assert_eq!(upc.map(|g| g.as_gtin14()), ean.map(|g| g.as_gtin14()));
    }

    fn with_check_digit(body: &str) -> String {
        format!("{body}{}", check_digit(body.as_bytes()))
    }

    proptest! {
        #[test]
        fn never_panics(raw in ".{0,20}") {
            let _ = Gtin::parse(&raw);
        }

        #[test]
        fn every_correct_check_digit_is_accepted_unless_placeholder(body in "[1-9][0-9]{11}") {
            let gtin = with_check_digit(&body);
            match Gtin::parse(&gtin) {
                Ok(parsed) => prop_assert_eq!(parsed.as_str(), gtin.as_str()),
                Err(GtinError::Placeholder(_)) => {}
                Err(other) => prop_assert!(false, "{other}"),
            }
        }

        #[test]
        fn any_changed_digit_is_caught(body in "[1-9][0-9]{11}", pos in 0usize..13, delta in 1u8..10) {
            let gtin = with_check_digit(&body);
            let mut bytes = gtin.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap_or_default();
            prop_assert!(Gtin::parse(&changed).is_err());
        }
    }
}
