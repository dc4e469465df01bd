//! feedmill's integration tests: one binary, one module per area. Fixtures live in
//! `tests/fixtures/` and reproduce the quirks of real exported feeds.

mod alerts_cli;
mod earnings_cli;
mod history_cli;
mod index_cli;
mod match_cli;
mod match_ops_cli;
mod normalize_auto_mapping;
mod normalize_cli;
mod normalize_junk;
mod normalize_losses;
mod normalize_snapshots;
mod postback_cli;
mod postgres_store_cli;
mod refresh_cli;
mod replicas_cli;
mod serve_cli;
mod serve_keys_cli;
mod serve_transactions_cli;
mod support;
mod transactions_cli;
mod typesense_cli;
mod typesense_failover;
mod typesense_refresh;
