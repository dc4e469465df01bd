//! The request id every answer carries in `X-Request-Id`, in its JSON error body
//! (`error.request_id`) and in the request's trace span.
//!
//! A caller's own id is echoed when it is usable: 1 to [`MAX_REQUEST_ID_LEN`] characters of
//! `[A-Za-z0-9._:+/=-]`, so an id cannot break a log line or smuggle markup into one. Any other
//! is replaced by a new UUID (tower-http's `SetRequestId` with `MakeRequestUuid`).

use axum::extract::Request;
use axum::http::HeaderName;
use tracing::Span;

/// The header, in both directions.
pub(crate) const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Longest id echoed; a UUID takes 36, a trace id 32 or 55 (W3C `traceparent`).
pub(crate) const MAX_REQUEST_ID_LEN: usize = 128;

/// Whether a caller's id is echoed as it is.
pub(crate) fn is_usable(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"._:+/=-".contains(b))
}

/// Drops every incoming id unless there is exactly one usable one, so that the layer after
/// this one makes a new id for the request.
pub(crate) async fn drop_unusable_request_id(mut request: Request) -> Request {
    let ids = request.headers().get_all(&REQUEST_ID_HEADER);
    let mut values = ids.iter();
    let keep = matches!(
        (values.next(), values.next()),
        (Some(id), None) if is_usable(id.as_bytes())
    );
    if !keep {
        request.headers_mut().remove(&REQUEST_ID_HEADER);
    }
    request
}

/// The request's id, as the layers set it (empty before them, which tests of single handlers
/// may see).
pub(crate) fn request_id_of(request: &Request) -> String {
    request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The trace span of one request: method, path and request id.
pub(crate) fn request_span(request: &Request) -> Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %request.uri().path(),
        request_id = %request_id_of(request),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_only_short_plain_ids() {
        assert!(is_usable(b"9f0c1b6e-3a5d-4c1e-9e1b-2f8a7d6c5b4a"));
        assert!(is_usable(
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        for bad in [&b""[..], b"a b", b"a\"b", b"<script>", "\u{e9}".as_bytes()] {
            assert!(!is_usable(bad), "{bad:?}");
        }
        assert!(!is_usable(&[b'a'; MAX_REQUEST_ID_LEN + 1]));
    }
}
