//! Integration tests of feedmill-index: one binary (one link) with a module per area.

mod backend;
mod cache;
mod candidates;
mod crash;
mod epc;
mod facets;
mod grouping;
mod ingest;
mod price_history;
mod search;
mod support;
