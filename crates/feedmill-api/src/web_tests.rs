//! The page and its assets through the whole router (no socket): HTML with its assets and the
//! security headers, the configured key escaped into it, assets with their types and caching.

use super::*;
use crate::config::{ApiConfig, PageApiKey};
use crate::router::router;
use crate::testing::{fixture_config, fixture_offers, fixture_store, index_with};
use axum::body::Body;
use axum::http::Request;
use std::sync::Arc;
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

fn state_with(dir: &std::path::Path, key: Option<&str>) -> AppState {
    let mut config: ApiConfig = fixture_config(&dir.join("clicks.ndjson"));
    config.page_api_key = key.map(PageApiKey::new);
    let index = Arc::new(index_with(&fixture_offers()));
    AppState::new(index, config, fixture_store(dir)).unwrap_or_else(|err| panic!("state: {err}"))
}

async fn get(state: &AppState, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::builder().uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Body::empty())
        .unwrap_or_else(|err| panic!("{uri}: {err}"));
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
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The `/assets/...` links of the page's HTML.
fn asset_links(html: &str) -> Vec<String> {
    html.split('"')
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_root_serves_the_page_with_its_assets_and_a_content_security_policy() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let state = state_with(dir.path(), None);
    let page = get(&state, "/", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.header(header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(
        page.header(header::CONTENT_SECURITY_POLICY),
        CONTENT_SECURITY_POLICY
    );
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    assert_eq!(page.header(header::CACHE_CONTROL), "no-cache");
    assert!(page.body.contains(r#"<input id="q""#), "{}", page.body);
    assert!(
        page.body.contains(r#"content="""#),
        "no key: empty key meta"
    );
    assert!(
        !page.body.contains("{{"),
        "unfilled template: {}",
        page.body
    );
    assert!(
        !page.body.contains("<script>"),
        "the CSP forbids inline scripts"
    );

    let links = asset_links(&page.body);
    let version = format!("?v={ASSET_VERSION:016x}");
    assert_eq!(links.len(), ASSETS.len(), "{links:?}");
    for link in &links {
        assert!(link.ends_with(&version), "{link} has no fingerprint");
        let asset = get(&state, link, &[]).await;
        assert_eq!(asset.status, StatusCode::OK, "{link}");
        assert!(!asset.body.is_empty(), "{link}");
        let expected_type = if link.contains(".css") {
            "text/css; charset=utf-8"
        } else if link.contains(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "image/svg+xml"
        };
        assert_eq!(asset.header(header::CONTENT_TYPE), expected_type, "{link}");
        assert_eq!(asset.header(header::CACHE_CONTROL), ASSET_CACHE_CONTROL);
        assert_eq!(
            asset.header(header::CONTENT_SECURITY_POLICY),
            CONTENT_SECURITY_POLICY
        );
        assert_eq!(asset.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    }
}

#[tokio::test]
async fn the_page_carries_the_configured_key_for_its_requests() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let state = state_with(dir.path(), Some(r#"search"<b>"#));
    let page = get(&state, "/", &[]).await;
    assert!(
        page.body
            .contains(r#"name="feedmill-api-key" content="search&quot;&lt;b&gt;""#),
        "{}",
        page.body
    );
    let script = get(&state, "/assets/api.js", &[]).await;
    assert!(script.body.contains("X-Api-Key"));
}

#[tokio::test]
async fn an_unchanged_asset_is_not_sent_again_and_an_unknown_one_is_a_json_404() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let state = state_with(dir.path(), None);
    let first = get(&state, "/assets/app.js", &[]).await;
    let etag = first.header(header::ETAG).to_string();
    assert!(etag.starts_with('"'), "{etag}");
    let again = get(&state, "/assets/app.js", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    let missing = get(&state, "/assets/secret.txt", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains(r#""code":"not_found""#),
        "{}",
        missing.body
    );
    let elsewhere = get(&state, "/no/such/page", &[]).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert!(
        elsewhere.body.contains("no such endpoint"),
        "{}",
        elsewhere.body
    );
}
