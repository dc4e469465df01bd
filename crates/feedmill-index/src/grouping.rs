//! Grouping by GTIN: the offers of one product (same GTIN-14, same currency) become one item,
//! ranked among the offers without a GTIN, which stay single items.
//!
//! One pass over the matches. In each segment an offer with a GTIN lands in the group of its
//! [`GroupKey`], found in a hash map keyed by the GTIN as a number (the `gtin_key` column) and
//! the currency: one column read per offer (two when the segment has several currencies), and
//! the key is the same in every segment, so segments merge by key. A group keeps its best sort
//! key, lowest price, size and its offers, as a list threaded through one array, so the page's
//! groups read their offers without a second search. Offers without a GTIN keep only the best
//! `window` (offset + page size) per segment: no others can reach the page. The segments'
//! groups are merged and ranked in [`crate::group_fruit`].
//!
//! Groups rank by their best offer for `relevance`, `newest` and `discount`, and by their lowest
//! price for both price orders (a product is as cheap as its cheapest offer).

use crate::group_fruit::{
    GroupFruit, Member, Ranked, RankedItem, SegmentGroup, SegmentGroups, TopK,
};
use crate::schema::{CURRENCY, DISCOUNT, GTIN_KEY, PRICE_MINOR, UPDATED_AT};
use feedmill_search::SortOrder;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::{
    COLLECT_BLOCK_BUFFER_LEN, DateTime, DocAddress, DocId, Score, SegmentOrdinal, SegmentReader,
};

pub(crate) use crate::group_fruit::GroupKey;

/// A multiply-rotate hasher (the FxHash step) for group keys. SipHash, the std default, resists
/// hash flooding that keys from our own index cannot mount, and costs a third of a grouped
/// match-all search; written here rather than pulling in a crate for a few lines.
///
/// `finish` rotates the product (as rustc-hash 2 does): a product's low bits depend only on
/// the key's low bits, which in a [`GroupKey`] are the currency, the same for most keys, and
/// the hash map picks buckets by the low bits.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A segment's group slots by key.
pub(crate) type GroupSlots = HashMap<GroupKey, u32, BuildHasherDefault<KeyHasher>>;

/// What one segment's grouping fills: the groups, their slots by key, and their offers. Each
/// thread keeps a few from one search to the next ([`GroupBuffers::take`]), so that a search
/// does not grow a map and two lists from nothing (rehashing and copying them as they double,
/// and faulting in fresh pages) for every segment.
#[derive(Default)]
pub(crate) struct GroupBuffers {
    pub slots: GroupSlots,
    pub groups: Vec<SegmentGroup>,
    pub members: Vec<Member>,
}

/// Buffers kept per thread: one per segment of a typical index.
const MAX_KEPT_BUFFERS: usize = 4;
/// Buffers that grew beyond this many groups (members: four times as many) are dropped rather
/// than kept: a thread keeps a few MB at most, whatever searches it ran.
const MAX_KEPT_GROUPS: usize = 1 << 15;

thread_local! {
    static KEPT_BUFFERS: RefCell<Vec<GroupBuffers>> = const { RefCell::new(Vec::new()) };
}

impl GroupBuffers {
    /// Empty buffers: ones this thread kept, or new ones.
    pub fn take() -> GroupBuffers {
        let kept = KEPT_BUFFERS.try_with(|kept| kept.borrow_mut().pop());
        kept.ok().flatten().unwrap_or_default()
    }

    /// Empties the buffers and keeps them for this thread's next search, unless they grew too
    /// large or the thread keeps enough.
    pub fn give_back(mut self) {
        if self.slots.capacity() > MAX_KEPT_GROUPS
            || self.groups.capacity() > MAX_KEPT_GROUPS
            || self.members.capacity() > 4 * MAX_KEPT_GROUPS
        {
            return;
        }
        self.slots.clear();
        self.groups.clear();
        self.members.clear();
        // `try_with`: a thread being torn down keeps nothing.
        let _ = KEPT_BUFFERS.try_with(|kept| {
            let mut kept = kept.borrow_mut();
            if kept.len() < MAX_KEPT_BUFFERS {
                kept.push(self);
            }
        });
    }
}

pub(crate) struct GroupCollector {
    sort: SortOrder,
    /// Items before the end of the requested page: `offset + per_page`.
    window: usize,
    /// The score of every match when the query has no words: no scoring pass is needed.
    constant_score: Option<f32>,
}

impl GroupCollector {
    pub fn new(sort: SortOrder, window: usize, constant_score: Option<f32>) -> GroupCollector {
        GroupCollector {
            sort,
            window,
            constant_score,
        }
    }
}

/// The columns one segment's grouping reads.
struct GroupColumns {
    /// The GTIN-14 as a number; absent for offers without a GTIN.
    gtin_keys: Column<u64>,
    currency_ords: Column<u64>,
    /// The segment's one currency, when every offer has it: nothing to read.
    only_currency: Option<[u8; 3]>,
    /// Currency ordinal of the segment → its code.
    currency_codes: Vec<[u8; 3]>,
    price: Column<i64>,
    updated_at: Column<DateTime>,
    discount: Column<f64>,
}

pub(crate) struct GroupSegmentCollector {
    segment: SegmentOrdinal,
    sort: SortOrder,
    /// The score of the documents handed over in blocks, unscored.
    block_score: Score,
    columns: GroupColumns,
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
            columns: GroupColumns::open(reader)?,
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
        Ok(GroupFruit::merge(segments, self.window))
    }
}

impl GroupColumns {
    fn open(reader: &SegmentReader) -> tantivy::Result<GroupColumns> {
        let fast = reader.fast_fields();
        let (currency_ords, currency_codes) = match fast.str(CURRENCY)? {
            Some(column) => (column.ords().clone(), currency_codes(&column)?),
            None => (Column::build_empty_column(reader.max_doc()), Vec::new()),
        };
        let only_currency = match currency_codes.as_slice() {
            [code] if currency_ords.get_cardinality() == Cardinality::Full => Some(*code),
            _ => None,
        };
        Ok(GroupColumns {
            only_currency,
            gtin_keys: fast.u64(GTIN_KEY)?,
            currency_ords,
            currency_codes,
            price: fast.i64(PRICE_MINOR)?,
            updated_at: fast.date(UPDATED_AT)?,
            discount: fast.f64(DISCOUNT)?,
        })
    }
}

fn currency_codes(column: &StrColumn) -> tantivy::Result<Vec<[u8; 3]>> {
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
        SegmentGroups::new(self.segment, self.buffers, self.singles, self.num_singles)
    }
}

/// Column values of one block of documents.
struct BlockValues {
    gtins: [Option<u64>; COLLECT_BLOCK_BUFFER_LEN],
    prices: [Option<i64>; COLLECT_BLOCK_BUFFER_LEN],
    currency_ords: [Option<u64>; COLLECT_BLOCK_BUFFER_LEN],
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
            match values.gtins[i] {
                Some(gtin) => {
                    let key = GroupKey::new(gtin, self.currency(values.currency_ords[i]));
                    self.add_to_group(*doc, values.keys[i], price, key);
                }
                None => self.add_single(*doc, values.keys[i], score),
            }
        }
    }

    fn read_block(&self, docs: &[DocId], scores: Option<&[Score]>) -> BlockValues {
        let n = docs.len();
        let mut values = BlockValues {
            gtins: [None; COLLECT_BLOCK_BUFFER_LEN],
            prices: [None; COLLECT_BLOCK_BUFFER_LEN],
            currency_ords: [None; COLLECT_BLOCK_BUFFER_LEN],
            keys: [0.0; COLLECT_BLOCK_BUFFER_LEN],
        };
        let columns = &self.columns;
        columns.gtin_keys.first_vals(docs, &mut values.gtins[..n]);
        // A group's lowest price only ranks it in the price orders.
        if self.sort.is_by_price() {
            columns.price.first_vals(docs, &mut values.prices[..n]);
        }
        if columns.only_currency.is_none() {
            columns
                .currency_ords
                .first_vals(docs, &mut values.currency_ords[..n]);
        }
        let keys = &mut values.keys[..n];
        match self.sort {
            SortOrder::Relevance => {
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

    /// The code of an offer's currency ordinal; the segment's one currency when it has one,
    /// and no letters for an offer without a currency.
    fn currency(&self, ord: Option<u64>) -> [u8; 3] {
        let columns = &self.columns;
        columns.only_currency.unwrap_or_else(|| {
            ord.and_then(|ord| columns.currency_codes.get(ord as usize))
                .copied()
                .unwrap_or_default()
        })
    }

    fn add_to_group(&mut self, doc: DocId, rank: f64, price: i64, key: GroupKey) {
        let GroupBuffers {
            slots,
            groups,
            members,
        } = &mut self.buffers;
        let next = groups.len() as u32;
        let member = members.len() as u32;
        let slot = *slots.entry(key).or_insert(next);
        if slot == next {
            groups.push(SegmentGroup::new(key, rank, price, member));
            members.push(Member::last(doc));
        } else if let Some(group) = groups.get_mut(slot as usize) {
            members.push(Member::before(doc, group.head()));
            group.add(rank, price, member);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(gtin: u64) -> GroupKey {
        GroupKey::new(gtin, *b"SEK")
    }

    #[test]
    fn a_thread_reuses_its_buffers_emptied() {
        let mut buffers = GroupBuffers::take();
        for gtin in 0..1000 {
            buffers.slots.insert(key(gtin), gtin as u32);
            buffers.members.push(Member::last(gtin as u32));
        }
        let capacity = buffers.slots.capacity();
        buffers.give_back();
        let again = GroupBuffers::take();
        assert!(again.slots.is_empty() && again.members.is_empty());
        assert_eq!(again.slots.capacity(), capacity);
        assert!(
            GroupBuffers::take().slots.capacity() == 0,
            "only one was kept"
        );
    }

    #[test]
    fn buffers_grown_too_large_are_not_kept() {
        let mut buffers = GroupBuffers::take();
        buffers.members.reserve(4 * MAX_KEPT_GROUPS + 1);
        buffers.give_back();
        assert_eq!(GroupBuffers::take().members.capacity(), 0);
    }
}
