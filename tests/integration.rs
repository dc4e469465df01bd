//! End-to-end tests of the feedmill binary and crates.
