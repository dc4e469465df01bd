//! [`SearchIndex`]: the search backend as the API reads it, any implementation of the seam's
//! [`SearchBackend`] (the binary and the tests hand it the tantivy `OfferIndex`).

use feedmill_search::SearchBackend;

/// What the API searches: a backend behind the seam, never a concrete index.
pub(crate) type SearchIndex = dyn SearchBackend;
