//! The measurement harness of every feedmill benchmark and example in `benches/`: one place
//! for the inputs, the requests and the load, so that figures measured by different targets
//! compare like with like.
//!
//! - [`feed`]: the generator wrapper — feedmill-gen's synthetic feeds on disk or in memory
//!   (`e2e`, `normalize`).
//! - [`catalogue`]: synthetic offers in memory and indexes built from them through the
//!   pipeline (`search_bench`, `search_load`, `ingest_bench`, `load`), drawn with
//!   feedmill-gen's PRNG and Zipf law — there is no other random number generator here.
//! - [`query_mix`]: the search requests (the e2e mix over the generator's vocabulary, the
//!   catalogue mix over the catalogue's) and their single-threaded timing.
//! - [`http_load`]: the API server over an index and the closed-loop HTTP client.
//! - [`measure`]: stage clocks, peak memory, CPU time, quantiles, the machine.
//!
//! Every ingest here goes through `feedmill-pipeline`, as `feedmill ingest` does.

pub mod catalogue;
pub mod feed;
pub mod http_load;
pub mod measure;
pub mod query_mix;
