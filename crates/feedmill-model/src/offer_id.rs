//! Stable offer ids: the same product of the same merchant keeps its id from run to run.

use sha2::{Digest, Sha256};

/// Longest id; index keys and URLs (`/offers/{id}`) stay short.
const MAX_ID_LEN: usize = 64;
/// Hex digits of the SHA-256 kept in hashed ids: 96 bits, no collision in any real catalogue.
const HASH_HEX_LEN: usize = 24;

/// Builds offer ids: `source:merchant:sku` when that is short and URL-safe, otherwise
/// `source:h<hash>`, and `source:u<hash of the product URL>` when a record has no sku.
pub struct OfferId;

impl OfferId {
    /// The id of an offer with a sku; `merchant` is the merchant or program id when known.
    pub fn from_sku(source: &str, merchant: Option<&str>, sku: &str) -> String {
        let readable = match merchant {
            Some(merchant) => format!("{source}:{merchant}:{sku}"),
            None => format!("{source}:{sku}"),
        };
        if readable.len() <= MAX_ID_LEN && readable.bytes().all(is_id_byte) {
            return readable;
        }
        let key = [source, merchant.unwrap_or(""), sku].join("\u{0}");
        hashed(source, 'h', &key)
    }

    /// The id of an offer without a sku, from its product (or tracking) URL.
    pub fn from_url(source: &str, merchant: Option<&str>, url: &str) -> String {
        let key = [source, merchant.unwrap_or(""), url].join("\u{0}");
        hashed(source, 'u', &key)
    }
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')
}

fn hashed(source: &str, kind: char, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest
        .iter()
        .flat_map(|b| [b >> 4, b & 0xf])
        .take(HASH_HEX_LEN)
        .map(|nibble| char::from_digit(u32::from(nibble), 16).unwrap_or('0'))
        .collect();
    let room = MAX_ID_LEN - HASH_HEX_LEN - 2;
    let prefix: String = source
        .bytes()
        .filter(|b| is_id_byte(*b) && *b != b':')
        .map(char::from)
        .take(room)
        .collect();
    format!("{prefix}:{kind}{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_when_short_and_safe() {
        assert_eq!(
            OfferId::from_sku("boardstore", Some("29137242"), "48343"),
            "boardstore:29137242:48343"
        );
        assert_eq!(OfferId::from_sku("shop", None, "A-1"), "shop:A-1");
    }

    #[test]
    fn hashed_when_unsafe_or_long() {
        let id = OfferId::from_sku("shop", None, "kaspersky lab_kl4251xapts");
        assert!(id.starts_with("shop:h"), "{id}");
        assert_eq!(id.len(), "shop:h".len() + HASH_HEX_LEN);
        let long = OfferId::from_sku(&"s".repeat(80), Some("m"), &"x".repeat(80));
        assert!(long.len() <= MAX_ID_LEN, "{long}");
    }

    #[test]
    fn stable_and_distinct() {
        let a = OfferId::from_url("shop", None, "https://shop.example/a");
        assert_eq!(a, OfferId::from_url("shop", None, "https://shop.example/a"));
        assert_ne!(a, OfferId::from_url("shop", None, "https://shop.example/b"));
        assert!(a.bytes().all(|b| b.is_ascii()));
    }
}
