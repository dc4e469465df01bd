//! Grouping by GTIN: the offers of one product (same GTIN-14, same currency) become one item,
//! ranked among the offers without a GTIN, which stay single items.
//!
//! One pass over the matches. Every document's group is numbered in advance, per snapshot
//! ([`crate::group_table`]): an offer's group ordinal is one array read, and its group's place
//! in this search's list one more ([`DenseSlots`]), with no column decoding or hashing. The
//! ordinals are the same in every segment, so segments merge by ordinal. A group keeps its best
//! sort key, lowest price, size and its offers, as a list threaded through one array, so the
//! page's groups read their offers without a second search. Offers without a GTIN keep only the
//! best `window` (offset + page size) per segment: no others can reach the page. The segments'
//! groups are merged and ranked in [`crate::group_fruit`].
//!
//! Groups rank by their best offer for `relevance`, `newest`, `discount` and `price_drop` (its
//! [`drop_rank`](crate::drop_rank)), and by their lowest price for both price orders (a product
//! is as cheap as its cheapest offer).

use crate::drop_rank::{DropColumns, recent_from};
use crate::group_buffers::{GroupBuffers, Member, SegmentGroup};
use crate::group_fruit::{GroupFruit, Ranked, RankedItem, SegmentGroups, TopK};
use crate::group_table::{DenseSlots, GroupTable, NO_GROUP};
use crate::query_builder::BuiltQuery;
use crate::schema::{DISCOUNT, PRICE_MINOR, UPDATED_AT};
use feedmill_search::SortOrder;
use std::sync::Arc;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{
    COLLECT_BLOCK_BUFFER_LEN, DateTime, DocAddress, DocId, Score, SegmentOrdinal, SegmentReader,
    TantivyError,
};

pub(crate) struct GroupCollector {
    sort: SortOrder,
    /// Items before the end of the requested page: `offset + per_page`.
    window: usize,
    /// The score of every match when the query has no words: no scoring pass is needed.
    constant_score: Option<f32>,
    /// The group ordinals of the snapshot searched.
    table: Arc<GroupTable>,
    /// Drops from this second on are recent (`price_drop`).
    recent_from: i64,
}

impl GroupCollector {
    /// The groups of `query`'s matches.
    pub fn new(
        sort: SortOrder,
        window: usize,
        query: &BuiltQuery,
        table: Arc<GroupTable>,
    ) -> GroupCollector {
        GroupCollector {
            sort,
            window,
            constant_score: query.constant_score,
            table,
            recent_from: recent_from(query.now),
        }
    }
}

/// The columns one segment's grouping reads.
struct GroupColumns {
    /// Each document's group ordinal ([`NO_GROUP`] for offers without a GTIN).
    ordinals: Arc<[u32]>,
    price: Column<i64>,
    updated_at: Column<DateTime>,
    discount: Column<f64>,
    drops: DropColumns,
}

pub(crate) struct GroupSegmentCollector {
    segment: SegmentOrdinal,
    sort: SortOrder,
    /// The score of the documents handed over in blocks, unscored.
    block_score: Score,
    columns: GroupColumns,
    recent_from: i64,
    table: Arc<GroupTable>,
    /// Each touched group's index in `buffers.groups`, by ordinal.
    slots: Option<DenseSlots>,
    buffers: GroupBuffers,
    /// Scored documents waiting for a batched read.
    pending: Vec<(DocId, Score)>,
    singles: TopK,
    num_singles: u64,
}

impl Collector for GroupCollector {
    type Fruit = GroupFruit;
    type Child = GroupSegmentCollector;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<GroupSegmentCollector> {
        Ok(GroupSegmentCollector {
            segment,
            sort: self.sort,
            block_score: self.constant_score.unwrap_or(0.0),
            columns: GroupColumns::open(reader, &self.table)?,
            recent_from: self.recent_from,
            table: Arc::clone(&self.table),
            slots: Some(self.table.take_slots()),
            buffers: GroupBuffers::take(),
            pending: Vec::with_capacity(COLLECT_BLOCK_BUFFER_LEN),
            singles: TopK::new(self.window),
            num_singles: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.sort == SortOrder::Relevance && self.constant_score.is_none()
    }

    fn merge_fruits(&self, segments: Vec<SegmentGroups>) -> tantivy::Result<GroupFruit> {
        Ok(GroupFruit::merge(segments, self.window, &self.table))
    }
}

impl GroupColumns {
    fn open(reader: &SegmentReader, table: &GroupTable) -> tantivy::Result<GroupColumns> {
        let fast = reader.fast_fields();
        let ordinals = table.ordinals(reader.segment_id()).ok_or_else(|| {
            TantivyError::InternalError(format!(
                "segment {} is not in the group table of its searcher",
                reader.segment_id().short_uuid_string()
            ))
        })?;
        Ok(GroupColumns {
            ordinals,
            price: fast.i64(PRICE_MINOR)?,
            updated_at: fast.date(UPDATED_AT)?,
            discount: fast.f64(DISCOUNT)?,
            drops: DropColumns::open(reader)?,
        })
    }
}

impl SegmentCollector for GroupSegmentCollector {
    type Fruit = SegmentGroups;

    /// Scored documents wait in a block, so that their columns are read in batches too.
    fn collect(&mut self, doc: DocId, score: Score) {
        self.pending.push((doc, score));
        if self.pending.len() == COLLECT_BLOCK_BUFFER_LEN {
            self.flush_pending();
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for block in docs.chunks(COLLECT_BLOCK_BUFFER_LEN) {
            self.collect_batch(block, None);
        }
    }

    fn harvest(mut self) -> SegmentGroups {
        self.flush_pending();
        if let Some(slots) = self.slots.take() {
            self.table.give_back(slots);
        }
        let buffers = std::mem::take(&mut self.buffers);
        let singles = std::mem::replace(&mut self.singles, TopK::new(0));
        SegmentGroups::new(self.segment, buffers, singles, self.num_singles)
    }
}

/// Column values of one block of documents.
struct BlockValues {
    prices: [Option<i64>; COLLECT_BLOCK_BUFFER_LEN],
    /// Sort keys, higher ranks first.
    keys: [f64; COLLECT_BLOCK_BUFFER_LEN],
}

impl GroupSegmentCollector {
    fn flush_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let mut docs = [0; COLLECT_BLOCK_BUFFER_LEN];
        let mut scores = [0.0; COLLECT_BLOCK_BUFFER_LEN];
        for (i, (doc, score)) in pending.iter().enumerate() {
            docs[i] = *doc;
            scores[i] = *score;
        }
        let n = pending.len();
        self.collect_batch(&docs[..n], Some(&scores[..n]));
        self.pending = pending;
        self.pending.clear();
    }

    /// Up to a block of documents, with their scores when scored.
    fn collect_batch(&mut self, docs: &[DocId], scores: Option<&[Score]>) {
        let values = self.read_block(docs, scores);
        for (i, doc) in docs.iter().enumerate() {
            let score = scores.and_then(|s| s.get(i)).copied();
            let score = score.unwrap_or(self.block_score);
            let price = values.prices[i].unwrap_or(i64::MAX);
            let ordinal = self
                .columns
                .ordinals
                .get(*doc as usize)
                .copied()
                .unwrap_or(NO_GROUP);
            if ordinal == NO_GROUP {
                self.add_single(*doc, values.keys[i], score);
            } else {
                self.add_to_group(*doc, values.keys[i], price, ordinal);
            }
        }
    }

    fn read_block(&self, docs: &[DocId], scores: Option<&[Score]>) -> BlockValues {
        let n = docs.len();
        let mut values = BlockValues {
            prices: [None; COLLECT_BLOCK_BUFFER_LEN],
            keys: [0.0; COLLECT_BLOCK_BUFFER_LEN],
        };
        let columns = &self.columns;
        // A group's lowest price only ranks it in the price orders.
        if self.sort.is_by_price() {
            columns.price.first_vals(docs, &mut values.prices[..n]);
        }
        let keys = &mut values.keys[..n];
        match self.sort {
            // `validate` refuses `epc` with grouping; were it asked, relevance is its tie order.
            SortOrder::Relevance | SortOrder::Epc => {
                let scores = scores.unwrap_or_default();
                for (i, key) in keys.iter_mut().enumerate() {
                    let score = scores.get(i).copied().unwrap_or(self.block_score);
                    *key = f64::from(score);
                }
            }
            SortOrder::PriceAsc | SortOrder::PriceDesc => {
                let sign = if self.sort == SortOrder::PriceAsc {
                    -1.0
                } else {
                    1.0
                };
                for (key, price) in keys.iter_mut().zip(&values.prices) {
                    *key = sign * price.unwrap_or(i64::MAX) as f64;
                }
            }
            SortOrder::Newest => {
                let mut times = [None; COLLECT_BLOCK_BUFFER_LEN];
                columns.updated_at.first_vals(docs, &mut times[..n]);
                for (key, at) in keys.iter_mut().zip(&times) {
                    *key = at.map_or(f64::NEG_INFINITY, |at| at.into_timestamp_secs() as f64);
                }
            }
            SortOrder::Discount => {
                let mut discounts = [None; COLLECT_BLOCK_BUFFER_LEN];
                columns.discount.first_vals(docs, &mut discounts[..n]);
                for (key, discount) in keys.iter_mut().zip(&discounts) {
                    *key = discount.unwrap_or(f64::NEG_INFINITY);
                }
            }
            SortOrder::PriceDrop => {
                for (key, doc) in keys.iter_mut().zip(docs) {
                    *key = columns.drops.rank(*doc, self.recent_from);
                }
            }
        }
        values
    }

    fn add_single(&mut self, doc: DocId, key: f64, score: Score) {
        self.num_singles += 1;
        let score = (self.sort == SortOrder::Relevance).then_some(score);
        let address = DocAddress::new(self.segment, doc);
        self.singles.push(Ranked(
            key,
            RankedItem::Single {
                doc: address,
                score,
            },
        ));
    }

    fn add_to_group(&mut self, doc: DocId, rank: f64, price: i64, ordinal: u32) {
        let GroupBuffers { groups, members } = &mut self.buffers;
        let Some(slots) = self.slots.as_mut() else {
            return;
        };
        let next = groups.len() as u32;
        let member = members.len() as u32;
        let Some(slot) = slots.slot_or_insert(ordinal, next) else {
            return;
        };
        if slot == next {
            groups.push(SegmentGroup::new(ordinal, rank, price, member));
            members.push(Member::last(doc));
        } else if let Some(group) = groups.get_mut(slot as usize) {
            members.push(Member::before(doc, group.head()));
            group.add(rank, price, member);
        }
    }
}
