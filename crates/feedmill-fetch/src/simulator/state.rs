//! The simulator's shared state: its config, the request log, fault budgets and the
//! Adtraction quota window, behind one std mutex that is never held across an await.

use super::SimulatorConfig;
use crate::clock::Clock;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

/// One request the simulator saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
}

pub(crate) struct SimState {
    pub clock: Arc<dyn Clock>,
    pub base_url: OnceLock<String>,
    inner: Mutex<Inner>,
}

pub(crate) struct Inner {
    pub config: SimulatorConfig,
    pub requests: Vec<RecordedRequest>,
    pub num_failed: u32,
    pub num_busy: u32,
    pub num_truncated: u32,
    pub num_delayed: u32,
    pub num_transactions_limited: u32,
    /// When each Awin API call of the last minute came.
    pub awin_calls_ms: std::collections::VecDeque<u64>,
    pub window_start_ms: u64,
    pub window_used: u32,
    /// Last-Modified of each file: when it was last set.
    pub file_modified_ms: std::collections::HashMap<String, u64>,
}

/// The quota headers of one Adtraction response, and whether it is over quota.
pub(crate) struct QuotaCheck {
    pub headers: HeaderMap,
    pub exceeded_for_ms: Option<u64>,
}

impl SimState {
    pub(crate) fn new(config: SimulatorConfig, clock: Arc<dyn Clock>) -> SimState {
        let now = clock.now_ms();
        let file_modified_ms = config
            .files
            .keys()
            .map(|name| (name.clone(), now))
            .collect();
        SimState {
            clock,
            base_url: OnceLock::new(),
            inner: Mutex::new(Inner {
                config,
                requests: Vec::new(),
                num_failed: 0,
                num_busy: 0,
                num_truncated: 0,
                num_delayed: 0,
                num_transactions_limited: 0,
                awin_calls_ms: std::collections::VecDeque::new(),
                window_start_ms: now,
                window_used: 0,
                file_modified_ms,
            }),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // Plain data: still consistent if a handler panicked while holding the lock.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn base_url(&self) -> String {
        self.base_url.get().cloned().unwrap_or_default()
    }

    /// Counts one Adtraction request against the quota window.
    pub(crate) fn adtraction_quota(&self) -> QuotaCheck {
        let now = self.clock.now_ms();
        let mut inner = self.lock();
        let window_ms = crate::clock::millis(inner.config.rate_limit_window);
        if now >= inner.window_start_ms + window_ms {
            inner.window_start_ms = now;
            inner.window_used = 0;
        }
        inner.window_used += 1;
        let limit = inner.config.rate_limit_after_n;
        let reset_ms = inner.window_start_ms + window_ms;
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
        let remaining = limit.saturating_sub(inner.window_used);
        headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(reset_ms));
        let exceeded_for_ms = (inner.window_used > limit).then(|| reset_ms.saturating_sub(now));
        QuotaCheck {
            headers,
            exceeded_for_ms,
        }
    }

    /// Counts one Awin API call; false when it is over `per_minute` in the last minute.
    pub(crate) fn awin_call_allowed(&self, per_minute: usize) -> bool {
        let now = self.clock.now_ms();
        let mut inner = self.lock();
        while inner
            .awin_calls_ms
            .front()
            .is_some_and(|&at| at + 60_000 <= now)
        {
            inner.awin_calls_ms.pop_front();
        }
        if inner.awin_calls_ms.len() >= per_minute {
            return false;
        }
        inner.awin_calls_ms.push_back(now);
        true
    }

    /// Takes one from a fault budget: true while `used < budget`.
    pub(crate) fn take(&self, pick: impl FnOnce(&mut Inner) -> (&mut u32, u32)) -> bool {
        let mut inner = self.lock();
        let (used, budget) = pick(&mut inner);
        if *used < budget {
            *used += 1;
            true
        } else {
            false
        }
    }

    /// A 200 with `bytes`, cut halfway while the truncation budget lasts.
    pub(crate) fn body_response(&self, mut headers: HeaderMap, bytes: Vec<u8>) -> Response {
        let truncate = self.take(|i| (&mut i.num_truncated, i.config.truncate_first_n));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        if !truncate {
            return (StatusCode::OK, headers, bytes).into_response();
        }
        truncated(headers, Bytes::from(bytes))
    }
}

/// A response announcing the full `Content-Length`, sending half the bytes, then aborting the
/// connection. The pause lets the first half reach the client before the abort.
fn truncated(headers: HeaderMap, bytes: Bytes) -> Response {
    let half = bytes.slice(..bytes.len() / 2);
    let chunks = futures_util::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok(half), 1)),
                1 => {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    Some((Err(std::io::Error::other("simulated truncation")), 2))
                }
                _ => None,
            }
        }
    });
    (StatusCode::OK, headers, Body::from_stream(chunks)).into_response()
}
