//! [`SourceView`]: one source as `GET /sources` shows it.

use super::RefreshReportView;
use crate::source_status::SourceStatus;
use serde::Serialize;

/// One source as `GET /sources` shows it: its last refresh and what the index holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SourceView {
    pub name: String,
    /// The last refresh, when this process refreshed the source.
    pub refresh: Option<SourceStatus>,
    /// Offers of the source in the index.
    pub num_offers: u64,
    /// When the source's offers were last committed to the index.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_ingest_at: Option<chrono::DateTime<chrono::Utc>>,
    pub num_rejected: Option<u64>,
    /// The last refresh's report: its outcome, records kept and rejected by reason, the shrink
    /// guard's decision and its duration.
    pub last_report: Option<RefreshReportView>,
    /// Scheduled refreshes are paused by the operator (`POST /sources/{name}/pause`).
    pub paused: bool,
}
