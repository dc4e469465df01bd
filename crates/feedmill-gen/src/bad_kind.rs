//! [`BadKind`]: the deliberately bad records a generated feed carries at fixed positions.

/// The kinds of deliberately bad records, taking turns in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BadKind {
    /// No price at all: the normalizer rejects it (`missing_price`).
    MissingPrice,
    /// A price below zero: rejected (`negative_price`).
    NegativePrice,
    /// Neither a product nor a tracking URL: rejected (`missing_url`).
    MissingUrl,
    /// GTIN `0000000000000`: kept, without a GTIN, with a `placeholder_gtin` warning.
    PlaceholderGtin,
}

impl BadKind {
    pub const ALL: [BadKind; 4] = [
        BadKind::MissingPrice,
        BadKind::NegativePrice,
        BadKind::MissingUrl,
        BadKind::PlaceholderGtin,
    ];

    /// Whether a normalizer must reject the record (a placeholder GTIN only costs the GTIN).
    pub fn is_rejected(self) -> bool {
        !matches!(self, BadKind::PlaceholderGtin)
    }
}
