//! [`normalize_gtin14`]: a GTIN as a caller types it, in the 14-digit form every backend compares.

use crate::error::RequestError;

/// A GTIN as the user typed it (8 to 14 digits, spaces and hyphens allowed) in the 14-digit
/// form the backends compare: UPC-12 `036000291452` and EAN-13 `0036000291452` are one key.
pub fn normalize_gtin14(raw: &str) -> Result<String, RequestError> {
    let digits: String = raw
        .trim()
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .collect();
    if digits.is_empty() || digits.len() > 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RequestError::invalid(
            "gtin",
            format!("{raw:?} is not a number of up to 14 digits"),
        ));
    }
    Ok(format!("{digits:0>14}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_lookups_accept_every_length() {
        assert_eq!(
            normalize_gtin14("036000291452").ok(),
            normalize_gtin14("0036000291452").ok()
        );
        assert_eq!(
            normalize_gtin14("4006-381 333931").ok().as_deref(),
            Some("04006381333931")
        );
        assert!(normalize_gtin14("40063813339x1").is_err());
        assert!(normalize_gtin14("123456789012345").is_err());
    }
}
