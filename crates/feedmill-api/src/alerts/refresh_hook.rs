//! [`AlertingRefreshLog`]: a [`RefreshLog`] that passes every refresh on and nudges the alert
//! evaluator after each one that committed, so alerts are evaluated against the new offers.

use super::evaluator::AlertTrigger;
use chrono::{DateTime, Utc};
use feedmill_model::{RefreshLog, RefreshRecord};
use std::sync::Arc;

/// See the module doc.
pub struct AlertingRefreshLog {
    inner: Arc<dyn RefreshLog>,
    trigger: AlertTrigger,
}

impl AlertingRefreshLog {
    pub fn new(inner: Arc<dyn RefreshLog>, trigger: AlertTrigger) -> AlertingRefreshLog {
        AlertingRefreshLog { inner, trigger }
    }
}

impl RefreshLog for AlertingRefreshLog {
    fn last_attempt(&self, source: &str) -> Option<DateTime<Utc>> {
        self.inner.last_attempt(source)
    }

    /// A refresh without an error committed its source's replacement.
    fn record(&self, source: &str, refresh: &RefreshRecord) {
        self.inner.record(source, refresh);
        if refresh.error.is_none() {
            self.trigger.nudge();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source_status::SourceStatusBoard;
    use std::time::Duration;

    fn refresh(error: Option<&str>) -> RefreshRecord {
        RefreshRecord {
            started_at: Utc::now(),
            duration: Duration::from_millis(3),
            error: error.map(str::to_string),
            indexed: None,
        }
    }

    #[tokio::test]
    async fn only_a_committed_refresh_nudges_the_evaluator() {
        let board = Arc::new(SourceStatusBoard::default());
        let trigger = AlertTrigger::new();
        let log = AlertingRefreshLog::new(board.clone(), trigger.clone());
        log.record("shop", &refresh(Some("http 503")));
        let wait = Duration::from_millis(50);
        assert!(tokio::time::timeout(wait, trigger.nudged()).await.is_err());
        assert_eq!(
            board.get("shop").and_then(|s| s.last_error).as_deref(),
            Some("http 503")
        );
        log.record("shop", &refresh(None));
        assert!(tokio::time::timeout(wait, trigger.nudged()).await.is_ok());
        assert!(log.last_attempt("shop").is_some());
    }
}
