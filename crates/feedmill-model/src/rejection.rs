//! Why a record did not become an offer.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The reasons a record is rejected; the `snake_case` names appear in reject files and stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    MissingTitle,
    MissingPrice,
    MissingUrl,
    BadPrice,
    NegativePrice,
    MissingCurrency,
    BadCurrency,
    MalformedRecord,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::MissingTitle => "missing_title",
            RejectReason::MissingPrice => "missing_price",
            RejectReason::MissingUrl => "missing_url",
            RejectReason::BadPrice => "bad_price",
            RejectReason::NegativePrice => "negative_price",
            RejectReason::MissingCurrency => "missing_currency",
            RejectReason::BadCurrency => "bad_currency",
            RejectReason::MalformedRecord => "malformed_record",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rejected record, as a line of the `--rejects` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// 1-based number of the record in its feed.
    pub record: u64,
    /// The offer field at fault (`price`, `title`, …) or `record` for a record that did not parse.
    pub field: String,
    pub reason: RejectReason,
    /// A human sentence: what was wrong with which value.
    pub message: String,
    /// A short raw excerpt of the record, to find it in the feed.
    pub excerpt: String,
}

/// Longest excerpt kept in a rejection, in characters.
pub const MAX_EXCERPT_CHARS: usize = 160;

impl Rejection {
    pub fn new(
        record: u64,
        field: &str,
        reason: RejectReason,
        message: impl Into<String>,
        excerpt: &str,
    ) -> Rejection {
        Rejection {
            record,
            field: field.to_string(),
            reason,
            message: message.into(),
            excerpt: shorten(excerpt),
        }
    }
}

fn shorten(text: &str) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(MAX_EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}
