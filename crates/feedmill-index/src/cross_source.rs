//! [`OtherSourcesCopies`]: the one delete that keeps offer ids unique across sources.
//!
//! An offer id names one offer in the whole index (`get_offer`, click-outs), so an id a feed
//! brings replaces an offer another source holds under that id. A `delete_term(id)` before
//! every add did that, at the price of one term lookup per offer in every segment at commit.
//! Instead an ingest issues this query as a delete after its last add: in each segment that
//! holds offers of other sources, it streams the id terms between the feed's smallest and
//! largest id, and matches the documents of those in the feed's [`FeedIds`] that belong to
//! another source. Ids from `OfferId` start with their source's name, so that range holds few
//! ids beyond the source's own previous ones; a segment of the source alone is skipped whole.
//! The new documents, added before the delete, belong to the source and are never matched.

use crate::feed_ids::FeedIds;
use std::fmt;
use std::sync::Arc;
use tantivy::index::InvertedIndexReader;
use tantivy::postings::TermInfo;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError, Term};

/// Documents of sources other than `source` whose id the feed holds.
#[derive(Clone)]
pub(crate) struct OtherSourcesCopies {
    source: Term,
    id_field: Field,
    ids: Arc<FeedIds>,
}

impl OtherSourcesCopies {
    pub fn new(source: Term, id_field: Field, ids: Arc<FeedIds>) -> OtherSourcesCopies {
        OtherSourcesCopies {
            source,
            id_field,
            ids,
        }
    }

    /// The matching documents of one segment; `None` when there are none.
    fn matches(&self, reader: &SegmentReader) -> tantivy::Result<Option<BitSet>> {
        let Some((first, last)) = self.ids.range() else {
            return Ok(None);
        };
        let sources = reader.inverted_index(self.source.field())?;
        let num_own = sources.doc_freq(&self.source)?;
        if num_own >= reader.max_doc() {
            return Ok(None);
        }
        let ids = reader.inverted_index(self.id_field)?;
        let mut terms = ids.terms().range().ge(first).le(last).into_stream()?;
        let mut matches: Option<BitSet> = None;
        while terms.advance() {
            if self.ids.contains(terms.key()) {
                let docs = matches.get_or_insert_with(|| BitSet::with_max_value(reader.max_doc()));
                for_each_doc(&ids, terms.value(), |doc| {
                    docs.insert(doc);
                })?;
            }
        }
        if let (Some(docs), Some(own)) = (matches.as_mut(), sources.get_term_info(&self.source)?) {
            for_each_doc(&sources, &own, |doc| docs.remove(doc))?;
        }
        Ok(matches)
    }
}

/// Calls `visit` with every document of a term's postings.
fn for_each_doc(
    index: &InvertedIndexReader,
    term: &TermInfo,
    mut visit: impl FnMut(DocId),
) -> tantivy::Result<()> {
    let mut postings = index.read_block_postings_from_terminfo(term, IndexRecordOption::Basic)?;
    loop {
        let docs = postings.docs();
        if docs.is_empty() {
            return Ok(());
        }
        docs.iter().copied().for_each(&mut visit);
        postings.advance();
    }
}

impl fmt::Debug for OtherSourcesCopies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtherSourcesCopies")
            .field("source", &self.source)
            .field("num_ids", &self.ids.len())
            .finish()
    }
}

impl Query for OtherSourcesCopies {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for OtherSourcesCopies {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.matches(reader)? {
            Some(docs) => Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("OtherSourcesCopies", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} is not another source's copy of a feed id"
            )))
        }
    }
}
