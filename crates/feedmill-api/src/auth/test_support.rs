//! What the key tests share: a state with keys on, the keys it knows, an [`Operator`] double,
//! and requests through the router without a socket.

use crate::auth::{AuthMode, AuthSettings, KeySpec};
use crate::operator::{
    GuardDecisionView, JobStatus, JobView, Operator, OperatorError, RefreshDetailsView,
    RefreshOutcomeView, RefreshReportView, ReloadSummary,
};
use crate::rate_limit::ApiClock;
use crate::testing::{fixture_config, fixture_offers, fixture_store, index_with};
use crate::{AppState, router};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

/// The secret of the key with every action.
pub(crate) const ALL_ACTIONS: &str = "fmk_test-every-action-0001";
pub(crate) const EXPIRED: &str = "fmk_test-expired-key-00001";
pub(crate) const SEARCH_ONLY: &str = "fmk_search-only-key-000001";
pub(crate) const WRONG: &str = "fmk_nobody-knows-this-key1";

/// The secret of a key with every action but `action`.
pub(crate) fn all_but(action: crate::auth::Action) -> String {
    format!("fmk_all-but-{action}-0000000000")
}

pub(crate) fn spec(name: &str, secret: &str, actions: &[&str]) -> KeySpec {
    KeySpec {
        name: name.into(),
        secret: secret.into(),
        actions: actions.iter().map(|a| a.to_string()).collect(),
        sources: None,
        expires_at: None,
        requests_per_minute: None,
        allowed_origins: Vec::new(),
    }
}

/// Keys on: one with every action, one expired, one per action lacking it, a search key.
pub(crate) fn keyed_settings() -> AuthSettings {
    let every: Vec<&str> = crate::auth::Action::ALL
        .iter()
        .map(|a| a.as_str())
        .collect();
    let mut keys = vec![spec("every", ALL_ACTIONS, &every)];
    let mut expired = spec("expired", EXPIRED, &every);
    expired.expires_at = Some(Utc::now() - Duration::minutes(1));
    keys.push(expired);
    for action in crate::auth::Action::ALL {
        let others: Vec<&str> = every
            .iter()
            .copied()
            .filter(|a| *a != action.as_str())
            .collect();
        keys.push(spec(
            &format!("all-but-{action}"),
            &all_but(action),
            &others,
        ));
    }
    let mut search = spec("storefront", SEARCH_ONLY, &["search"]);
    search.allowed_origins = vec!["https://shop.example".into()];
    keys.push(search);
    AuthSettings {
        mode: AuthMode::Keys,
        keys,
    }
}

pub(crate) struct KeyFixture {
    pub state: AppState,
    pub clock: ApiClock,
    pub operator: Arc<FakeOperator>,
    pub store: Arc<feedmill_store::SqliteStore>,
    _dir: tempfile::TempDir,
}

/// A state over the fixture offers with `settings` and a [`FakeOperator`].
pub(crate) fn key_fixture(settings: &AuthSettings) -> KeyFixture {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let clock = ApiClock::manual();
    let index = Arc::new(index_with(&fixture_offers()));
    let store = fixture_store(dir.path());
    let config = fixture_config(&dir.path().join("clicks.ndjson"));
    let state = AppState::with_clock(index, config, store.clone(), clock.clone())
        .unwrap_or_else(|err| panic!("state: {err}"));
    state
        .keys()
        .configure(settings)
        .unwrap_or_else(|err| panic!("keys: {err}"));
    let operator = Arc::new(FakeOperator::default());
    assert!(state.attach_operator(operator.clone()));
    KeyFixture {
        state,
        clock,
        operator,
        store,
        _dir: dir,
    }
}

pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// `method uri` with `body` (JSON when not empty) and `headers`.
pub(crate) async fn call(
    state: &AppState,
    method: Method,
    uri: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let body = match body {
        Some(json) => {
            builder = builder.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let mut request = builder
        .body(body)
        .unwrap_or_else(|err| panic!("request {uri}: {err}"));
    let peer: SocketAddr = ([192, 0, 2, 7], 4711).into();
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = router(state.clone())
        .oneshot(request)
        .await
        .unwrap_or_else(|err| match err {});
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    Answer {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// `GET uri` with `X-Api-Key: key`.
pub(crate) async fn get_with(state: &AppState, uri: &str, key: &str) -> Answer {
    call(state, Method::GET, uri, None, &[("x-api-key", key)]).await
}

/// A report of an ingest with rejected records and the guard's decision.
pub(crate) fn sample_report(source: &str) -> RefreshReportView {
    RefreshReportView {
        source: source.into(),
        outcome: RefreshOutcomeView::Ingested {
            num_offers: 40,
            num_previous: 38,
            num_rejected: 2,
        },
        duration: std::time::Duration::from_millis(1500).into(),
        details: Some(RefreshDetailsView {
            num_read: 42,
            num_kept: 40,
            rejected_by_reason: [("missing_price".to_string(), 2)].into(),
            guard: GuardDecisionView {
                min_ratio: 0.5,
                num_previous: 38,
                num_offers: 40,
                overridden: false,
            },
        }),
    }
}

/// An [`Operator`] that keeps jobs and pauses in memory and whose reload answers
/// `reload_error` when set.
#[derive(Default)]
pub(crate) struct FakeOperator {
    pub jobs: Mutex<Vec<JobView>>,
    pub paused: Mutex<BTreeSet<String>>,
    pub reload_error: Mutex<Option<String>>,
}

impl FakeOperator {
    fn known(source: &str) -> Result<(), OperatorError> {
        match source {
            "sneakerhub" | "ulike" => Ok(()),
            other => Err(OperatorError::UnknownSource(other.into())),
        }
    }
}

impl Operator for FakeOperator {
    fn refresh(&self, source: &str) -> Result<String, OperatorError> {
        FakeOperator::known(source)?;
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let job_id = format!("job-{}", jobs.len() + 1);
        jobs.push(JobView {
            job_id: job_id.clone(),
            source: source.into(),
            status: JobStatus::Queued,
            report: None,
        });
        Ok(job_id)
    }

    fn job(&self, job_id: &str) -> Option<JobView> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        jobs.iter().find(|job| job.job_id == job_id).cloned()
    }

    fn pause(&self, source: &str) -> Result<(), OperatorError> {
        FakeOperator::known(source)?;
        let mut paused = self.paused.lock().unwrap_or_else(|p| p.into_inner());
        paused.insert(source.into());
        Ok(())
    }

    fn resume(&self, source: &str) -> Result<(), OperatorError> {
        FakeOperator::known(source)?;
        let mut paused = self.paused.lock().unwrap_or_else(|p| p.into_inner());
        paused.remove(source);
        Ok(())
    }

    fn paused(&self) -> BTreeSet<String> {
        self.paused
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn last_report(&self, source: &str) -> Option<RefreshReportView> {
        FakeOperator::known(source).ok()?;
        Some(sample_report(source))
    }

    fn reload(&self) -> Result<ReloadSummary, OperatorError> {
        match self
            .reload_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            Some(error) => Err(OperatorError::InvalidConfig(error)),
            None => Ok(ReloadSummary {
                num_sources: 2,
                num_keys: 1,
                num_programs: 0,
            }),
        }
    }
}
