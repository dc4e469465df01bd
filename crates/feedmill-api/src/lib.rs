//! feedmill-api
