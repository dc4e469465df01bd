//! [`RefreshReportView`]: one refresh's report as `GET /sources` (`last_report`) and
//! `GET /jobs/{id}` (`report`) write it. The pipeline's `RefreshReport` is turned into it by
//! whoever runs the pipeline (`feedmill serve`); the API serializes this type only, so its
//! schema is the JSON's. Its JSON is the pipeline report's, field for field.

use serde::Serialize;
use std::collections::BTreeMap;

/// One refresh of one source: how it ended, how long it took and, when a feed was ingested,
/// what its records came to.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RefreshReportView {
    pub source: String,
    pub outcome: RefreshOutcomeView,
    pub duration: DurationView,
    /// When a feed was read: records kept and rejected by reason, the shrink guard's decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<RefreshDetailsView>,
}

/// How a refresh ended, by `status`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RefreshOutcomeView {
    /// The feed's bytes are those already in the index.
    Unchanged,
    /// The feed replaced the source's offers.
    Ingested {
        num_offers: u64,
        num_previous: u64,
        num_rejected: u64,
    },
    /// The source kept its previous offers.
    Failed { error: String },
}

/// A duration in whole seconds and the nanoseconds beyond them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DurationView {
    pub secs: u64,
    pub nanos: u32,
}

impl From<std::time::Duration> for DurationView {
    fn from(duration: std::time::Duration) -> DurationView {
        DurationView {
            secs: duration.as_secs(),
            nanos: duration.subsec_nanos(),
        }
    }
}

/// The records of an ingested feed and the guard's decision on them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RefreshDetailsView {
    pub num_read: u64,
    pub num_kept: u64,
    /// Rejected records by reason (`missing_title`, `missing_price`, `missing_url`,
    /// `bad_price`, `negative_price`, `missing_currency`, `bad_currency`, `malformed_record`).
    pub rejected_by_reason: BTreeMap<String, u64>,
    pub guard: GuardDecisionView,
}

/// The shrink guard on an ingest that committed: the new offers against the previous ones.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GuardDecisionView {
    /// The least share of the previous offers a feed must hold.
    pub min_ratio: f64,
    pub num_previous: u64,
    pub num_offers: u64,
    /// True when `force` replaced a source the guard would have kept.
    pub overridden: bool,
}
