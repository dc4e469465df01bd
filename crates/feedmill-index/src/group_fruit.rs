//! What grouping by GTIN collects ([`crate::grouping`]), merged across segments and ranked.
//!
//! Each segment hands over its groups (by group ordinal, see [`crate::group_table`]), their
//! offers as linked lists through one array, and its best single offers. The segments' groups
//! merge by ordinal through one dense slot array; ranking keeps the best `offset + limit` items
//! in a bounded heap ([`TopK`]); a page's groups then find their offers in each segment's list.

use crate::group_buffers::{GroupBuffers, SegmentGroup};
use crate::group_key::GroupKey;
use crate::group_table::{DenseSlots, GroupTable};
use feedmill_search::SortOrder;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use tantivy::{DocAddress, SegmentOrdinal};

/// A group across segments.
#[derive(Debug, Clone, Copy)]
struct GroupAcc {
    best: f64,
    min_price: i64,
}

/// A ranked item before its offers are read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RankedItem {
    Group(GroupKey),
    Single { doc: DocAddress, score: Option<f32> },
}

/// An item with its rank key (higher ranks first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranked(pub f64, pub RankedItem);

/// Better first: higher key; ties by GTIN, groups before singles, then by document, so pages
/// are stable.
impl Ord for Ranked {
    fn cmp(&self, other: &Ranked) -> Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| match (&self.1, &other.1) {
                (RankedItem::Group(x), RankedItem::Group(y)) => x.cmp(y),
                (RankedItem::Group(_), RankedItem::Single { .. }) => Ordering::Less,
                (RankedItem::Single { .. }, RankedItem::Group(_)) => Ordering::Greater,
                (RankedItem::Single { doc: x, .. }, RankedItem::Single { doc: y, .. }) => x.cmp(y),
            })
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Ranked) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

/// The best `limit` items pushed: a max-heap by [`Ranked`]'s order, whose top is the worst kept.
#[derive(Debug)]
pub(crate) struct TopK {
    limit: usize,
    heap: BinaryHeap<Ranked>,
}

impl TopK {
    pub fn new(limit: usize) -> TopK {
        TopK {
            limit,
            heap: BinaryHeap::new(),
        }
    }

    pub fn push(&mut self, item: Ranked) {
        if self.heap.len() < self.limit {
            self.heap.push(item);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && item < *worst
        {
            *worst = item;
        }
    }

    /// Best first.
    pub fn into_sorted(self) -> Vec<Ranked> {
        self.heap.into_sorted_vec()
    }
}

/// What one segment collected: its groups and their offers in `buffers`, given back to the
/// thread's pool when dropped.
pub(crate) struct SegmentGroups {
    segment: SegmentOrdinal,
    buffers: GroupBuffers,
    singles: TopK,
    num_singles: u64,
}

impl SegmentGroups {
    pub fn new(
        segment: SegmentOrdinal,
        buffers: GroupBuffers,
        singles: TopK,
        num_singles: u64,
    ) -> SegmentGroups {
        SegmentGroups {
            segment,
            buffers,
            singles,
            num_singles,
        }
    }

    /// The offers of the groups `marked` (by ordinal) in this segment, each with the mark of
    /// its group.
    fn docs_of(&self, marked: &DenseSlots, mut into: impl FnMut(u32, DocAddress)) {
        let GroupBuffers { groups, members } = &self.buffers;
        for group in groups {
            let Some(mark) = marked.get(group.ordinal) else {
                continue;
            };
            let mut next = group.head;
            while let Some(member) = members.get(next as usize) {
                into(mark, DocAddress::new(self.segment, member.doc));
                next = member.next;
            }
        }
    }
}

impl Drop for SegmentGroups {
    fn drop(&mut self) {
        std::mem::take(&mut self.buffers).give_back();
    }
}

/// Every segment's groups and the best singles: what a grouped search ranks and pages.
pub(crate) struct GroupFruit {
    /// Distinct groups across segments.
    groups: Vec<(GroupKey, GroupAcc)>,
    singles: Vec<Ranked>,
    num_singles: u64,
    segments: Vec<SegmentGroups>,
}

impl GroupFruit {
    /// Merges the segments' groups; keeps the best `window` singles.
    pub fn merge(
        mut segments: Vec<SegmentGroups>,
        window: usize,
        table: &GroupTable,
    ) -> GroupFruit {
        let mut singles = TopK::new(window);
        let mut num_singles = 0;
        for segment in &mut segments {
            num_singles += segment.num_singles;
            let kept = std::mem::replace(&mut segment.singles, TopK::new(0));
            for single in kept.into_sorted() {
                singles.push(single);
            }
        }
        GroupFruit {
            groups: merge_groups(&segments, table),
            singles: singles.into_sorted(),
            num_singles,
            segments,
        }
    }

    /// Groups plus single offers: the `total` of a grouped search.
    pub fn num_items(&self) -> u64 {
        self.groups.len() as u64 + self.num_singles
    }

    /// The items of `offset..offset + limit`, best first.
    pub fn page(&self, sort: SortOrder, offset: usize, limit: usize) -> Vec<RankedItem> {
        let mut top = TopK::new(offset.saturating_add(limit));
        for (key, acc) in &self.groups {
            let rank = match sort {
                SortOrder::PriceAsc => -(acc.min_price as f64),
                SortOrder::PriceDesc => acc.min_price as f64,
                _ => acc.best,
            };
            top.push(Ranked(rank, RankedItem::Group(*key)));
        }
        for single in &self.singles {
            top.push(*single);
        }
        let ranked = top.into_sorted();
        ranked.into_iter().skip(offset).map(|r| r.1).collect()
    }

    /// The matching offers of the groups `keys`, in every segment, by group (in the order
    /// of `keys`).
    pub fn docs_by_group(&self, keys: &[GroupKey], table: &GroupTable) -> Vec<Vec<DocAddress>> {
        let mut marked = table.take_slots();
        for (i, key) in keys.iter().enumerate() {
            if let Some(ordinal) = table.ordinal(key) {
                marked.slot_or_insert(ordinal, i as u32);
            }
        }
        let mut docs = vec![Vec::new(); keys.len()];
        for segment in &self.segments {
            segment.docs_of(&marked, |mark, address| {
                if let Some(of_group) = docs.get_mut(mark as usize) {
                    of_group.push(address);
                }
            });
        }
        table.give_back(marked);
        docs
    }
}

/// The segments' groups, a group in several segments merged into one: each group's slot in
/// the merged list found by its ordinal.
fn merge_groups(segments: &[SegmentGroups], table: &GroupTable) -> Vec<(GroupKey, GroupAcc)> {
    let mut slots = table.take_slots();
    let mut merged: Vec<(GroupKey, GroupAcc)> = Vec::new();
    for segment in segments {
        for group in &segment.buffers.groups {
            let next = merged.len() as u32;
            let Some(slot) = slots.slot_or_insert(group.ordinal, next) else {
                continue;
            };
            match merged.get_mut(slot as usize) {
                Some((_, into)) if slot != next => {
                    into.best = into.best.max(group.best);
                    into.min_price = into.min_price.min(group.min_price);
                }
                _ => merged.extend(accumulated(group, table)),
            }
        }
    }
    table.give_back(slots);
    merged
}

fn accumulated(group: &SegmentGroup, table: &GroupTable) -> Option<(GroupKey, GroupAcc)> {
    let acc = GroupAcc {
        best: group.best,
        min_price: group.min_price,
    };
    Some((table.key(group.ordinal)?, acc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(gtin: u64) -> GroupKey {
        GroupKey::new(gtin, *b"SEK")
    }

    /// A table of GTINs 0 to 9 in SEK: the ordinal of a group is its GTIN.
    fn table() -> GroupTable {
        GroupTable::of_keys((0..10).map(key).collect())
    }

    fn group(gtin: u64, best: f64, min_price: i64) -> SegmentGroup {
        SegmentGroup::new(gtin as u32, best, min_price, 0)
    }

    /// A segment's groups with their slots, and no offers.
    fn segment(
        ordinal: SegmentOrdinal,
        groups: Vec<SegmentGroup>,
        singles: TopK,
        num_singles: u64,
    ) -> SegmentGroups {
        let buffers = GroupBuffers {
            groups,
            members: Vec::new(),
        };
        SegmentGroups::new(ordinal, buffers, singles, num_singles)
    }

    /// Groups 1 (best 1.0, 500) and 2 (best 3.0, 100), and one single (2.0).
    fn fruit() -> GroupFruit {
        let mut singles = TopK::new(10);
        let doc = DocAddress::new(0, 7);
        singles.push(Ranked(
            2.0,
            RankedItem::Single {
                doc,
                score: Some(2.0),
            },
        ));
        let first = segment(0, vec![group(2, 3.0, 100)], singles, 1);
        let second = vec![group(1, 1.0, 500), group(2, 0.5, 900)];
        let second = segment(1, second, TopK::new(10), 0);
        GroupFruit::merge(vec![first, second], 10, &table())
    }

    fn gtins(items: &[RankedItem]) -> Vec<u64> {
        items
            .iter()
            .map(|item| match item {
                RankedItem::Group(key) => key.gtin(),
                RankedItem::Single { .. } => 0,
            })
            .collect()
    }

    #[test]
    fn ranks_groups_and_singles_together() {
        assert_eq!(fruit().num_items(), 3);
        let all = fruit().page(SortOrder::Relevance, 0, 10);
        assert_eq!(gtins(&all), [2, 0, 1]);
        let second = fruit().page(SortOrder::Relevance, 1, 1);
        assert_eq!(gtins(&second), [0]);
        assert!(fruit().page(SortOrder::Relevance, 5, 10).is_empty());
    }

    #[test]
    fn ranks_groups_by_their_lowest_price() {
        // The single's rank (2.0) stands for a price above every group's.
        let asc = fruit().page(SortOrder::PriceAsc, 0, 3);
        assert_eq!(gtins(&asc), [0, 2, 1]);
        assert_eq!(key(36000291452).gtin14(), "00036000291452");
    }

    #[test]
    fn keys_tell_products_and_currencies_apart_and_order_by_gtin() {
        let largest = 99_999_999_999_999;
        let keys = [
            GroupKey::new(7, *b"EUR"),
            GroupKey::new(7, *b"SEK"),
            GroupKey::new(7, [0; 3]),
            GroupKey::new(8, *b"AAA"),
            GroupKey::new(largest, *b"ZZZ"),
        ];
        assert!(keys.is_sorted() && keys.windows(2).all(|w| w[0] != w[1]));
        assert_eq!(keys[4].gtin(), largest);
        assert_eq!(keys[2].gtin14(), "00000000000007");
    }

    #[test]
    fn merges_a_group_met_in_several_segments() {
        let merged = fruit();
        assert_eq!(merged.groups.len(), 2);
        let two = merged
            .groups
            .iter()
            .find(|(k, _)| *k == key(2))
            .map(|(_, acc)| *acc);
        assert_eq!(two.map(|two| (two.best, two.min_price)), Some((3.0, 100)));
    }

    #[test]
    fn keeps_the_best_k() {
        let mut top = TopK::new(2);
        for (i, rank) in [1.0, 5.0, 3.0, 4.0].into_iter().enumerate() {
            let doc = DocAddress::new(0, i as u32);
            top.push(Ranked(rank, RankedItem::Single { doc, score: None }));
        }
        let kept: Vec<f64> = top.into_sorted().iter().map(|r| r.0).collect();
        assert_eq!(kept, [5.0, 4.0]);
    }
}
