//! Fetchers against the local simulator: every fault ends in a correctly fetched file or in an
//! error that leaves the previous cached file untouched; bad tokens fail once, without retries.
//! Tests share a `ManualClock` between client and simulator, so back-off and rate-limit waits
//! take no real time.

mod adtraction;
mod downloads;
mod harness;
mod partnerboost;
