//! [`DuplicateTracker`]: finds the offer ids a feed repeats, as the driver hands over its offers
//! in input order, and names them in the run's [`DuplicateIds`].
//!
//! Each id is kept as a 64-bit SipHash (per-process random keys, so no feed can steer ids into
//! collisions) mapped to the record where it came first: 16 bytes an offer in the table, ~32 at
//! worst as it doubles (~32 MiB for a 1M-offer feed), dropped with the run. The ids themselves
//! are kept only for the few listed in the report. Two distinct ids share a hash with
//! probability about n²/2⁶⁵ (3·10⁻⁸ for a million ids); such a pair would be reported as one
//! duplicate, and nothing else would change.

use feedmill_model::{DuplicateIds, MAX_LISTED_IDS};
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// Set in an entry once its id came a second time.
const REPEATED: u64 = 1 << 63;
/// Below [`REPEATED`]: the id's index in the report's list plus one (0 = not listed).
const LISTED_SHIFT: u32 = 56;
const LISTED_MASK: u64 = 0x7f << LISTED_SHIFT;
/// The low 56 bits: the record number where the id came first.
const RECORD_MASK: u64 = (1 << LISTED_SHIFT) - 1;
const _: () = assert!(MAX_LISTED_IDS < 0x7f, "the listed index fits in 7 bits");

/// The ids seen so far in one feed.
#[derive(Debug, Default)]
pub struct DuplicateTracker {
    hasher: RandomState,
    /// Id hash → `REPEATED` flag | listed index + 1 | first record number.
    seen: HashMap<u64, u64, BuildHasherDefault<PreHashed>>,
}

impl DuplicateTracker {
    /// Records that the offer of record `record` has `id`; a repeat is added to `duplicates`.
    pub fn observe(&mut self, id: &str, record: u64, duplicates: &mut DuplicateIds) {
        let hash = self.hasher.hash_one(id.as_bytes());
        let entry = self.seen.entry(hash).or_insert(record & RECORD_MASK);
        let first = *entry & RECORD_MASK;
        if first == record & RECORD_MASK && *entry & REPEATED == 0 {
            return;
        }
        if *entry & REPEATED == 0 {
            let listed = duplicates.first_repeat(id, first, record);
            let listed_bits = listed.map_or(0, |index| (index as u64 + 1) << LISTED_SHIFT);
            *entry |= REPEATED | listed_bits;
        } else {
            let listed_bits = (*entry & LISTED_MASK) >> LISTED_SHIFT;
            let listed = listed_bits.checked_sub(1).map(|index| index as usize);
            duplicates.further_repeat(listed, record);
        }
    }
}

/// The map's keys are SipHash values already: hashing them again would only cost time.
#[derive(Debug, Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_repeated_ids_with_every_position() {
        let mut tracker = DuplicateTracker::default();
        let mut duplicates = DuplicateIds::default();
        for (record, id) in [(1, "a"), (2, "b"), (3, "a"), (4, "c"), (5, "a"), (6, "b")] {
            tracker.observe(id, record, &mut duplicates);
        }
        assert_eq!(duplicates.num_records, 3);
        assert_eq!(duplicates.num_ids, 2);
        assert_eq!(duplicates.listed[0].id, "a");
        assert_eq!(duplicates.listed[0].records, [1, 3, 5]);
        assert_eq!(duplicates.listed[1].id, "b");
        assert_eq!(duplicates.listed[1].records, [2, 6]);
    }

    #[test]
    fn unlisted_ids_are_counted_not_kept() {
        let mut tracker = DuplicateTracker::default();
        let mut duplicates = DuplicateIds::default();
        let total = MAX_LISTED_IDS as u64 + 20;
        for n in 0..total {
            let id = format!("id-{n}");
            tracker.observe(&id, 2 * n + 1, &mut duplicates);
            tracker.observe(&id, 2 * n + 2, &mut duplicates);
            tracker.observe(&id, 10_000 + n, &mut duplicates);
        }
        assert_eq!(duplicates.num_ids, total);
        assert_eq!(duplicates.num_records, 2 * total);
        assert_eq!(duplicates.listed.len(), MAX_LISTED_IDS);
        assert_eq!(duplicates.num_unlisted_ids(), 20);
        let last = &duplicates.listed[MAX_LISTED_IDS - 1];
        assert_eq!(last.records.len(), 3, "{last:?}");
    }
}
