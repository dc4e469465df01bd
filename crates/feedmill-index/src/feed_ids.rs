//! [`FeedIds`]: the offer ids one ingest has added, kept as 64-bit hashes.
//!
//! An ingest must know whether an id came earlier in the same feed (the later record replaces
//! the earlier one, so only then does it delete by id) and how many distinct ids the feed holds
//! (for the shrink guard). Keeping the ids themselves costs ~100 bytes an offer; a hash costs
//! ~16 (8 bytes in a hash table kept at most 7/8 full, which doubles as it grows): ~16 MiB for
//! a 1M-offer feed. This is the one part of an ingest that grows with the feed; it is dropped
//! with the ingest. The smallest and largest id are kept too: they bound where another source
//! can hold one of these ids (see `cross_source.rs`).
//!
//! Two distinct ids of one feed share a hash with probability about n²/2⁶⁵ (3·10⁻⁸ for a
//! million ids). The second is then counted as a duplicate and deleted by id before it is
//! added, which removes no offer of the feed: the only effect is a `num_offers` one short.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// Distinct ids added so far, by hash, with the id range.
#[derive(Debug, Default)]
pub(crate) struct FeedIds {
    /// SipHash with per-process random keys: hashes that no feed can steer into collisions.
    hasher: RandomState,
    hashes: HashSet<u64, BuildHasherDefault<PreHashed>>,
    /// Smallest and largest id; meaningless while `hashes` is empty. Overwritten in place, so
    /// a feed sorted by id does not allocate one string per offer.
    first: String,
    last: String,
}

impl FeedIds {
    /// Records `id`; false when the feed had it already.
    pub fn insert(&mut self, id: &str) -> bool {
        let is_first = self.hashes.is_empty();
        if is_first || id < self.first.as_str() {
            replace(&mut self.first, id);
        }
        if is_first || id > self.last.as_str() {
            replace(&mut self.last, id);
        }
        self.hashes.insert(self.hash(id))
    }

    /// Whether the feed has `id` (or, rarely, an id with the same hash).
    pub fn contains(&self, id: &[u8]) -> bool {
        self.hashes.contains(&self.hasher.hash_one(id))
    }

    pub fn len(&self) -> u64 {
        self.hashes.len() as u64
    }

    /// The smallest and largest id added; `None` before the first.
    pub fn range(&self) -> Option<(&str, &str)> {
        (!self.hashes.is_empty()).then_some((self.first.as_str(), self.last.as_str()))
    }

    /// Hashes the bytes, as [`FeedIds::contains`] does for ids read from the term dictionary.
    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id.as_bytes())
    }
}

fn replace(kept: &mut String, id: &str) {
    kept.clear();
    kept.push_str(id);
}

/// The keys are SipHash outputs already: the table uses them as they are.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 << 8) | u64::from(*byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_repeats_and_tracks_the_range() {
        let mut ids = FeedIds::default();
        assert_eq!(ids.range(), None);
        assert!(ids.insert("shop:b"));
        assert!(ids.insert("shop:a"));
        assert!(ids.insert("shop:c"));
        assert!(!ids.insert("shop:a"));
        assert_eq!(ids.len(), 3);
        assert_eq!(ids.range(), Some(("shop:a", "shop:c")));
        assert!(ids.contains(b"shop:b"));
        assert!(!ids.contains(b"shop:d"));
    }
}
