//! One fetch's view of HTTP: every request waits for the rate limiter, is counted, teaches the
//! limiter the server's quota, and comes back either as a usable response (2xx or 304) or as a
//! [`FetchErrorKind`] that knows whether to retry.

use crate::context::FetchContext;
use crate::error::FetchErrorKind;
use crate::rate_limit::server_wait;
use crate::retry::retry;
use reqwest::{RequestBuilder, Response, StatusCode};
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

/// Error bodies are read up to this many bytes for the message; the rest is dropped.
const MAX_ERROR_BODY: usize = 1024;
/// Error messages quoted from a server are cut to this many characters.
const MAX_ERROR_MESSAGE: usize = 200;

pub(crate) struct Session<'a> {
    pub(crate) ctx: &'a FetchContext,
    label: String,
    token_env: Option<String>,
    num_requests: AtomicU32,
}

impl<'a> Session<'a> {
    pub(crate) fn new(ctx: &'a FetchContext, label: String, token_env: Option<&str>) -> Self {
        Session {
            ctx,
            label,
            token_env: token_env.map(str::to_string),
            num_requests: AtomicU32::new(0),
        }
    }

    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    pub(crate) fn num_requests(&self) -> u32 {
        self.num_requests.load(Ordering::Relaxed)
    }

    /// The secret from the variable named by `token_env`.
    pub(crate) fn token(&self) -> Result<String, FetchErrorKind> {
        let var = self.token_env.clone().unwrap_or_default();
        self.ctx
            .env_var(&var)
            .ok_or(FetchErrorKind::MissingToken { var })
    }

    /// A hint for a rejected token: which variable to check.
    fn token_hint(&self) -> Option<String> {
        self.token_env.as_ref().map(|var| format!("check {var}"))
    }

    /// Runs `op` under the context's retry policy.
    pub(crate) async fn retry<T, F, Fut>(&self, op: F) -> Result<T, FetchErrorKind>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, FetchErrorKind>>,
    {
        retry(&self.ctx.retry, &*self.ctx.clock, &self.label, op).await
    }

    /// Sends one request (no retry): 2xx and 304 come back as responses, the rest as errors.
    pub(crate) async fn send(&self, request: RequestBuilder) -> Result<Response, FetchErrorKind> {
        let request = request.build().map_err(FetchErrorKind::transport)?;
        let host = host_key(request.url());
        let clock = &self.ctx.clock;
        let wait = self.ctx.limiter.delay_before_request(&host, clock.now_ms());
        if !wait.is_zero() {
            if wait > self.ctx.retry.max_wait {
                return Err(FetchErrorKind::RateLimitTooLong {
                    wait,
                    max_wait: self.ctx.retry.max_wait,
                });
            }
            tracing::info!(
                feed = %self.label,
                wait_ms = crate::clock::millis(wait),
                "pacing requests to stay within the rate limit"
            );
            clock.sleep(wait).await;
        }
        self.num_requests.fetch_add(1, Ordering::Relaxed);
        let response = self
            .ctx
            .client
            .execute(request)
            .await
            .map_err(FetchErrorKind::transport)?;
        self.ctx
            .limiter
            .observe(&host, response.headers(), clock.now_ms());
        self.check_status(response).await
    }

    async fn check_status(&self, response: Response) -> Result<Response, FetchErrorKind> {
        let status = response.status();
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(response);
        }
        let retry_after = server_wait(response.headers(), self.ctx.clock.now_ms());
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(FetchErrorKind::Unauthorized {
                status: status.as_u16(),
                hint: self.token_hint(),
            });
        }
        let retry_after = match status {
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => retry_after,
            _ => None,
        };
        let message = error_message(response).await;
        Err(FetchErrorKind::Status {
            status: status.as_u16(),
            message,
            retry_after,
        })
    }
}

/// `host:port`, the rate limiter's key.
pub(crate) fn host_key(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// The start of an error body as one short line (JSON `message` / `msg` when there is one).
async fn error_message(mut response: Response) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    let text = String::from_utf8_lossy(&body);
    let text = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(json) => ["message", "msg", "error"]
            .iter()
            .find_map(|key| json.get(key).and_then(|v| v.as_str()).map(str::to_string))
            .unwrap_or_else(|| text.to_string()),
        Err(_) => text.to_string(),
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(MAX_ERROR_MESSAGE).collect()
}
