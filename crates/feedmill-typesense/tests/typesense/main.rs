//! Tests against a real Typesense: the differential test beside the tantivy index and the
//! atomic replacement. They need `TYPESENSE_NODES` and `TYPESENSE_API_KEY`, which
//! `tests/cluster/typesense run -- cargo test -p feedmill-typesense` sets; without them each
//! test says so and passes without checking anything.

mod differential;
mod replacement;
mod support;
