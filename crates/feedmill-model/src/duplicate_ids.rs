//! [`DuplicateIds`]: the offer ids that came more than once in one feed, named with the record
//! positions where they came, in bounded memory.
//!
//! A feed that repeats an id is not broken (an ingest keeps the last record of each id), but the
//! shop has two records it thinks are different products, and one of them vanishes from the
//! index. The report names the first [`MAX_LISTED_IDS`] such ids with up to
//! [`MAX_LISTED_RECORDS`] positions each, and counts the rest, so it stays a few kilobytes
//! whatever the feed's size.

use serde::{Deserialize, Serialize};

/// Ids named in a report; the others are only counted.
pub const MAX_LISTED_IDS: usize = 100;
/// Record positions named per id; the others are only counted.
pub const MAX_LISTED_RECORDS: usize = 10;

/// Offer ids repeated within a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateIds {
    /// Records whose id came earlier in the same feed.
    pub num_records: u64,
    /// Distinct ids that came more than once.
    pub num_ids: u64,
    /// The first ids repeated, in the order their first repetition was read.
    pub listed: Vec<DuplicateId>,
}

/// One repeated id and where it came.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateId {
    pub id: String,
    /// 1-based record numbers, the first occurrence first.
    pub records: Vec<u64>,
    /// Further records with this id, beyond those listed.
    pub num_unlisted_records: u64,
}

impl DuplicateIds {
    pub fn is_empty(&self) -> bool {
        self.num_records == 0
    }

    /// An id seen for the second time: `first` is where it came first, `record` where now.
    /// Returns its index in `listed`, or `None` when the list is full and it is only counted.
    pub fn first_repeat(&mut self, id: &str, first: u64, record: u64) -> Option<usize> {
        self.num_records += 1;
        self.num_ids += 1;
        if self.listed.len() >= MAX_LISTED_IDS {
            return None;
        }
        self.listed.push(DuplicateId {
            id: id.to_string(),
            records: vec![first, record],
            num_unlisted_records: 0,
        });
        Some(self.listed.len() - 1)
    }

    /// An id seen a third time or more; `listed` is what [`DuplicateIds::first_repeat`] returned.
    pub fn further_repeat(&mut self, listed: Option<usize>, record: u64) {
        self.num_records += 1;
        let Some(entry) = listed.and_then(|index| self.listed.get_mut(index)) else {
            return;
        };
        if entry.records.len() < MAX_LISTED_RECORDS {
            entry.records.push(record);
        } else {
            entry.num_unlisted_records += 1;
        }
    }

    /// Ids that came more than once but are not listed.
    pub fn num_unlisted_ids(&self) -> u64 {
        self.num_ids.saturating_sub(self.listed.len() as u64)
    }

    /// Adds another feed's duplicates (several files of one source), keeping the list bounded.
    pub fn merge(&mut self, other: &DuplicateIds) {
        self.num_records += other.num_records;
        self.num_ids += other.num_ids;
        let room = MAX_LISTED_IDS.saturating_sub(self.listed.len());
        self.listed.extend(other.listed.iter().take(room).cloned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_ids_with_positions_and_counts_beyond_the_bounds() {
        let mut duplicates = DuplicateIds::default();
        let index = duplicates.first_repeat("a", 1, 3);
        assert_eq!(index, Some(0));
        for record in 4..20 {
            duplicates.further_repeat(index, record);
        }
        let entry = &duplicates.listed[0];
        assert_eq!(entry.records.len(), MAX_LISTED_RECORDS);
        assert_eq!(&entry.records[..3], &[1, 3, 4]);
        assert_eq!(entry.num_unlisted_records, 18 - MAX_LISTED_RECORDS as u64);
        for n in 0..(MAX_LISTED_IDS as u64 + 5) {
            let index = duplicates.first_repeat(&format!("id-{n}"), 100 + n, 1000 + n);
            duplicates.further_repeat(index, 5000 + n);
        }
        assert_eq!(duplicates.listed.len(), MAX_LISTED_IDS);
        assert_eq!(duplicates.num_ids, MAX_LISTED_IDS as u64 + 6);
        assert_eq!(duplicates.num_unlisted_ids(), 6);
        assert_eq!(duplicates.num_records, 17 + 2 * (MAX_LISTED_IDS as u64 + 5));
        let mut merged = duplicates.clone();
        merged.merge(&duplicates);
        assert_eq!(merged.listed.len(), MAX_LISTED_IDS);
        assert_eq!(merged.num_records, 2 * duplicates.num_records);
    }
}
