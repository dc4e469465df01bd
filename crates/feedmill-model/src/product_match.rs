//! [`ProductMatch`]: how an offer came to its product, the `match` object every offer carries
//! beside its `product_id`.

use serde::{Deserialize, Serialize};

/// How an offer came to its product.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductMatch {
    pub method: MatchMethod,
    /// 1 for identifiers; the pair score for `scored`, and for `none` the best score among its
    /// candidates (below the threshold), when it had any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
