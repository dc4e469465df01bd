//! Stock state, mapped from the many ways feeds write it.

use serde::{Deserialize, Serialize};
use std::fmt;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    InStock,
    OutOfStock,
    Preorder,
    Backorder,
    #[default]
    Unknown,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::InStock => "in_stock",
            Availability::OutOfStock => "out_of_stock",
            Availability::Preorder => "preorder",
            Availability::Backorder => "backorder",
            Availability::Unknown => "unknown",
        }
    }

    /// Reads a stock field: flags (`yes`, `0`), phrases in the feeds' languages (`in stock`,
    /// `Niet op voorraad`, `på lager`), schema.org URLs and stock counts (`8`, `50+`).
    pub fn from_text(raw: &str) -> Availability {
        let text = normalize(raw);
        if text.is_empty() {
            return Availability::Unknown;
        }
        if let Some(count) = stock_count(&text) {
            return if count > 0 {
                Availability::InStock
            } else {
                Availability::OutOfStock
            };
        }
        let text = text.rsplit('/').next().unwrap_or(&text).to_string();
        let compact: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
        if PREORDER.contains(&compact.as_str()) {
            Availability::Preorder
        } else if BACKORDER.contains(&compact.as_str()) {
            Availability::Backorder
        } else if OUT_OF_STOCK.contains(&compact.as_str()) || starts_negated(&text) {
            Availability::OutOfStock
        } else if IN_STOCK.contains(&compact.as_str()) {
            Availability::InStock
        } else {
            Availability::Unknown
        }
    }
}

fn normalize(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// `8`, `0`, `50+`, `>10`: a count of items on hand.
fn stock_count(text: &str) -> Option<u64> {
    let digits = text.trim_start_matches(['>', '+']).trim_end_matches('+');
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().or(Some(u64::MAX))
}

/// Phrases that negate a stock phrase in the languages of the networks' markets.
fn starts_negated(text: &str) -> bool {
    [
        "not ", "niet ", "nicht ", "ikke ", "inte ", "ei ", "pas ", "non ", "no ",
    ]
    .iter()
    .any(|prefix| text.starts_with(prefix))
}

// Compared after lower-casing and removing everything but letters and digits.
const IN_STOCK: &[&str] = &[
    "yes",
    "y",
    "true",
    "1",
    "j",
    "ja",
    "instock",
    "available",
    "inventory",
    "inlager",
    "op",
    "opvoorraad",
    "voorradig",
    "leverbaar",
    "pålager",
    "palager",
    "ilager",
    "lagerført",
    "påfjernlager",
    "auflager",
    "lieferbar",
    "verfügbar",
    "sofortlieferbar",
    "enstock",
    "disponible",
    "disponibile",
    "dostupno",
    "navoljo",
    "now",
    "limitedavailability",
    "instoreonly",
    "onlineonly",
];
const OUT_OF_STOCK: &[&str] = &[
    "no",
    "n",
    "false",
    "0",
    "nej",
    "nein",
    "outofstock",
    "soldout",
    "unavailable",
    "notavailable",
    "discontinued",
    "nietopvoorraad",
    "uitverkocht",
    "slutsåld",
    "slutsald",
    "udsolgt",
    "utsolgt",
    "ikkepålager",
    "ausverkauft",
    "nichtverfügbar",
    "épuisé",
    "epuise",
    "rupturedestock",
    "agotado",
    "esaurito",
    "rasprodano",
];
const PREORDER: &[&str] = &[
    "preorder",
    "forudbestil",
    "förbeställ",
    "vorbestellbar",
    "precommande",
];
const BACKORDER: &[&str] = &[
    "backorder",
    "backordered",
    "restorder",
    "nachbestellt",
    "naleveringstijd",
];

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Availability::{self, *};

    #[test]
    fn maps_flags_phrases_and_counts() {
        let cases = [
            ("yes", InStock),
            ("no", OutOfStock),
            ("in stock", InStock),
            ("In Stock", InStock),
            ("out of stock", OutOfStock),
            ("Niet op voorraad", OutOfStock),
            ("Op voorraad", InStock),
            ("på lager", InStock),
            ("Ikke på lager", OutOfStock),
            ("preorder", Preorder),
            ("pre-order", Preorder),
            ("backorder", Backorder),
            ("http://schema.org/InStock", InStock),
            ("https://schema.org/OutOfStock", OutOfStock),
            ("8", InStock),
            ("0", OutOfStock),
            ("50+", InStock),
            ("", Unknown),
            ("ask the shop", Unknown),
        ];
        for (raw, want) in cases {
            assert_eq!(Availability::from_text(raw), want, "{raw:?}");
        }
    }
}
