//! The API's own request and response types, apart from the handlers that use them so that the
//! OpenAPI document ([`crate::openapi`]) derives its schemas without depending on handlers.
//! Field names are a contract with users. (The search answer's offers and groups are the
//! seam's types, `feedmill_search::SearchResponse`, with links added by `offer_links`.)

pub(crate) mod alert_view;
pub(crate) mod history_view;
pub(crate) mod key_types;
pub(crate) mod link_request;
pub(crate) mod match_view;
pub(crate) mod postback_response;
pub(crate) mod refresh_report;
pub(crate) mod small_answers;
pub(crate) mod source_view;

pub use alert_view::{AlertCreated, AlertRequest, AlertView, DeliveryView, MAX_THRESHOLD_CHARS};
pub use history_view::{
    DailyPoint, HistoryPoint, MarketLow, MerchantHistory, OfferHistory, ProductHistory,
    merchant_source,
};
pub use key_types::{
    CreatedKey, KeyList, KeyView, NewKeyRequest, RUN_TIME_KEY_ID_PATTERN, ScopedKey,
    ScopedKeyRequest,
};
pub use link_request::{
    AdvertiserId, BatchItem, BatchRequest, BatchResponse, LinkParameters, LinkRequest,
    LinkResponse, MAX_BATCH,
};
pub use match_view::{
    PinList, PinRequest, PinView, PinnedStatus, ReviewEntry, ReviewList, ReviewStatus,
};
pub use postback_response::PostbackResponse;
pub use refresh_report::{
    DurationView, GuardDecisionView, RefreshDetailsView, RefreshOutcomeView, RefreshReportView,
};
pub use small_answers::{Health, JobQueued, PauseState, Product, Sources, Suggestions};
pub use source_view::SourceView;

/// A time as every answer writes it: RFC 3339 in UTC, seconds unless the time has a fraction.
pub(crate) fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
