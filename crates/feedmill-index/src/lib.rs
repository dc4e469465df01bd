//! feedmill-index
