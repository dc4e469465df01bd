//! feedmill-index
mod error;
mod facets;
mod grouping;
mod offer_document;
mod offer_index;
mod query_builder;
mod schema;
mod search;
mod search_request;
mod search_response;
mod source_catalog;
mod source_ingest;
mod suggest;
mod writer_slot;

pub use error::IndexError;
pub use offer_index::OfferIndex;
pub use search_request::{
    DEFAULT_PER_PAGE, FacetKind, MAX_PER_PAGE, MAX_QUERY_CHARS, MAX_RESULT_WINDOW, SearchRequest,
    SortOrder,
};
pub use search_response::{FacetResults, FacetValue, GtinGroup, OfferHit, SearchItem, SearchResponse};
pub use source_catalog::SourceStats;
pub use source_ingest::{DEFAULT_MIN_RATIO, IngestMeta, IngestOptions, IngestOutcome, SourceIngest};
pub use suggest::MAX_SUGGESTIONS;
