//! [`GroupTable`]: every product group of one index snapshot numbered once, so that grouping a
//! search's matches is an array lookup per offer rather than a hash-map probe.
//!
//! The table lists the snapshot's [`GroupKey`]s (GTIN-14 + currency) sorted, a key's position
//! being its *group ordinal*, and for each segment the ordinal of every document
//! ([`NO_GROUP`] for an offer without a GTIN). Ordinals are in key order, so ordering groups by
//! ordinal is ordering them by key, and they are the same in every segment: a search's groups
//! merge across segments through one dense array ([`DenseSlots`]) without hashing.
//!
//! Segments never change once written; a commit adds or drops whole segments, and deletes only
//! hide documents (their ordinals stay, unused). So a table depends on the snapshot's list of
//! segments alone: [`GroupTables`] keeps those of the two newest snapshots. A table is built
//! (one read of the GTIN and currency columns, a sort of the keys, at 1M offers in the order of
//! one match-all grouped search) by the reload that opens a snapshot, when grouped searches
//! asked for one on the snapshot before (`snapshot_warmer.rs`), or else by the first grouped
//! search of the snapshot.

use crate::group_key::{GroupKey, group_column};
use crate::schema::CURRENCY;
use crate::snapshot_slots::{BuiltOnce, SnapshotSlots};
use feedmill_search::Grouping;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocId, Searcher, SegmentReader};

/// The ordinal of a document without a group (an offer without a GTIN).
pub(crate) const NO_GROUP: u32 = u32::MAX;
/// An ordinal without a slot in a [`DenseSlots`].
const NO_SLOT: u32 = u32::MAX;
/// Slot arrays kept for reuse by one table: one per concurrent grouped search of a busy API.
const MAX_KEPT_SLOTS: usize = 8;

/// The group ordinals of one snapshot's documents.
#[derive(Debug)]
pub(crate) struct GroupTable {
    /// Each segment's id and its documents' ordinals, in the searcher's segment order.
    segments: Vec<(SegmentId, Arc<[u32]>)>,
    /// Every group key of the snapshot, sorted; an ordinal indexes it.
    keys: Vec<GroupKey>,
    /// Slot arrays of `keys.len()` entries, all [`NO_SLOT`], kept for the next search.
    kept_slots: Mutex<Vec<Vec<u32>>>,
}

impl GroupTable {
    /// Reads every segment of `searcher` (deleted documents included: they keep their ordinal)
    /// for `grouping`'s column.
    pub fn build(searcher: &Searcher, grouping: Grouping) -> tantivy::Result<GroupTable> {
        let mut per_segment = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let keys = segment_keys(reader, group_column(grouping))?;
            per_segment.push((reader.segment_id(), keys));
        }
        let mut keys: Vec<GroupKey> = per_segment
            .iter()
            .flat_map(|(_, keys)| keys.iter().flatten().copied())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let segments = per_segment
            .into_iter()
            .map(|(id, doc_keys)| (id, ordinals_of(&keys, &doc_keys)))
            .collect();
        Ok(GroupTable {
            segments,
            keys,
            kept_slots: Mutex::new(Vec::new()),
        })
    }

    /// A table of `keys` (sorted) without segments: for tests of what uses ordinals.
    #[cfg(test)]
    pub fn of_keys(keys: Vec<GroupKey>) -> GroupTable {
        GroupTable {
            segments: Vec::new(),
            keys,
            kept_slots: Mutex::new(Vec::new()),
        }
    }

    /// True when the table numbers the documents of exactly `searcher`'s segments.
    #[cfg(test)]
    fn covers(&self, searcher: &Searcher) -> bool {
        let readers = searcher.segment_readers();
        readers.len() == self.segments.len()
            && readers
                .iter()
                .zip(&self.segments)
                .all(|(reader, (id, _))| reader.segment_id() == *id)
    }

    /// The ordinals of the documents of the segment `id`.
    pub fn ordinals(&self, id: SegmentId) -> Option<Arc<[u32]>> {
        self.segments
            .iter()
            .find(|(segment, _)| *segment == id)
            .map(|(_, ordinals)| Arc::clone(ordinals))
    }

    /// The key of group `ordinal`.
    pub fn key(&self, ordinal: u32) -> Option<GroupKey> {
        self.keys.get(ordinal as usize).copied()
    }

    /// The ordinal of `key`, when a document of the snapshot has it.
    pub fn ordinal(&self, key: &GroupKey) -> Option<u32> {
        self.keys.binary_search(key).ok().map(|i| i as u32)
    }

    /// An empty slot array over this table's ordinals.
    pub fn take_slots(&self) -> DenseSlots {
        let kept = self.lock_kept().pop();
        DenseSlots {
            slots: kept.unwrap_or_else(|| vec![NO_SLOT; self.keys.len()]),
            touched: Vec::new(),
        }
    }

    /// Empties `slots` and keeps the array for the next search.
    pub fn give_back(&self, mut slots: DenseSlots) {
        slots.clear();
        let mut kept = self.lock_kept();
        if kept.len() < MAX_KEPT_SLOTS && slots.slots.len() == self.keys.len() {
            kept.push(slots.slots);
        }
    }

    fn lock_kept(&self) -> std::sync::MutexGuard<'_, Vec<Vec<u32>>> {
        // A panic elsewhere cannot leave a kept array non-empty: arrays are cleared before
        // they are pushed.
        self.kept_slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The group key of each document of a segment from the u64 `column` (the GTIN or the
/// product key); `None` for an offer without one.
fn segment_keys(reader: &SegmentReader, column: &str) -> tantivy::Result<Vec<Option<GroupKey>>> {
    let fast = reader.fast_fields();
    // A segment none of whose offers has a value may have no column at all.
    let Some(gtins) = fast.column_opt::<u64>(column)? else {
        return Ok(vec![None; reader.max_doc() as usize]);
    };
    let currency = fast.str(CURRENCY)?;
    let codes = match &currency {
        Some(column) => currency_codes(column)?,
        None => Vec::new(),
    };
    let currency_ords: Option<&Column<u64>> = currency.as_ref().map(|column| column.ords());
    let docs: Vec<DocId> = (0..reader.max_doc()).collect();
    let mut keys = Vec::with_capacity(docs.len());
    let mut gtin_block = [None; COLLECT_BLOCK_BUFFER_LEN];
    let mut ord_block = [None; COLLECT_BLOCK_BUFFER_LEN];
    for block in docs.chunks(COLLECT_BLOCK_BUFFER_LEN) {
        let n = block.len();
        gtins.first_vals(block, &mut gtin_block[..n]);
        ord_block[..n].fill(None);
        if let Some(ords) = currency_ords {
            ords.first_vals(block, &mut ord_block[..n]);
        }
        for (gtin, ord) in gtin_block[..n].iter().zip(&ord_block[..n]) {
            let code = ord
                .and_then(|ord| codes.get(ord as usize))
                .copied()
                .unwrap_or_default();
            keys.push(gtin.map(|gtin| GroupKey::new(gtin, code)));
        }
    }
    Ok(keys)
}

/// Currency ordinal of a segment → its code.
pub(crate) fn currency_codes(column: &StrColumn) -> tantivy::Result<Vec<[u8; 3]>> {
    let all_ords: Vec<u64> = (0..column.num_terms() as u64).collect();
    let mut codes = Vec::with_capacity(all_ords.len());
    column
        .dictionary()
        .sorted_ords_to_term_cb(&all_ords, |bytes| {
            let mut code = [0u8; 3];
            for (to, from) in code.iter_mut().zip(bytes) {
                *to = *from;
            }
            codes.push(code);
        })?;
    Ok(codes)
}

fn ordinals_of(keys: &[GroupKey], doc_keys: &[Option<GroupKey>]) -> Arc<[u32]> {
    doc_keys
        .iter()
        .map(|key| {
            key.and_then(|key| keys.binary_search(&key).ok())
                .map_or(NO_GROUP, |i| i as u32)
        })
        .collect()
}

/// A slot per group ordinal for one search: where each group touched so far sits in the
/// search's own list. Only touched entries are reset, so a search over a few matches costs a
/// few resets, not a pass over every group of the snapshot.
pub(crate) struct DenseSlots {
    slots: Vec<u32>,
    touched: Vec<u32>,
}

impl DenseSlots {
    /// The slot of `ordinal`, given `next` when it has none yet; `None` for an ordinal outside
    /// the table.
    pub fn slot_or_insert(&mut self, ordinal: u32, next: u32) -> Option<u32> {
        let slot = self.slots.get_mut(ordinal as usize)?;
        if *slot == NO_SLOT {
            *slot = next;
            self.touched.push(ordinal);
        }
        Some(*slot)
    }

    /// The slot of `ordinal`, if it has one.
    pub fn get(&self, ordinal: u32) -> Option<u32> {
        self.slots
            .get(ordinal as usize)
            .copied()
            .filter(|slot| *slot != NO_SLOT)
    }

    fn clear(&mut self) {
        for ordinal in self.touched.drain(..) {
            if let Some(slot) = self.slots.get_mut(ordinal as usize) {
                *slot = NO_SLOT;
            }
        }
    }
}

/// The [`GroupTable`] of each [`Grouping`] for the two newest snapshots
/// ([`SnapshotSlots`]), shared by every search of the index and by the reload's warmer.
#[derive(Debug, Default)]
pub(crate) struct GroupTables {
    by_grouping: [SnapshotSlots<Vec<SegmentId>, BuiltOnce<GroupTable>>; Grouping::ALL.len()],
}

impl GroupTables {
    /// The table of `searcher`'s snapshot, built (counted in `builds`) when it is not kept.
    /// Searches that need a table being built wait for it, rather than each building their own.
    pub fn for_searcher(
        &self,
        searcher: &Searcher,
        grouping: Grouping,
        builds: &AtomicU64,
    ) -> tantivy::Result<Arc<GroupTable>> {
        let generation = searcher.generation().generation_id();
        self.by_grouping[grouping.index()]
            .get(segments_of(searcher), generation)
            .get_or_build(builds, || GroupTable::build(searcher, grouping))
    }

    /// True when the newest snapshot kept before `searcher`'s has a table of `grouping`: a
    /// grouped search asked for one, so a reload warms it.
    pub fn asked_before(&self, searcher: &Searcher, grouping: Grouping) -> bool {
        self.by_grouping[grouping.index()]
            .newest_other(&segments_of(searcher))
            .is_some_and(|table| table.get().is_some())
    }

    /// True when the table of `searcher`'s snapshot is built.
    #[cfg(test)]
    pub fn is_built(&self, searcher: &Searcher, grouping: Grouping) -> bool {
        self.by_grouping[grouping.index()]
            .peek(&segments_of(searcher))
            .is_some_and(|table| table.get().is_some_and(|table| table.covers(searcher)))
    }
}

/// What a group table depends on: the ids of the snapshot's segments, in the searcher's order.
fn segments_of(searcher: &Searcher) -> Vec<SegmentId> {
    let readers = searcher.segment_readers();
    readers.iter().map(SegmentReader::segment_id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reset_when_given_back() {
        let keys = (0..10).map(|gtin| GroupKey::new(gtin, *b"SEK")).collect();
        let table = GroupTable::of_keys(keys);
        let mut slots = table.take_slots();
        assert_eq!(slots.slot_or_insert(3, 0), Some(0));
        assert_eq!(slots.slot_or_insert(3, 1), Some(0), "kept its first slot");
        assert_eq!(slots.slot_or_insert(7, 1), Some(1));
        assert_eq!(slots.slot_or_insert(10, 2), None, "outside the table");
        assert_eq!(slots.get(7), Some(1));
        table.give_back(slots);
        let again = table.take_slots();
        assert!((0..10).all(|ordinal| again.get(ordinal).is_none()));
        assert_eq!(table.ordinal(&GroupKey::new(7, *b"SEK")), Some(7));
        assert_eq!(table.ordinal(&GroupKey::new(7, *b"EUR")), None);
        assert_eq!(table.key(2), Some(GroupKey::new(2, *b"SEK")));
    }
}
