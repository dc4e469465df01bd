//! Integration tests live in integration.rs.
