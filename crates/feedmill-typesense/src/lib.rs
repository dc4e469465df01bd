//! feedmill-typesense: a search backend of feedmill's search seam (`feedmill-search`) over a
//! Typesense 0.24 node or cluster, for a comparison site that needs more read capacity or the
//! survival of a node loss than one process with an embedded tantivy index gives.
//!
//! # What it owns
//! - [`TypesenseBackend`] ([`TypesenseConfig`]: nodes, API key, collection name): the seam's
//!   `SearchBackend` (search, offer by id, offers of a GTIN, suggest, stats) and `SourceStore`
//!   (atomic per-source replacement through a [`TypesenseReplacement`], behind the same
//!   shrink guard as the tantivy index, and deletion of a source).
//! - [`TypesenseClient`]: blocking HTTP to the nodes, round-robin over the healthy ones, with
//!   retries on connection errors, timeouts and 5xx (`client.rs`).
//! - The offers collection's schema and documents (`offer_document.rs`), the request's
//!   translation to Typesense parameters (`search_params.rs`) and back (`search_answer.rs`),
//!   and the live generations of the meta collection (`live_set.rs`).
//!
//! # Atomic replacement
//! Documents carry the generation of the refresh that wrote them; a meta collection holds each
//! source's live generation; every search filters on the live ones and checks, in the same
//! request, that they did not change while it ran (`typesense_backend.rs`). A refresh writes
//! the new generation whole, counts it, flips the meta document, then deletes the old one
//! (`source_replacement.rs`). Replication of the flip across a cluster is Typesense's (Raft);
//! reading a lagging node is not handled yet.
//!
//! # Where answers differ from the tantivy index
//! The differential test (`tests/differential.rs`) runs one query set against both backends
//! on the same generated offers. What is equal: the matching ids of filter-only searches, the
//! order of price sorts (as price sequences: ties keep each engine's own order), totals, facet
//! counts, and groups (keys, sizes, prices). What differs, and is compared as sets or not at
//! all:
//! - Relevance: Typesense ranks by its text match, tantivy by BM25 with a title boost, so
//!   relevance pages are compared as the sets of all matches, not in order; scores are each
//!   engine's own (`score` in an answer is Typesense's text match).
//! - Without words, `relevance` keeps each engine's own document order.
//! - Typo and prefix matching: Typesense counts a typo against the whole word and ranks exact
//!   matches first as tantivy does, but decides candidates its own way (`max_candidates`), so
//!   text searches with a typo or a prefix are checked to find what the exact word finds.
//! - A group holds at most 99 offers (Typesense's `group_limit`), and with `price_desc` groups
//!   rank by their dearest offer (Typesense ranks a group by its best hit), where tantivy ranks
//!   them by their cheapest.
//! - Filter values holding a backtick are refused (Typesense cannot quote them); a source
//!   filter ignores case as Typesense's exact string filter does.
//! - An offer id that another source holds stays with both sources (tantivy moves it).

mod client;
mod collections;
mod error;
mod live_set;
mod offer_document;
mod search_answer;
mod search_params;
mod source_replacement;
mod typesense_backend;

pub use client::TypesenseClient;
pub use error::TypesenseError;
pub use source_replacement::TypesenseReplacement;
pub use typesense_backend::{TypesenseBackend, TypesenseConfig};
