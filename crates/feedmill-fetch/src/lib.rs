//! feedmill-fetch
