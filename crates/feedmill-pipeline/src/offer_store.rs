//! [`OfferStore`]: where an ingest's offers go — the tantivy index, or any backend of the search
//! seam that is both a `SearchBackend` and a `SourceStore` (Typesense) — and [`Replacement`],
//! one source's replacement in progress in either.
//!
//! The index keeps its own path (its `SourceIngest` and `IndexError`), so ingesting into it is
//! what it was before the seam: same calls, same errors, same speed. A seam backend is reached
//! through the traits only; its failures are [`PipelineError::Backend`]. Product matching needs
//! the index's candidates ([`OfferStore::match_candidates`]): a seam backend has none, and the
//! index sink then ingests without matching (see `index_sink.rs`).
//!
//! A seam backend may block on the network (Typesense's blocking HTTP client, which must not
//! run on an async worker): its calls here leave the worker first when made on one of a
//! multi-threaded runtime (`tokio::task::block_in_place`), as the scheduler's are.

use crate::error::PipelineError;
use feedmill_index::{
    IngestMeta, IngestOptions, IngestOutcome, MatchCandidates, OfferIndex, PriceFacts, SourceIngest,
};
use feedmill_model::Offer;
use feedmill_search::{SearchBackend, SourceReplacement, SourceStats, SourceStore};
use std::sync::Arc;

/// A seam backend that can also be written: searches and per-source replacement.
pub trait SearchStore: SearchBackend + SourceStore {}

impl<T: SearchBackend + SourceStore> SearchStore for T {}

/// Where offers go; cheap to clone (both kinds share their backend).
#[derive(Clone)]
pub enum OfferStore {
    /// The tantivy index, through its own calls.
    Index(OfferIndex),
    /// Another backend of the seam.
    Backend(Arc<dyn SearchStore>),
}

impl std::fmt::Debug for OfferStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OfferStore::Index(index) => f.debug_tuple("Index").field(&index.location()).finish(),
            OfferStore::Backend(backend) => f.debug_tuple("Backend").field(backend).finish(),
        }
    }
}

impl From<OfferIndex> for OfferStore {
    fn from(index: OfferIndex) -> OfferStore {
        OfferStore::Index(index)
    }
}

impl OfferStore {
    /// The store as the seam's search side, for the API and the alert evaluator.
    pub fn search_backend(&self) -> Arc<dyn SearchBackend> {
        match self {
            OfferStore::Index(index) => Arc::new(index.clone()),
            OfferStore::Backend(backend) => backend.clone(),
        }
    }

    /// The index, when the store is the index.
    pub fn index(&self) -> Option<&OfferIndex> {
        match self {
            OfferStore::Index(index) => Some(index),
            OfferStore::Backend(_) => None,
        }
    }

    /// Every source's metadata as of its last commit.
    pub fn stats(&self) -> Result<Vec<SourceStats>, PipelineError> {
        match self {
            OfferStore::Index(index) => Ok(index.stats()?),
            OfferStore::Backend(backend) => Ok(off_the_workers(|| backend.stats())?),
        }
    }

    /// The metadata of one source, `None` before its first commit.
    pub fn source_stats(&self, source: &str) -> Result<Option<SourceStats>, PipelineError> {
        Ok(self.stats()?.into_iter().find(|s| s.source == source))
    }

    /// The content hash of the feed last committed for `source`.
    pub fn content_hash(&self, source: &str) -> Result<Option<String>, PipelineError> {
        match self {
            OfferStore::Index(index) => Ok(index.source_content_hash(source)?),
            OfferStore::Backend(_) => Ok(self.source_stats(source)?.map(|s| s.content_hash)),
        }
    }

    /// Offers searches see now, all sources.
    pub fn num_offers(&self) -> u64 {
        match self {
            OfferStore::Index(index) => index.num_offers(),
            OfferStore::Backend(backend) => off_the_workers(|| backend.num_offers()),
        }
    }

    /// The catalogue product matching compares against; `None` for a seam backend.
    pub fn match_candidates(&self) -> Option<MatchCandidates> {
        self.index().map(OfferIndex::match_candidates)
    }

    /// Starts replacing every offer of `source` behind `guard`.
    pub fn begin(&self, source: &str, guard: IngestOptions) -> Result<Replacement, PipelineError> {
        match self {
            OfferStore::Index(index) => {
                let ingest = index.begin_source_ingest(source, guard)?;
                Ok(Replacement::Index(Box::new(ingest)))
            }
            OfferStore::Backend(backend) => {
                let replacement = off_the_workers(|| backend.begin_replace(source, guard))?;
                Ok(Replacement::Backend(replacement))
            }
        }
    }
}

/// Runs `work` that may block: off the async worker when called on one of a multi-threaded
/// runtime, else right here (a blocking-pool thread, or no runtime at all).
fn off_the_workers<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// One source's replacement in progress; dropped without a commit, it rolls back.
pub enum Replacement {
    /// Boxed: one allocation per replacement keeps the enum small.
    Index(Box<SourceIngest>),
    Backend(Box<dyn SourceReplacement>),
}

impl Replacement {
    pub fn add(&mut self, offer: &Offer) -> Result<(), PipelineError> {
        match self {
            Replacement::Index(ingest) => Ok(ingest.add(offer)?),
            Replacement::Backend(replacement) => Ok(replacement.add(offer)?),
        }
    }

    pub fn add_priced(
        &mut self,
        offer: &Offer,
        facts: Option<&PriceFacts>,
    ) -> Result<(), PipelineError> {
        match self {
            Replacement::Index(ingest) => Ok(ingest.add_priced(offer, facts)?),
            Replacement::Backend(replacement) => Ok(replacement.add_priced(offer, facts)?),
        }
    }

    pub fn commit(self, meta: IngestMeta) -> Result<IngestOutcome, PipelineError> {
        match self {
            Replacement::Index(ingest) => Ok((*ingest).commit(meta)?),
            Replacement::Backend(replacement) => Ok(replacement.commit(meta)?),
        }
    }
}
