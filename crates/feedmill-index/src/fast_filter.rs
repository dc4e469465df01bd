//! [`FastFilter`]: the filters read from fast columns while collecting, rather than intersected
//! as query clauses: in stock and the price range.
//!
//! Both keep most offers (four in five are in stock; a price cap keeps most of a catalogue), so as
//! query clauses they cost a postings seek or a column probe behind a virtual call for every
//! candidate the words produce; checked here, a block of 64 candidates costs two batched column
//! reads. The words (and the selective filters: brand, category, merchant, …) stay in the query
//! and lead the intersection. [`FilterCollector`] also batches documents of segments with
//! deletes, which tantivy hands to collectors one at a time.

use crate::schema::{IN_STOCK, PRICE_MINOR};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::Weight;
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocId, Score, SegmentOrdinal, SegmentReader};

/// Filters checked on fast columns; the default keeps everything.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct FastFilter {
    pub in_stock: bool,
    /// Inclusive bounds on `price_minor`.
    pub price: Option<(i64, i64)>,
}

impl FastFilter {
    pub fn is_empty(&self) -> bool {
        !self.in_stock && self.price.is_none()
    }
}

/// `inner`, fed only the documents `filter` keeps.
pub(crate) struct FilterCollector<C> {
    filter: FastFilter,
    inner: C,
}

impl<C> FilterCollector<C> {
    pub fn new(filter: FastFilter, inner: C) -> FilterCollector<C> {
        FilterCollector { filter, inner }
    }
}

pub(crate) struct FilterSegmentCollector<S> {
    in_stock: Option<Column<bool>>,
    price: Option<(Column<i64>, i64, i64)>,
    inner: S,
}

impl<C: Collector> Collector for FilterCollector<C> {
    type Fruit = C::Fruit;
    type Child = FilterSegmentCollector<C::Child>;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let fast = reader.fast_fields();
        let in_stock = match self.filter.in_stock {
            true => Some(fast.bool(IN_STOCK)?),
            false => None,
        };
        let price = match self.filter.price {
            Some((min, max)) => Some((fast.i64(PRICE_MINOR)?, min, max)),
            None => None,
        };
        Ok(FilterSegmentCollector {
            in_stock,
            price,
            inner: self.inner.for_segment(segment, reader)?,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(
        &self,
        fruits: Vec<<C::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<C::Fruit> {
        self.inner.merge_fruits(fruits)
    }

    /// tantivy's own loop, except that documents of a segment with deletes also go in blocks.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<<C::Child as SegmentCollector>::Fruit> {
        let mut collector = self.for_segment(segment, reader)?;
        let alive = reader.alive_bitset();
        if self.requires_scoring() {
            weight.for_each(reader, &mut |doc, score| {
                if alive.is_none_or(|alive| alive.is_alive(doc)) {
                    collector.collect(doc, score);
                }
            })?;
        } else {
            let mut kept = Vec::with_capacity(COLLECT_BLOCK_BUFFER_LEN);
            weight.for_each_no_score(reader, &mut |docs| {
                kept.clear();
                kept.extend(
                    docs.iter()
                        .filter(|d| alive.is_none_or(|a| a.is_alive(**d))),
                );
                collector.collect_block(&kept);
            })?;
        }
        Ok(collector.harvest())
    }
}

impl<S: SegmentCollector> SegmentCollector for FilterSegmentCollector<S> {
    type Fruit = S::Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let in_stock = self
            .in_stock
            .as_ref()
            .is_none_or(|c| c.first(doc) == Some(true));
        let priced = self.price.as_ref().is_none_or(|(column, min, max)| {
            column
                .first(doc)
                .is_some_and(|p| (*min..=*max).contains(&p))
        });
        if in_stock && priced {
            self.inner.collect(doc, score);
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        if self.in_stock.is_none() && self.price.is_none() {
            self.inner.collect_block(docs);
            return;
        }
        for block in docs.chunks(COLLECT_BLOCK_BUFFER_LEN) {
            let mut keep = [true; COLLECT_BLOCK_BUFFER_LEN];
            let keep = &mut keep[..block.len()];
            self.check_in_stock(block, keep);
            self.check_price(block, keep);
            let mut kept = [0; COLLECT_BLOCK_BUFFER_LEN];
            let mut num_kept = 0;
            for (doc, _) in block.iter().zip(keep.iter()).filter(|(_, k)| **k) {
                kept[num_kept] = *doc;
                num_kept += 1;
            }
            self.inner.collect_block(&kept[..num_kept]);
        }
    }

    fn harvest(self) -> S::Fruit {
        self.inner.harvest()
    }
}

impl<S> FilterSegmentCollector<S> {
    fn check_in_stock(&self, block: &[DocId], keep: &mut [bool]) {
        let Some(column) = &self.in_stock else {
            return;
        };
        let mut values = [None; COLLECT_BLOCK_BUFFER_LEN];
        let values = &mut values[..block.len()];
        column.first_vals(block, values);
        for (keep, value) in keep.iter_mut().zip(values.iter()) {
            *keep &= *value == Some(true);
        }
    }

    fn check_price(&self, block: &[DocId], keep: &mut [bool]) {
        let Some((column, min, max)) = &self.price else {
            return;
        };
        let mut values = [None; COLLECT_BLOCK_BUFFER_LEN];
        let values = &mut values[..block.len()];
        column.first_vals(block, values);
        for (keep, value) in keep.iter_mut().zip(values.iter()) {
            *keep &= value.is_some_and(|p| (*min..=*max).contains(&p));
        }
    }
}
