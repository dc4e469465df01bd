//! Clicks: one per click-out, under a [`ClickId`] that is unguessable and reveals nothing.
//!
//! A click id is 128 bits from the operating system's CSPRNG written as 32 lower-case hex
//! characters. It is carried to the network in a sub-id slot and comes back on the network's
//! transactions, so it travels through URLs the shopper can see: it must not let anyone guess
//! another shopper's id (128 random bits: no enumeration) and must not tell when, where or in
//! what order it was made. A UUIDv7 or ULID embeds its creation time in milliseconds and is
//! monotonic within a process, so it would leak both; a UUIDv4 spends 6 bits on its version.
//! Hex keeps the id within every network's sub-id alphabet (`[A-Za-z0-9_-]`, ≤ 64).

use crate::error::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use feedmill_model::Network;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Random bytes in a click id: 128 bits make guessing hopeless and collisions negligible.
const CLICK_ID_BYTES: usize = 16;

/// The id of one click; see the module doc.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClickId(String);

impl ClickId {
    /// A fresh id from the operating system's random source.
    pub fn random() -> StoreResult<ClickId> {
        let mut bytes = [0u8; CLICK_ID_BYTES];
        getrandom::fill(&mut bytes).map_err(|err| StoreError::Randomness(err.to_string()))?;
        Ok(ClickId::from_bytes(&bytes))
    }

    /// The id whose 16 bytes are these (also used for ids derived from an imported log line).
    pub(crate) fn from_bytes(bytes: &[u8; CLICK_ID_BYTES]) -> ClickId {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(2 * CLICK_ID_BYTES);
        for byte in bytes {
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        ClickId(text)
    }

    /// Reads an id a caller or a network handed back; `None` unless it has the id's shape, so
    /// a foreign sub-id value is never mistaken for one of ours.
    pub fn parse(text: &str) -> Option<ClickId> {
        let shaped = text.len() == 2 * CLICK_ID_BYTES
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        shaped.then(|| ClickId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClickId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The six sub-id slots a click carries (the caller's campaign and placement markers).
pub const NUM_SUB_ID_SLOTS: usize = 6;

/// One click-out as stored. Serializes to the NDJSON line `feedmill clicks` prints: the click
/// log's fields (`time`, `offer_id`, `source`, `sub_id`, `sub_id_2`, `sub_id_3`, `referrer`,
/// `destination`) plus `click_id`, `network`, `merchant` and the slots `sub_id_4`..`sub_id_6`.
/// No IP address or other personal data is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Click {
    pub click_id: ClickId,
    pub time: DateTime<Utc>,
    pub offer_id: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id_2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id_3: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id_4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id_5: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id_6: Option<String>,
    /// The page the shopper came from, without its query string and fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    /// Where the shopper was sent.
    pub destination: String,
}

impl Click {
    /// The sub-id slots in order, `sub_id` first.
    pub fn sub_ids(&self) -> [Option<&str>; NUM_SUB_ID_SLOTS] {
        [
            self.sub_id.as_deref(),
            self.sub_id_2.as_deref(),
            self.sub_id_3.as_deref(),
            self.sub_id_4.as_deref(),
            self.sub_id_5.as_deref(),
            self.sub_id_6.as_deref(),
        ]
    }
}

/// A half-open time range `[from, to)`; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl TimeRange {
    pub fn all() -> TimeRange {
        TimeRange::default()
    }

    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> TimeRange {
        TimeRange {
            from: Some(from),
            to: Some(to),
        }
    }

    /// The range as stored microseconds, open ends widened to the whole `i64` range.
    pub(crate) fn stored_bounds(&self) -> (i64, i64) {
        (
            self.from.map_or(i64::MIN, crate::stored::time_to_stored),
            self.to.map_or(i64::MAX, crate::stored::time_to_stored),
        )
    }
}

/// What clicks are counted (and earnings reported) by.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The UTC day, as `YYYY-MM-DD`.
    Day,
    Source,
    Merchant,
    Offer,
    /// The first sub-id slot.
    SubId,
}

impl GroupBy {
    pub const ALL: [GroupBy; 5] = [
        GroupBy::Day,
        GroupBy::Source,
        GroupBy::Merchant,
        GroupBy::Offer,
        GroupBy::SubId,
    ];

    /// The name callers use (`day`, `source`, `merchant`, `offer`, `sub_id`), as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Day => "day",
            GroupBy::Source => "source",
            GroupBy::Merchant => "merchant",
            GroupBy::Offer => "offer",
            GroupBy::SubId => "sub_id",
        }
    }

    /// The SQL expression over a `clicks` row (aliased `c`) that yields the group's key.
    pub(crate) fn click_key_sql(self) -> &'static str {
        match self {
            GroupBy::Day => "c.time_us / 86400000000",
            GroupBy::Source => "c.source",
            GroupBy::Merchant => "c.merchant",
            GroupBy::Offer => "c.offer_id",
            GroupBy::SubId => "c.sub_id",
        }
    }
}

/// Clicks of one group in a range; `key` is `None` for clicks without that attribute (no
/// merchant, no sub-id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClickCount {
    pub key: Option<String>,
    pub num_clicks: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_hex_of_128_bits_and_differ() -> StoreResult<()> {
        let ids: std::collections::HashSet<ClickId> = (0..1000)
            .map(|_| ClickId::random())
            .collect::<StoreResult<_>>()?;
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert_eq!(ClickId::parse(id.as_str()).as_ref(), Some(id));
        }
        Ok(())
    }

    #[test]
    fn parse_refuses_what_is_not_an_id() {
        assert!(ClickId::parse("nl-summer").is_none());
        assert!(ClickId::parse(&"A".repeat(32)).is_none());
        assert!(ClickId::parse(&"a".repeat(31)).is_none());
        assert!(ClickId::parse(&"0".repeat(32)).is_some());
    }
}
