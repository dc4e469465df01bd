//! Grouping by GTIN: the offers of one product (same GTIN-14, same currency) become one item,
//! ranked among the offers without a GTIN, which stay single items.
//!
//! One pass over the matches keeps, per group, its best sort key, lowest price and size, and
//! per GTIN-less offer its key and address; only the page's groups then have their offers read.
//! Groups rank by their best offer for `relevance`, `newest` and `discount`, and by their lowest
//! price for both price orders (a product is as cheap as its cheapest offer).

use crate::schema::{CURRENCY, DISCOUNT, GTIN_KEY, PRICE_MINOR, UPDATED_AT};
use crate::search_request::SortOrder;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{
    COLLECT_BLOCK_BUFFER_LEN, DateTime, DocAddress, DocId, Score, SegmentOrdinal, SegmentReader,
};

/// One product in one currency; the currency is its three ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GroupKey {
    pub gtin: u64,
    pub currency: [u8; 3],
}

/// One word per key, for [`KeyHasher`].
impl Hash for GroupKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let [a, b, c] = self.currency;
        state.write_u64(self.gtin ^ (u64::from_le_bytes([a, b, c, 0, 0, 0, 0, 0]) << 47));
    }
}

/// A multiply-rotate hasher (the FxHash step) for group keys. SipHash, the std default, resists
/// hash flooding that GTINs from our own index cannot mount, and costs a third of a grouped
/// match-all search; written here rather than pulling in a crate for five lines.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
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

type GroupMap = HashMap<GroupKey, GroupAcc, BuildHasherDefault<KeyHasher>>;

impl GroupKey {
    pub fn gtin14(&self) -> String {
        format!("{:014}", self.gtin)
    }
}

#[derive(Debug, Clone, Copy)]
struct GroupAcc {
    best: f64,
    min_price: i64,
    num_offers: u64,
}

/// A ranked item before its offers are read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RankedItem {
    Group(GroupKey),
    Single { doc: DocAddress, score: Option<f32> },
}

#[derive(Debug, Default)]
pub(crate) struct GroupFruit {
    groups: GroupMap,
    singles: Vec<(f64, DocAddress, Option<f32>)>,
}

impl GroupFruit {
    /// Groups plus single offers: the `total` of a grouped search.
    pub fn num_items(&self) -> u64 {
        (self.groups.len() + self.singles.len()) as u64
    }

    /// The items of `offset..offset + limit`, best first.
    pub fn page(self, sort: SortOrder, offset: usize, limit: usize) -> Vec<RankedItem> {
        let groups = self.groups.into_iter().map(|(key, acc)| {
            let rank_key = match sort {
                SortOrder::PriceAsc => -(acc.min_price as f64),
                SortOrder::PriceDesc => acc.min_price as f64,
                _ => acc.best,
            };
            (rank_key, RankedItem::Group(key))
        });
        let singles = self
            .singles
            .into_iter()
            .map(|(key, doc, score)| (key, RankedItem::Single { doc, score }));
        let mut ranked: Vec<(f64, RankedItem)> = groups.chain(singles).collect();
        let end = offset.saturating_add(limit).min(ranked.len());
        if end == 0 {
            return Vec::new();
        }
        // Only the first `end` need ordering: select them, then sort that prefix.
        if end < ranked.len() {
            ranked.select_nth_unstable_by(end - 1, compare_ranked);
            ranked.truncate(end);
        }
        ranked.sort_by(compare_ranked);
        ranked
            .into_iter()
            .skip(offset)
            .map(|(_, item)| item)
            .collect()
    }
}

/// Higher key first; ties by GTIN, groups before singles, then by document, so pages are stable.
fn compare_ranked(a: &(f64, RankedItem), b: &(f64, RankedItem)) -> Ordering {
    b.0.total_cmp(&a.0).then_with(|| match (&a.1, &b.1) {
        (RankedItem::Group(x), RankedItem::Group(y)) => x.cmp(y),
        (RankedItem::Group(_), RankedItem::Single { .. }) => Ordering::Less,
        (RankedItem::Single { .. }, RankedItem::Group(_)) => Ordering::Greater,
        (RankedItem::Single { doc: x, .. }, RankedItem::Single { doc: y, .. }) => x.cmp(y),
    })
}

pub(crate) struct GroupCollector {
    sort: SortOrder,
}

impl GroupCollector {
    pub fn new(sort: SortOrder) -> GroupCollector {
        GroupCollector { sort }
    }
}

pub(crate) struct GroupSegmentCollector {
    segment: SegmentOrdinal,
    sort: SortOrder,
    gtin: Column<u64>,
    /// Currency ordinal of the segment → its code.
    currency_ords: Column<u64>,
    currency_codes: Vec<[u8; 3]>,
    price: Column<i64>,
    updated_at: Column<DateTime>,
    discount: Column<f64>,
    fruit: GroupFruit,
}

impl Collector for GroupCollector {
    type Fruit = GroupFruit;
    type Child = GroupSegmentCollector;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<GroupSegmentCollector> {
        let fast = reader.fast_fields();
        let (currency_ords, currency_codes) = match fast.str(CURRENCY)? {
            Some(column) => {
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
                (column.ords().clone(), codes)
            }
            None => (Column::build_empty_column(reader.max_doc()), Vec::new()),
        };
        Ok(GroupSegmentCollector {
            segment,
            sort: self.sort,
            gtin: fast.u64(GTIN_KEY)?,
            currency_ords,
            currency_codes,
            price: fast.i64(PRICE_MINOR)?,
            updated_at: fast.date(UPDATED_AT)?,
            discount: fast.f64(DISCOUNT)?,
            fruit: GroupFruit::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.sort == SortOrder::Relevance
    }

    fn merge_fruits(&self, mut fruits: Vec<GroupFruit>) -> tantivy::Result<GroupFruit> {
        // Merge into the largest segment's groups rather than re-inserting them all.
        let largest = (0..fruits.len()).max_by_key(|i| fruits[*i].groups.len());
        let mut merged = largest.map(|i| fruits.swap_remove(i)).unwrap_or_default();
        for fruit in fruits {
            for (key, acc) in fruit.groups {
                merged
                    .groups
                    .entry(key)
                    .and_modify(|into| into.absorb(acc))
                    .or_insert(acc);
            }
            merged.singles.extend(fruit.singles);
        }
        Ok(merged)
    }
}

impl GroupAcc {
    fn absorb(&mut self, other: GroupAcc) {
        self.best = self.best.max(other.best);
        self.min_price = self.min_price.min(other.min_price);
        self.num_offers += other.num_offers;
    }
}

impl SegmentCollector for GroupSegmentCollector {
    type Fruit = GroupFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let gtin = self.gtin.first(doc);
        let price = self.price.first(doc);
        self.collect_one(doc, score, gtin, price);
    }

    /// The scoring-free path (every order but relevance): batched reads of GTIN and price.
    fn collect_block(&mut self, docs: &[DocId]) {
        let mut gtins = [None; COLLECT_BLOCK_BUFFER_LEN];
        let mut prices = [None; COLLECT_BLOCK_BUFFER_LEN];
        for block in docs.chunks(COLLECT_BLOCK_BUFFER_LEN) {
            let gtins = &mut gtins[..block.len()];
            let prices = &mut prices[..block.len()];
            gtins.fill(None);
            prices.fill(None);
            self.gtin.first_vals(block, gtins);
            self.price.first_vals(block, prices);
            for ((doc, gtin), price) in block.iter().zip(gtins.iter()).zip(prices.iter()) {
                self.collect_one(*doc, 0.0, *gtin, *price);
            }
        }
    }

    fn harvest(self) -> GroupFruit {
        self.fruit
    }
}

impl GroupSegmentCollector {
    fn collect_one(&mut self, doc: DocId, score: Score, gtin: Option<u64>, price: Option<i64>) {
        let price = price.unwrap_or(i64::MAX);
        let key = self.sort_key(doc, score, price);
        let Some(gtin) = gtin else {
            let score = (self.sort == SortOrder::Relevance).then_some(score);
            let address = DocAddress::new(self.segment, doc);
            self.fruit.singles.push((key, address, score));
            return;
        };
        let currency = self
            .currency_ords
            .first(doc)
            .and_then(|ord| self.currency_codes.get(ord as usize).copied())
            .unwrap_or_default();
        let acc = GroupAcc {
            best: key,
            min_price: price,
            num_offers: 1,
        };
        self.fruit
            .groups
            .entry(GroupKey { gtin, currency })
            .and_modify(|into| into.absorb(acc))
            .or_insert(acc);
    }

    /// Higher ranks first.
    fn sort_key(&self, doc: DocId, score: Score, price: i64) -> f64 {
        match self.sort {
            SortOrder::Relevance => f64::from(score),
            SortOrder::PriceAsc => -(price as f64),
            SortOrder::PriceDesc => price as f64,
            SortOrder::Newest => self
                .updated_at
                .first(doc)
                .map_or(f64::NEG_INFINITY, |at| at.into_timestamp_secs() as f64),
            SortOrder::Discount => self.discount.first(doc).unwrap_or(f64::NEG_INFINITY),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(gtin: u64) -> GroupKey {
        GroupKey {
            gtin,
            currency: *b"SEK",
        }
    }

    fn fruit() -> GroupFruit {
        let acc = |best, min_price, num_offers| GroupAcc {
            best,
            min_price,
            num_offers,
        };
        GroupFruit {
            groups: GroupMap::from_iter([(key(1), acc(1.0, 500, 2)), (key(2), acc(3.0, 100, 3))]),
            singles: vec![(2.0, DocAddress::new(0, 7), Some(2.0))],
        }
    }

    fn gtins(items: &[RankedItem]) -> Vec<u64> {
        items
            .iter()
            .map(|item| match item {
                RankedItem::Group(key) => key.gtin,
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
        let mut groups = fruit();
        groups.singles.clear();
        let asc = groups.page(SortOrder::PriceAsc, 0, 2);
        assert_eq!(gtins(&asc), [2, 1]);
        assert_eq!(
            GroupKey {
                gtin: 36000291452,
                currency: *b"SEK"
            }
            .gtin14(),
            "00036000291452"
        );
    }
}
