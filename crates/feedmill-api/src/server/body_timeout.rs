//! [`time_out_slow_bodies`]: a request body must keep arriving. Once a handler starts reading
//! it, every read must bring data within [`crate::ApiConfig::body_read_timeout`], else the
//! request is answered `408` (`request_timeout`) and its connection closed.
//!
//! The timeout is for the gap between two successive reads, not for the whole body, as nginx's
//! `client_body_timeout` and Apache's `mod_reqtimeout` minimum rate: a large upload that flows
//! steadily, however long it takes, is never cut, and a client that trickles its body (a
//! slow-loris on the body: headers in time, then a byte now and then) is cut after one gap.
//! What a client can hold is bounded by the body limit ([`crate::MAX_BODY_BYTES`]) and the
//! connections per address ([`super::connection_limit`]).

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use axum::BoxError;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Gives the request's body the idle timeout and answers `408` when it fired, whatever the
/// handler made of the failed read (an extractor's 400, a handler's own error).
pub(crate) async fn time_out_slow_bodies(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let timeout = state.config().body_read_timeout;
    let timed_out = Arc::new(AtomicBool::new(false));
    let flag = timed_out.clone();
    let request = request.map(|body| Body::new(IdleTimeoutBody::new(body, timeout, flag)));
    let response = next.run(request).await;
    if !timed_out.load(Ordering::Acquire) {
        return response;
    }
    tracing::debug!(
        timeout_ms = timeout.as_millis() as u64,
        "request body timed out"
    );
    timeout_response(timeout)
}

/// The `408` with `Connection: close`: the rest of the body was not read, so the connection
/// cannot carry another request.
fn timeout_response(timeout: Duration) -> Response {
    let message = format!(
        "the request body stopped arriving: no data for {} ms; send it without pauses",
        timeout.as_millis()
    );
    let mut response = ApiError::new(ErrorCode::RequestTimeout, message).into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The read that found no data within the timeout.
#[derive(Debug, thiserror::Error)]
#[error("no request body data within {0:?}")]
pub(crate) struct BodyTimedOut(Duration);

/// A body whose every read must bring a frame within `timeout`: the clock starts when a read
/// begins waiting and stops with the frame, so a handler that pauses between reads is not
/// counted against the client.
struct IdleTimeoutBody {
    inner: Body,
    timeout: Duration,
    idle: Pin<Box<Sleep>>,
    /// The clock runs for the read in progress.
    waiting: bool,
    timed_out: Arc<AtomicBool>,
}

impl IdleTimeoutBody {
    fn new(inner: Body, timeout: Duration, timed_out: Arc<AtomicBool>) -> IdleTimeoutBody {
        IdleTimeoutBody {
            inner,
            timeout,
            idle: Box::pin(tokio::time::sleep(timeout)),
            waiting: false,
            timed_out,
        }
    }
}

impl HttpBody for IdleTimeoutBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.waiting = false;
            return Poll::Ready(frame.map(|frame| frame.map_err(BoxError::from)));
        }
        if !this.waiting {
            this.idle.as_mut().reset(Instant::now() + this.timeout);
            this.waiting = true;
        }
        if this.idle.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        this.timed_out.store(true, Ordering::Release);
        Poll::Ready(Some(Err(Box::new(BodyTimedOut(this.timeout)))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body of `pieces`, each sent `gap` after the previous one.
    fn trickled(pieces: usize, gap: Duration) -> Body {
        let stream = futures_util::stream::unfold(0, move |sent| async move {
            if sent == pieces {
                return None;
            }
            tokio::time::sleep(gap).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b"x")), sent + 1))
        });
        Body::from_stream(stream)
    }

    async fn read(body: Body, timeout: Duration) -> (Result<Bytes, axum::Error>, bool) {
        let flag = Arc::new(AtomicBool::new(false));
        let body = Body::new(IdleTimeoutBody::new(body, timeout, flag.clone()));
        let read = axum::body::to_bytes(body, 1 << 20).await;
        (read, flag.load(Ordering::Acquire))
    }

    #[tokio::test]
    async fn a_steady_body_outlasts_the_timeout_and_a_pause_does_not() {
        let timeout = Duration::from_millis(300);
        // 20 pieces 30 ms apart take about 600 ms, twice the timeout: not cut.
        let (steady, timed_out) = read(trickled(20, Duration::from_millis(30)), timeout).await;
        assert_eq!(steady.ok().map(|b| b.len()), Some(20));
        assert!(!timed_out);
        let (paused, timed_out) = read(trickled(2, Duration::from_millis(900)), timeout).await;
        assert!(paused.is_err());
        assert!(timed_out);
    }

    /// The handler's own pause between two reads does not count against the client.
    #[tokio::test]
    async fn a_reader_that_pauses_is_not_timed_out() {
        let flag = Arc::new(AtomicBool::new(false));
        let inner = trickled(3, Duration::from_millis(10));
        let mut body = IdleTimeoutBody::new(inner, Duration::from_millis(300), flag.clone());
        let mut frames = 0;
        loop {
            let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
            match frame {
                Some(Ok(_)) => frames += 1,
                Some(Err(err)) => panic!("{err}"),
                None => break,
            }
            tokio::time::sleep(Duration::from_millis(700)).await;
        }
        assert_eq!(frames, 3);
        assert!(!flag.load(Ordering::Acquire));
    }
}
