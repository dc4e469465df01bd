//! [`ProductMatch`]: how an offer came to its product, the `match` object every offer carries
//! beside its `product_id`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Hex digits of a product id after its `p`: 48 bits, a number the index groups by beside the
/// currency in one word. Two products of a catalogue of a million share an id with odds of
/// about 1 in 560.
pub const PRODUCT_ID_HEX_LEN: usize = 12;

/// The id of the product whose smallest identity is `identity` (`gtin:<GTIN-14>`,
/// `model:<brand + model key>` or `offer:<offer id>`): the same content gives the same id on
/// every run and every machine.
pub fn product_id_of(identity: &str) -> String {
    let digest = Sha256::digest(identity.as_bytes());
    let mut id = String::with_capacity(1 + PRODUCT_ID_HEX_LEN);
    id.push('p');
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for byte in digest.iter().take(PRODUCT_ID_HEX_LEN / 2) {
        id.push(char::from(HEX[usize::from(byte >> 4)]));
        id.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    id
}

/// The product id's number (what the index stores), or `None` for text that is no product id.
pub fn product_key(product_id: &str) -> Option<u64> {
    let hex = product_id.strip_prefix('p')?;
    let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if hex.len() != PRODUCT_ID_HEX_LEN || !hex.bytes().all(lower_hex) {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

/// The product id of an index number ([`product_key`] read back).
pub fn product_id_from_key(key: u64) -> String {
    format!("p{key:0width$x}", width = PRODUCT_ID_HEX_LEN)
}

/// How an offer came to its product.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchMethod {
    /// The product is the offer's GTIN.
    Gtin,
    /// Brand + model number (from the MPN field or the title) decided the product.
    Model,
    /// Joined another offer's product by a scored pair at or above the auto-group threshold.
    Scored,
    /// Alone: no identifier in common and no pair scored high enough (or split off by hand).
    None,
}

impl MatchMethod {
    pub const ALL: [MatchMethod; 4] = [
        MatchMethod::Gtin,
        MatchMethod::Model,
        MatchMethod::Scored,
        MatchMethod::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchMethod::Gtin => "gtin",
            MatchMethod::Model => "model",
            MatchMethod::Scored => "scored",
            MatchMethod::None => "none",
        }
    }

    pub fn parse(text: &str) -> Option<MatchMethod> {
        MatchMethod::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// Why an offer sits in its product, as the API shows it (`"match": {...}`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductMatch {
    pub method: MatchMethod,
    /// 1 for identifiers; the pair score for `scored`, and for `none` the best score among its
    /// candidates (below the threshold), when it had any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub score: Option<f32>,
    /// Set when an operator decided the product (a pin or a split), not the matcher.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
    /// Set while a pair between the match and the auto-group threshold waits for an operator
    /// (`GET /matches?status=review`): the offer stays alone meanwhile.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_review: bool,
}

impl ProductMatch {
    pub fn new(method: MatchMethod, score: Option<f32>) -> ProductMatch {
        ProductMatch {
            method,
            score,
            pinned: false,
            in_review: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_ids_are_short_hashes_that_read_back_as_numbers() {
        let id = product_id_of("gtin:04006381333931");
        assert_eq!(id.len(), 13);
        assert_eq!(id, product_id_of("gtin:04006381333931"));
        assert_ne!(id, product_id_of("gtin:04006381333932"));
        let key = product_key(&id);
        assert!(key.is_some_and(|k| k < 1 << 48));
        assert_eq!(key.map(product_id_from_key), Some(id));
        assert_eq!(product_id_from_key(5), "p000000000005");
        for not_an_id in [
            "",
            "p",
            "pABCDEF012345",
            "q0123456789ab",
            "p0123456789abc",
            "04006381333931",
        ] {
            assert_eq!(product_key(not_an_id), None, "{not_an_id:?}");
        }
    }

    #[test]
    fn methods_read_back_and_flags_stay_out_of_the_json_when_unset() {
        for method in MatchMethod::ALL {
            assert_eq!(MatchMethod::parse(method.as_str()), Some(method));
        }
        let plain = serde_json::to_string(&ProductMatch::new(MatchMethod::Gtin, Some(1.0)));
        assert_eq!(
            plain.ok().as_deref(),
            Some(r#"{"method":"gtin","score":1.0}"#)
        );
        let pinned = ProductMatch {
            pinned: true,
            ..ProductMatch::new(MatchMethod::None, None)
        };
        let json = serde_json::to_string(&pinned).unwrap_or_default();
        assert_eq!(json, r#"{"method":"none","pinned":true}"#);
        let back: Result<ProductMatch, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(pinned));
    }
}
