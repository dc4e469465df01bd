//! A local simulator of the Adtraction and PartnerBoost APIs (plus Awin-style and plain file
//! downloads), for tests and demos: an axum app on `127.0.0.1:0`.
//!
//! It implements the documented contracts — `X-Token` checks with 401/403, `X-RateLimit-*`
//! headers with the reset in epoch milliseconds and 429s that say how long until the reset,
//! PartnerBoost's result codes inside HTTP 200s and its all-string paged envelope, ETag /
//! Last-Modified with 304 — and injects faults counted from its start: 5xx bursts, slow
//! answers, bodies cut halfway, PartnerBoost 1002s ([`SimulatorConfig`]). Every request is
//! recorded, so a test can assert how many the client made. Give it the client's
//! [`ManualClock`](crate::ManualClock) and a rate-limit reset passes as soon as the client
//! sleeps for it.
//!
//! Routes: `/v3/partner/programs/`, `/v3/partner/products/feedinfo/{programId}/{channelId}/`,
//! `/v3/partner/products/feed/`, `/api.php?mod=datafeed&op=list`,
//! `/api.php?mod=medium&op=monetization_api`, `/datafeed/download/apikey/{key}/…`,
//! `/files/{name}`; the transaction reports `/api.php?mod=medium&op=transaction`,
//! `/v2/partner/transactions/`, `/publishers/{id}/transactions/` and Adtraction's
//! `/v3/partner/programs/commissions/{programId}/[{channelId}/]` ([`TransactionSimConfig`]).

mod adtraction;
mod config;
mod files;
mod partnerboost;
pub mod sample_data;
mod state;
mod transaction_config;
mod transactions;

pub use config::{ADTRACTION_FEED_FILE, AWIN_FILE, SimulatorConfig};
pub use state::RecordedRequest;
pub use transaction_config::{
    TransactionSimConfig, adtraction_row, awin_row, partnerboost_row, seed_commission_type,
};

use crate::clock::{Clock, SystemClock};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use state::SimState;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running simulator; stops when dropped.
pub struct Simulator {
    addr: SocketAddr,
    state: Arc<SimState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Simulator {
    /// Starts on `127.0.0.1:0` with the real clock.
    pub async fn start(config: SimulatorConfig) -> std::io::Result<Simulator> {
        Simulator::start_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Starts with a given clock (share a `ManualClock` with the client under test).
    pub async fn start_with_clock(
        config: SimulatorConfig,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(SimState::new(config, clock));
        let _ = state.base_url.set(format!("http://{addr}"));
        let app = router(state.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(err) = serve.await {
                tracing::warn!(error = %err, "simulator stopped");
            }
        });
        Ok(Simulator {
            addr,
            state,
            shutdown: Some(shutdown),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port`
    pub fn base_url(&self) -> String {
        self.state.base_url()
    }

    /// The Adtraction `base_url` (`…/v3`).
    pub fn adtraction_base_url(&self) -> String {
        format!("{}/v3", self.base_url())
    }

    /// The `base_url` of a `[[network_account]]` of any network: the simulator's root.
    pub fn account_base_url(&self) -> String {
        self.base_url()
    }

    /// The PartnerBoost `base_url`.
    pub fn partnerboost_base_url(&self) -> String {
        self.base_url()
    }

    pub fn file_url(&self, name: &str) -> String {
        format!("{}/files/{name}", self.base_url())
    }

    /// An Awin download URL template, `{token}` standing for the key.
    pub fn awin_url_template(&self) -> String {
        format!(
            "{}/datafeed/download/apikey/{{token}}/fid/1234/format/csv/delimiter/%2C/compression/gzip/",
            self.base_url()
        )
    }

    /// Every request seen so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.lock().requests.clone()
    }

    pub fn num_requests(&self) -> usize {
        self.state.lock().requests.len()
    }

    /// Changes data or faults while running (fault budgets already used stay used).
    pub fn update(&self, change: impl FnOnce(&mut SimulatorConfig)) {
        change(&mut self.state.lock().config);
    }

    /// Replaces a served file; its `Last-Modified` becomes now.
    pub fn set_file(&self, name: &str, bytes: Vec<u8>) {
        let now = self.state.clock.now_ms();
        let mut inner = self.state.lock();
        inner.config.files.insert(name.to_string(), bytes);
        inner.file_modified_ms.insert(name.to_string(), now);
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
    }
}

fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/v3/partner/programs/", post(adtraction::programs))
        .route(
            "/v3/partner/products/feedinfo/{program_id}/{channel_id}/",
            get(adtraction::feed_info),
        )
        .route("/v3/partner/products/feed/", post(adtraction::products))
        .route("/api.php", get(partnerboost::api).post(partnerboost::api))
        .route(
            "/datafeed/download/apikey/{key}/{*rest}",
            get(files::awin_download),
        )
        .route("/files/{name}", get(files::file))
        .route("/v2/partner/transactions/", post(transactions::adtraction))
        .route(
            "/v3/partner/programs/commissions/{program_id}/",
            get(transactions::adtraction_commissions),
        )
        .route(
            "/v3/partner/programs/commissions/{program_id}/{channel_id}/",
            get(transactions::adtraction_commissions),
        )
        .route(
            "/publishers/{publisher_id}/transactions/",
            get(transactions::awin),
        )
        .layer(middleware::from_fn_with_state(state.clone(), faults))
        .with_state(state)
}

/// Records every request, then applies the global faults: delay, then 5xx.
async fn faults(State(state): State<Arc<SimState>>, request: Request, next: Next) -> Response {
    let (delay, retry_after, status, outage) = {
        let mut inner = state.lock();
        inner.requests.push(RecordedRequest {
            method: request.method().to_string(),
            path: request.uri().path().to_string(),
        });
        let config = &inner.config;
        let outage = config
            .fail_from_request
            .is_some_and(|first| inner.requests.len() >= first);
        (
            config.delay,
            config.retry_after_secs,
            config.server_error_status,
            outage,
        )
    };
    if state.take(|i| (&mut i.num_delayed, i.config.delay_first_n)) {
        tokio::time::sleep(delay).await;
    }
    if outage || state.take(|i| (&mut i.num_failed, i.config.fail_first_n_with_500)) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, "simulated server error").into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        return response;
    }
    next.run(request).await
}
