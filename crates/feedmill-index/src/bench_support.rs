//! Hooks for `examples/ingest_bench.rs`: tantivy indexing pre-built documents of this schema
//! with this index's writer settings, the bound [`SourceIngest::add`](crate::SourceIngest::add)
//! is measured against. Not part of the supported API (hidden from the docs).

use crate::error::IndexError;
use crate::offer_document::DocumentBuilder;
use crate::offer_index::OfferIndex;
use crate::source_ingest::{ADD_BATCH, rolled_back};
use crate::writer_slot::WriterSettings;
use feedmill_model::Offer;
use std::path::Path;
use tantivy::TantivyDocument;
use tantivy::indexer::UserOperation;

/// The documents an ingest would index for `offers`, built ahead of a timed run.
pub struct PrebuiltDocuments(Vec<TantivyDocument>);

impl PrebuiltDocuments {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl OfferIndex {
    /// [`OfferIndex::open_or_create`] with `num_indexing_threads` instead of the default, to
    /// measure what the default buys.
    #[doc(hidden)]
    pub fn open_or_create_with_indexing_threads(
        dir: &Path,
        num_indexing_threads: usize,
    ) -> Result<OfferIndex, IndexError> {
        let settings = WriterSettings {
            num_indexing_threads,
            ..WriterSettings::ON_DISK
        };
        OfferIndex::open_or_create_with(dir, settings)
    }

    /// The documents of `offers`, as [`SourceIngest::add`](crate::SourceIngest::add) builds them.
    #[doc(hidden)]
    pub fn prebuild_documents(&self, offers: &[Offer]) -> Result<PrebuiltDocuments, IndexError> {
        let mut builder = DocumentBuilder::default();
        let mut docs = Vec::with_capacity(offers.len());
        for offer in offers {
            docs.push(builder.build(&self.inner.schema, offer, None)?);
        }
        Ok(PrebuiltDocuments(docs))
    }

    /// Adds `docs` with the index's own writer (same settings and batches as an ingest) and
    /// commits: no deletes, no checks, no catalogue. Only for measuring; the index is left
    /// without source metadata.
    #[doc(hidden)]
    pub fn index_prebuilt(&self, docs: PrebuiltDocuments) -> Result<(), IndexError> {
        let mut state = self
            .inner
            .writer
            .check_out(&self.inner.index, self.location())?;
        match add_and_commit(&mut state.writer, docs.0) {
            Ok(()) => self.inner.writer.check_in(Some(state)),
            Err(err) => {
                self.inner.writer.check_in(rolled_back(state));
                return Err(err);
            }
        }
        self.reload()
    }
}

/// The documents in the batches an ingest hands over ([`ADD_BATCH`]), then a commit.
fn add_and_commit(
    writer: &mut tantivy::IndexWriter,
    docs: Vec<TantivyDocument>,
) -> Result<(), IndexError> {
    let mut docs = docs.into_iter().peekable();
    while docs.peek().is_some() {
        let batch: Vec<UserOperation> = docs
            .by_ref()
            .take(ADD_BATCH)
            .map(UserOperation::Add)
            .collect();
        writer.run(batch)?;
    }
    writer.commit()?;
    Ok(())
}
