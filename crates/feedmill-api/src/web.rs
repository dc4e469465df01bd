//! The comparison page at `/`: a small HTML page, its stylesheet and scripts, compiled into the
//! binary (`crates/feedmill-api/web/`), so a shopper's browser needs nothing but this server.
//!
//! The page reads the public API only (`/search`, `/suggest`, `/products/{gtin}`, its history,
//! and `/r/...` for the click-out). When the operator configures a key for it
//! ([`ApiConfig::page_api_key`](crate::ApiConfig::page_api_key)), the key is written into the
//! HTML as a `<meta>` value and sent by the scripts as `X-Api-Key`; it is public by design (a
//! search-only key), but it is never logged.
//!
//! Every answer carries a Content-Security-Policy that allows scripts, styles and requests to
//! this origin only (product images may come from the merchants' hosts): no inline script, no
//! third party. Assets are referenced with a fingerprint of their contents (`?v=`), so they
//! can be cached for a year and still change with the binary; the page itself is revalidated.

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Scripts, styles and requests from this origin only; images also from the merchants' hosts
/// (feeds link product images on their own CDNs, over http or https).
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' https: http: data:; connect-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Merchants' image hosts learn nothing of the page; the click-out (same origin) sees it.
const REFERRER_POLICY: &str = "same-origin";

/// The page is small and carries the configured key: browsers revalidate it every time.
const PAGE_CACHE_CONTROL: &str = "no-cache";
/// Assets are fingerprinted in the page's links, so a year is safe.
const ASSET_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

const PAGE_TEMPLATE: &str = include_str!("../web/index.html");

/// One embedded file under `/assets/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../web/app.css"),
    },
    Asset {
        name: "api.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/api.js"),
    },
    Asset {
        name: "dom.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/dom.js"),
    },
    Asset {
        name: "chart.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/chart.js"),
    },
    Asset {
        name: "suggest.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/suggest.js"),
    },
    Asset {
        name: "product.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/product.js"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/app.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../web/favicon.svg"),
    },
];

/// A fingerprint of every asset (64-bit FNV-1a over their bytes), computed at compile time.
const ASSET_VERSION: u64 = assets_fingerprint();

const fn assets_fingerprint() -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = FNV_OFFSET;
    let mut a = 0;
    while a < ASSETS.len() {
        let body = ASSETS[a].body;
        let mut i = 0;
        while i < body.len() {
            hash ^= body[i] as u64;
            hash = hash.wrapping_mul(FNV_PRIME);
            i += 1;
        }
        a += 1;
    }
    hash
}

/// `GET /`: the page, with the asset fingerprint and the page's key filled in.
#[utoipa::path(
    get,
    path = crate::route_paths::PAGE,
    summary = "The comparison page (HTML)",
    description = "",
    responses(
        (status = 200, description = "The file (text/html)"),
    )
)]
pub(crate) async fn page(State(state): State<AppState>) -> Response {
    let key = state
        .config()
        .page_api_key
        .as_ref()
        .map_or("", |key| key.as_str());
    let html = render_page(key);
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    let headers = response.headers_mut();
    set_security_headers(headers);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PAGE_CACHE_CONTROL),
    );
    response
}

/// The page's HTML for `api_key` (empty: no key is sent).
fn render_page(api_key: &str) -> String {
    PAGE_TEMPLATE
        .replace("{{version}}", &format!("{ASSET_VERSION:016x}"))
        .replace(
            "{{api_key}}",
            &html_escape::encode_double_quoted_attribute(api_key),
        )
}

/// `GET /assets/{file}`: an embedded file, or a JSON 404 naming it.
#[utoipa::path(
    get,
    path = crate::route_paths::PAGE_ASSET,
    summary = "A file of the comparison page: app.css, api.js, dom.js, chart.js, suggest.js, product.js, app.js, favicon.svg",
    description = "",
    params(crate::openapi::handler_params::AssetPath),
    responses(
        (status = 200, description = "The file (text/css, text/javascript or image/svg+xml)"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such file", body = crate::error::ErrorBody),
    )
)]
pub(crate) async fn asset(Path(file): Path<String>, request_headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == file) else {
        return ApiError::new(ErrorCode::NotFound, format!("no asset named {file:?}"))
            .into_response();
    };
    let etag = format!("\"{ASSET_VERSION:016x}\"");
    let fresh = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    let headers = response.headers_mut();
    set_security_headers(headers);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(ASSET_CACHE_CONTROL),
    );
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

fn set_security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(REFERRER_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

#[cfg(test)]
#[path = "web_tests.rs"]
mod tests;
