//! Price alerts: checking callbacks ([`callback_url`]: SSRF), signing deliveries
//! ([`signature`]), delivering them with retries ([`delivery`]) and evaluating alerts after
//! each refresh ([`evaluator`], hooked into the refresh log by [`refresh_hook`]). The alerts and
//! their delivery state live in the store (`feedmill_store::AlertStore`); the endpoints are in
//! `handlers::alerts`.

mod attempt;
pub mod callback_url;
pub mod delivery;
pub mod evaluator;
pub mod refresh_hook;
pub mod signature;

pub use callback_url::{CallbackError, CallbackPolicy, CheckedCallback, check_callback};
pub use delivery::{DeliveryBudget, RetryPolicy, delivery_body};
pub use evaluator::{AlertEvaluator, AlertRunStats, AlertTrigger, MAX_CONCURRENT_DELIVERIES};
pub use refresh_hook::AlertingRefreshLog;
pub use signature::{DELIVERY_HEADER, SIGNATURE_HEADER, sign, verify};

/// What alert evaluation and delivery can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alert store: {0}")]
    Store(#[from] feedmill_store::StoreError),
    #[error("search backend: {0}")]
    Search(#[from] feedmill_search::SearchError),
    #[error("alert task failed: {0}")]
    Task(String),
}
