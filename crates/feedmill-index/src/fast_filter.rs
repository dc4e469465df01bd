//! [`FastFilter`]: in stock and the price range, read from fast columns.
//!
//! Both keep most offers (four in five are in stock; a price cap keeps most of a catalogue).
//! As the term and range queries they were, they cost a postings seek plus a column probe
//! behind virtual calls for every candidate the words produce. Now:
//! - unscored searches (every sort but relevance with words) check them while collecting
//!   ([`FilterCollector`]): a block of 64 candidates costs two batched column reads;
//! - scored searches keep them in the query, as one clause ([`FastFilterQuery`]) that reads
//!   both columns for a candidate and never positions itself beyond it, so that BM25 is only
//!   computed for offers that pass.
//!
//! The words (and the selective filters: brand, category, merchant, …) lead the intersection.
//! [`FilterCollector`] also batches documents of segments with deletes, which tantivy hands to
//! collectors one at a time.

use crate::schema::{IN_STOCK, PRICE_MINOR};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{
    COLLECT_BLOCK_BUFFER_LEN, DocId, DocSet, Score, SeekDangerResult, SegmentOrdinal,
    SegmentReader, TERMINATED, TantivyError,
};

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
    columns: FilterColumns,
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
        Ok(FilterSegmentCollector {
            columns: FilterColumns::open(&self.filter, reader)?,
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
        let alive = reader.alive_bitset();
        if self.filter.is_empty() && (self.requires_scoring() || alive.is_none()) {
            // Nothing to filter, nothing to batch: tantivy's loop, without this layer.
            return self.inner.collect_segment(weight, segment, reader);
        }
        let mut collector = self.for_segment(segment, reader)?;
        if self.requires_scoring() {
            weight.for_each(reader, &mut |doc, score| {
                if alive.is_none_or(|alive| alive.is_alive(doc)) {
                    collector.collect(doc, score);
                }
            })?;
        } else {
            let mut kept = Vec::with_capacity(COLLECT_BLOCK_BUFFER_LEN);
            weight.for_each_no_score(reader, &mut |docs| match alive {
                None => collector.collect_block(docs),
                Some(alive) => {
                    kept.clear();
                    kept.extend(docs.iter().filter(|doc| alive.is_alive(**doc)));
                    collector.collect_block(&kept);
                }
            })?;
        }
        Ok(collector.harvest())
    }
}

impl<S: SegmentCollector> SegmentCollector for FilterSegmentCollector<S> {
    type Fruit = S::Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.columns.is_empty() || self.columns.keeps(doc) {
            self.inner.collect(doc, score);
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        if self.columns.is_empty() {
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
        let Some(column) = &self.columns.in_stock else {
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
        let Some((column, min, max)) = &self.columns.price else {
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

/// The columns of a [`FastFilter`] in one segment.
struct FilterColumns {
    in_stock: Option<Column<bool>>,
    price: Option<(Column<i64>, i64, i64)>,
}

impl FilterColumns {
    fn open(filter: &FastFilter, reader: &SegmentReader) -> tantivy::Result<FilterColumns> {
        let fast = reader.fast_fields();
        let in_stock = match filter.in_stock {
            true => Some(fast.bool(IN_STOCK)?),
            false => None,
        };
        let price = match filter.price {
            Some((min, max)) => Some((fast.i64(PRICE_MINOR)?, min, max)),
            None => None,
        };
        Ok(FilterColumns { in_stock, price })
    }

    fn is_empty(&self) -> bool {
        self.in_stock.is_none() && self.price.is_none()
    }

    fn keeps(&self, doc: DocId) -> bool {
        let in_stock = self
            .in_stock
            .as_ref()
            .is_none_or(|c| c.first(doc) == Some(true));
        in_stock
            && self.price.as_ref().is_none_or(|(column, min, max)| {
                column
                    .first(doc)
                    .is_some_and(|p| (*min..=*max).contains(&p))
            })
    }
}

/// A [`FastFilter`] as a query clause scoring 0.0, for scored searches.
#[derive(Debug, Clone)]
pub(crate) struct FastFilterQuery(pub FastFilter);

impl Query for FastFilterQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for FastFilterQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut docs = FilteredDocs {
            columns: FilterColumns::open(&self.0, reader)?,
            doc: 0,
            max_doc: reader.max_doc(),
        };
        docs.doc = docs.first_kept(0);
        Ok(Box::new(ConstScorer::new(docs, boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if FilterColumns::open(&self.0, reader)?.keeps(doc) {
            Ok(Explanation::new("FastFilterQuery", 0.0))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} is filtered out"
            )))
        }
    }
}

/// The documents a [`FastFilter`] keeps, found by reading the columns document by document:
/// cheap as the follower of an intersection, where it is only asked about candidates.
struct FilteredDocs {
    columns: FilterColumns,
    doc: DocId,
    max_doc: DocId,
}

impl FilteredDocs {
    fn first_kept(&self, from: DocId) -> DocId {
        (from..self.max_doc)
            .find(|doc| self.columns.keeps(*doc))
            .unwrap_or(TERMINATED)
    }
}

impl DocSet for FilteredDocs {
    fn advance(&mut self) -> DocId {
        self.doc = self.first_kept(self.doc.saturating_add(1));
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target > self.doc {
            self.doc = self.first_kept(target);
        }
        self.doc
    }

    /// Looks at the candidate only; a miss leaves the next candidate to the other clauses.
    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        if target >= self.max_doc {
            return SeekDangerResult::SeekLowerBound(TERMINATED);
        }
        if self.columns.keeps(target) {
            self.doc = target;
            SeekDangerResult::Found
        } else {
            SeekDangerResult::SeekLowerBound(target + 1)
        }
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    /// Most offers pass; as large as the segment, so the words lead an intersection.
    fn size_hint(&self) -> u32 {
        self.max_doc
    }
}
