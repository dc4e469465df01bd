//! feedmill-formats
