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
//! (`source_replacement.rs`). On a cluster the commit waits, node by node, until every node
//! that answers holds the new generation's full count before the flip, and shows the flip
//! before the old generation is deleted (30 s at most); the tests pass on one node and on a
//! 3-node cluster (`tests/cluster/typesense run --nodes 3 -- …`). A node that does not answer
//! is not waited for. Searches read only nodes that hold the live generations whole: a node
//! restarted after a failure, which says `/health` ok before it has caught up, is admitted
//! again only once it shows every source's live generation and their full counts
//! (`node_admission.rs`).
//!
//! # Where answers differ from the tantivy index
//! The differential test (`tests/typesense/differential.rs`) runs one query set against both
//! backends on the same generated offers (two sources, 3,000 records). Equal there: totals;
//! every matching item (offer ids; groups with their GTIN, size, prices and offers) as a set,
//! for text, typo, prefix and one-letter-last-word queries, every filter, all five sorts and
//! grouping; the price sequence of price sorts (ties keep each engine's own order, so the ids
//! of equal prices are compared as a set); all facet counts; lookups by id and GTIN; stats.
//! What differs, and why it stays:
//! - `sort=epc` is refused with a 400 ("sort=epc is not supported by the typesense backend"):
//!   ranking by the merchants' EPC would mean writing each merchant's rank into every document
//!   and rewriting them whenever the EPCs change.
//! - Relevance order: Typesense ranks by its text match, tantivy by BM25 with a title boost,
//!   so relevance answers are compared as sets; `score` is each engine's own (Typesense's text
//!   match here). Without words, `relevance` keeps each engine's own document order.
//! - Grouped under `price_desc`, Typesense ranks a group by its dearest offer (its best hit),
//!   tantivy by its cheapest; the groups are the same. A group holds at most 99 offers
//!   (Typesense's `group_limit`).
//! - Typo and prefix variants: Typesense considers at most 1,000 per word (`max_candidates`);
//!   a prefix with more completions than that in a large catalogue can find less than tantivy,
//!   which takes them all. Facets read the top 1,000 values per facet before ranking them.
//! - Words split on ASCII punctuation only (Typesense takes a list of separators); exact string
//!   filters (brand, merchant, source) compare Typesense's tokens, so they ignore case, accents
//!   and punctuation (`Björk & Berg` matches `bjork berg`), where tantivy ignores case and
//!   accents only. Filter values holding a backtick are refused: Typesense cannot quote them.
//! - An offer id that another source holds stays with both sources (tantivy moves it).
//! - No price history: documents hold no honest numbers (answers carry none, `sort=discount`
//!   uses the feed's claim), and `sort=price_drop`, `dropped_within` and `at_lowest` are
//!   refused as user errors rather than answered as if no offer had dropped.
//! - A search costs one multi-search request; `generation`, `stats`, `num_offers` and a cached
//!   search each read the meta collection first.
//! - Suggestions: with more completions than the limit, each engine fills it with other titles
//!   (the same completions when the limit holds them all).
//! - No matched products: matching needs the tantivy index's candidates, so the binary ingests
//!   into Typesense without it (`/products/{gtin}` works; `/products/{p…}` is refused).
//!
//! The binary-level differential test (`tests/typesense_cli.rs`) runs `feedmill ingest` and
//! `feedmill serve` on both backends and compares their HTTP answers; `tests/typesense_failover.rs`
//! kills nodes of a 3-node cluster under them.
//!
//! # Failures
//! The client fails over between nodes (`client.rs`): reads give up after three rounds, so that
//! a cluster with no node answering is [`SearchError::Unavailable`](feedmill_search::SearchError)
//! quickly (the API's 503); writes keep trying for 30 s, longer than a leader election, so that
//! a refresh whose leader dies retries its import on the others and commits. Nodes are read
//! only once admitted (`node_admission.rs`).

mod client;
mod collections;
mod error;
#[cfg(test)]
mod fake_nodes;
mod live_set;
mod node_admission;
mod offer_document;
mod search_answer;
mod search_params;
mod source_replacement;
mod typesense_backend;

pub use client::TypesenseClient;
pub use error::TypesenseError;
pub use source_replacement::TypesenseReplacement;
pub use typesense_backend::{TypesenseBackend, TypesenseConfig};
