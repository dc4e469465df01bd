//! [`serve`] (and [`serve_metrics`], the metrics listener's): the API's own accept loop, in
//! place of `axum::serve`, for what a server facing the internet needs from the connection
//! itself:
//!
//! - a request's headers must arrive within [`crate::ApiConfig::header_read_timeout`] (hyper's
//!   `header_read_timeout`; also for an idle keep-alive connection), so slow-loris clients that
//!   trickle headers cannot hold connections open;
//! - a request body may pause at most [`crate::ApiConfig::body_read_timeout`] between two
//!   reads, else it is answered 408 and the connection closed ([`body_timeout`], a layer of
//!   the router, so the answer has the API's error body);
//! - each client address holds at most [`crate::ApiConfig::max_connections_per_ip`] connections
//!   ([`connection_limit`]);
//! - a connection closes by lingering ([`lingering_close`]): a client that is still sending a
//!   body the server refused (413) reads the answer instead of a reset.
//!
//! HTTP/1.1 only (hyper's http1 server): the API sits behind a proxy or a load balancer for
//! HTTP/2 and TLS. On shutdown the listener closes, connections finish the request in flight
//! and close (hyper-util's `GracefulShutdown`).

pub(crate) mod body_timeout;
pub(crate) mod connection_limit;
mod lingering_close;

use crate::state::AppState;
use axum::extract::{ConnectInfo, Request};
use connection_limit::{ConnectionLimit, OverConnectionLimit};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use lingering_close::LingeringClose;
use std::future::Future;
use std::time::Duration;
use tower::ServiceExt;
use tracing::{debug, warn};

/// Serves [`crate::router`] on `listener` until `shutdown` resolves, then finishes the requests
/// in flight. Peer addresses reach the handlers (`ConnectInfo`), so the click limit is per
/// client IP.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = crate::router::router(state.clone());
    serve_app(listener, &state, app, shutdown).await
}

/// Serves [`crate::metrics_router`] on `listener` (open, `/metrics` alone) with the same
/// connection rules as [`serve`], until the task is dropped.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
) -> std::io::Result<()> {
    let app = crate::router::metrics_router(state.clone());
    serve_app(listener, &state, app, std::future::pending()).await
}

/// The accept loop of [`serve`] for `app`, under `state`'s connection settings.
async fn serve_app(
    listener: tokio::net::TcpListener,
    state: &AppState,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = state.config();
    let limit = ConnectionLimit::new(config.max_connections_per_ip);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let slot = limit.try_open(peer.ip());
        let over_limit = slot.is_none();
        if over_limit {
            debug!(peer = %peer, "connection over the per-address limit");
        }
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                if over_limit {
                    request.extensions_mut().insert(OverConnectionLimit);
                }
                request
            });
        let connection = http.serve_connection(
            TokioIo::new(LingeringClose::new(stream)),
            TowerToHyperService::new(service),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                debug!(error = %err, peer = %peer, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// An accept error: a connection that failed before it was accepted is the client's; others
/// (out of file descriptors) pass, so the loop waits a moment instead of spinning (as
/// `axum::serve` does).
async fn accept_failed(err: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    warn!(error = %err, "failed to accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests;
