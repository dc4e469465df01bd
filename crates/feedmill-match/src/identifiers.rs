//! Identifiers compared across merchants: GTINs as GTIN-14, and brand + model keys.
//!
//! GTIN validation (check digit, lengths, placeholders) is [`feedmill_model::Gtin`]'s; this
//! module only brings numbers of different lengths to one comparable form and builds the
//! model key that groups offers without a GTIN.

use crate::text::normalize_code;
use feedmill_model::Gtin;

/// The GTIN-14 of a raw GTIN value, or `None` when it is not a valid, real GTIN (a wrong check
/// digit or a placeholder such as `0000000000000` never groups offers).
pub fn gtin14(raw: &str) -> Option<String> {
    Gtin::parse(raw).ok().map(|gtin| gtin.as_gtin14())
}

/// Shortest MPN kept as a model key: shorter codes (`x1`, `a5`) are too common to identify a
/// product on their own.
const MIN_MODEL_KEY_LEN: usize = 4;

/// The key `brand|code` of an offer with a known brand and a model code long enough to name a
/// product; codes are compared in their normalized form.
pub fn model_key(brand: Option<&str>, code: &str) -> Option<String> {
    let brand = brand?;
    let code = normalize_code(code);
    let has_digit = code.bytes().any(|b| b.is_ascii_digit());
    (code.chars().count() >= MIN_MODEL_KEY_LEN && has_digit).then(|| format!("{brand}|{code}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtins_of_different_lengths_compare_as_gtin14() {
        assert_eq!(gtin14("012345678905"), gtin14("0012345678905"));
        assert_eq!(gtin14("4006381333931").as_deref(), Some("04006381333931"));
    }

    #[test]
    fn bad_and_placeholder_gtins_are_not_identifiers() {
        assert_eq!(gtin14("4006381333932"), None, "wrong check digit");
        assert_eq!(gtin14("0000000000000"), None, "placeholder");
        assert_eq!(gtin14("abc"), None);
    }

    #[test]
    fn model_keys_need_a_brand_and_a_real_code() {
        assert_eq!(
            model_key(Some("wd"), "WD20-EFRX").as_deref(),
            Some("wd|wd20efrx")
        );
        assert_eq!(model_key(None, "WD20EFRX"), None);
        assert_eq!(model_key(Some("wd"), "a5"), None);
        assert_eq!(model_key(Some("wd"), "black"), None);
    }
}
