//! `sort=epc`: offers ranked by their merchant's place in the request's [`MerchantRanks`], ties
//! (and every unranked merchant) by relevance.
//!
//! The merchant is read from its raw fast column (the value as written, which is what clicks
//! record). Per segment, each dictionary ordinal of that column is looked up in the table once
//! (a segment has far fewer merchants than offers), so a document costs one column read and
//! one `Vec` index. The key is `(merchant key, relevance)`, compared descending: a ranked
//! merchant's key is `u32::MAX - place`, an unranked one's 0.

use crate::schema::MERCHANT;
use feedmill_search::MerchantRanks;
use std::sync::Arc;
use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{SegmentSortKeyComputer, SortKeyComputer};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentReader, TantivyError};

/// An offer's place in an `epc` order: its merchant's key, then its relevance score.
pub(crate) type EpcKey = (u32, Score);

/// The [`SortKeyComputer`] of `sort=epc`.
pub(crate) struct EpcSortKey {
    ranks: Arc<MerchantRanks>,
}

impl EpcSortKey {
    pub(crate) fn new(ranks: Arc<MerchantRanks>) -> EpcSortKey {
        EpcSortKey { ranks }
    }
}

/// One segment's merchant keys by dictionary ordinal.
pub(crate) struct EpcSegmentKey {
    column: Option<StrColumn>,
    key_by_ord: Vec<u32>,
}

impl SortKeyComputer for EpcSortKey {
    type SortKey = EpcKey;
    type Child = EpcSegmentKey;
    type Comparator = NaturalComparator;

    fn requires_scoring(&self) -> bool {
        true
    }

    fn segment_sort_key_computer(&self, reader: &SegmentReader) -> tantivy::Result<EpcSegmentKey> {
        // A segment where no offer names a merchant has no column: every offer is unranked.
        let Some(column) = reader.fast_fields().str(MERCHANT)? else {
            return Ok(EpcSegmentKey {
                column: None,
                key_by_ord: Vec::new(),
            });
        };
        let mut key_by_ord = Vec::with_capacity(column.num_terms());
        let mut terms = column.dictionary().stream()?;
        while terms.advance() {
            let merchant = std::str::from_utf8(terms.key()).map_err(|_| {
                TantivyError::InternalError("merchant column holds non-UTF-8 bytes".into())
            })?;
            key_by_ord.push(self.ranks.sort_key(merchant));
        }
        Ok(EpcSegmentKey {
            column: Some(column),
            key_by_ord,
        })
    }
}

impl SegmentSortKeyComputer for EpcSegmentKey {
    type SortKey = EpcKey;
    type SegmentSortKey = EpcKey;
    type SegmentComparator = NaturalComparator;

    fn segment_sort_key(&mut self, doc: DocId, score: Score) -> EpcKey {
        let merchant_key = self
            .column
            .as_ref()
            .and_then(|column| column.term_ords(doc).next())
            .and_then(|ord| usize::try_from(ord).ok())
            .and_then(|ord| self.key_by_ord.get(ord).copied())
            .unwrap_or(0);
        (merchant_key, score)
    }

    fn convert_segment_sort_key(&self, key: EpcKey) -> EpcKey {
        key
    }
}
