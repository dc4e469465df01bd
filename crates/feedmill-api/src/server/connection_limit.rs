//! [`ConnectionLimit`]: how many connections each client address holds open at once.
//!
//! Counted by the peer address of the TCP connection (the address of the proxy, behind one:
//! raise the limit or turn it off there). A connection over the limit is still served, but every
//! request on it gets a 429 with `Connection: close`, so the client learns why instead of
//! seeing a reset.

use crate::error::{ApiError, ErrorCode};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Marks the requests of a connection over its address's limit; the router's
/// [`refuse_over_connection_limit`] layer answers them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OverConnectionLimit;

/// Answers every request of a connection over its address's limit (see [`OverConnectionLimit`]) with a
/// 429, and closes the connection after it.
pub(crate) async fn refuse_over_connection_limit(request: Request, next: Next) -> Response {
    if request.extensions().get::<OverConnectionLimit>().is_none() {
        return next.run(request).await;
    }
    let mut error = ApiError::new(
        ErrorCode::RateLimited,
        "too many open connections from this address; close one and retry",
    );
    error.retry_after = Some(1);
    let mut response = error.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Open connections by client address, up to a limit; 0 means no limit.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionLimit {
    max_per_ip: u32,
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// One open connection, counted until it is dropped.
#[derive(Debug)]
pub(crate) struct ConnectionSlot {
    ip: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl ConnectionLimit {
    pub(crate) fn new(max_per_ip: u32) -> ConnectionLimit {
        ConnectionLimit {
            max_per_ip,
            open: Arc::default(),
        }
    }

    /// A slot for one more connection from `ip`, or `None` when it holds the most already.
    pub(crate) fn try_open(&self, ip: IpAddr) -> Option<ConnectionSlot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_insert(0);
        if self.max_per_ip > 0 && *count >= self.max_per_ip {
            return None;
        }
        *count += 1;
        Some(ConnectionSlot {
            ip,
            open: self.open.clone(),
        })
    }

    #[cfg(test)]
    fn num_open(&self, ip: IpAddr) -> u32 {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(&ip).copied().unwrap_or(0)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_address_apart_and_frees_on_drop() {
        let limit = ConnectionLimit::new(2);
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [192, 0, 2, 2].into();
        let first = limit.try_open(a);
        let second = limit.try_open(a);
        assert!(first.is_some() && second.is_some());
        assert!(limit.try_open(a).is_none());
        assert!(
            limit.try_open(b).is_some(),
            "another address has its own count"
        );
        drop(first);
        assert_eq!(limit.num_open(a), 1);
        assert!(limit.try_open(a).is_some());
        let unlimited = ConnectionLimit::new(0);
        let slots: Vec<_> = (0..100).filter_map(|_| unlimited.try_open(a)).collect();
        assert_eq!(slots.len(), 100);
    }
}
