//! `GET /r/{code}`: the click-out (Linkolino's `/r/:code`). It finds the offer, records the
//! click in the store under a fresh click id and answers `302` to the offer's deep link with
//! the click's sub-ids and the click id, in the network's click-id slot
//! (`LinkNetwork::click_id_slot`: Adtraction `epi`, `clickref6`, `uid5`, TradeTracker `r`, a
//! template's `{click_id}`). The id is made here, per click-out, never in a search answer, so a cached
//! answer cannot hand one shopper's id to another. The stored click keeps the caller's six
//! sub-ids as sent, also the one whose slot the click id takes in the link.
//!
//! The offer is looked up on the async worker when the backend's point reads are local (the
//! embedded index: microseconds), else on the blocking pool.
//!
//! The click is durable before the redirect: the handler hands the click to the store
//! (`ClickStore::submit_click`) and awaits its acknowledgement, which comes once the click is
//! on disk (SQLite: synced to its click journal; Postgres: committed); a store that cannot
//! take it at once (its queue full) records it on tokio's blocking pool, off the async
//! workers, and returns after the commit. A click the store cannot record is a
//! `503` (`store_unavailable`), never a redirect without a stored click. Only codes of indexed
//! offers redirect, and only to that offer's own links: the code is an offer id, never a URL,
//! so this is no open redirect. Clicks are limited per client IP.

use crate::error::{ApiError, ErrorCode};
use crate::params::click_sub_ids;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use feedmill_store::{Click, ClickAck, ClickId, StoreError, StoreResult};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tracing::error;
use url::Url;

/// Longest offer id (`OfferId` keeps ids within 64 bytes); longer codes are not looked up.
const MAX_CODE_LEN: usize = 256;
/// Longest referrer kept with a click.
const MAX_REFERRER_LEN: usize = 512;
/// The `Retry-After` of a click-out the store could not record.
const STORE_RETRY_AFTER_SECS: u64 = 1;

#[utoipa::path(
    get,
    path = crate::route_paths::CLICK_OUT,
    summary = "Click-out: stores the click under a new click id and redirects to the deep link carrying it",
    description = "",
    params(crate::openapi::handler_params::ClickCodePath, crate::openapi::handler_params::ClickQuery),
    responses(
        (status = 302, description = "Redirect to the offer's deep link"),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::NotFound,
        (status = 429, description = "Too many clicks from this address; see Retry-After", body = crate::error::ErrorBody),
        (status = 503, description = "The click could not be stored; nothing was redirected; see Retry-After", body = crate::error::ErrorBody),
    )
)]
pub(crate) async fn click_out(
    State(state): State<AppState>,
    Path(code): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let ip = client_ip(&state, &request);
    if let Err(retry_after) = state.limiter().check(ip) {
        state.metrics().click_limited();
        let mut err = ApiError::new(
            ErrorCode::RateLimited,
            "too many clicks from this address; try again later",
        );
        err.retry_after = Some(retry_after);
        return Err(err);
    }
    let ids = click_sub_ids(request.uri().query())?;
    let not_found = || ApiError::new(ErrorCode::OfferNotFound, "no offer with this code");
    if code.is_empty() || code.len() > MAX_CODE_LEN {
        return Err(not_found());
    }
    let click_id = ClickId::random().map_err(|err| {
        error!(error = %err, "no click id");
        store_unavailable()
    })?;
    let lookup_ids = ids.clone();
    let link_click_id = click_id.clone();
    let (offer, destination) = state
        .point_read(move |state| {
            let offer = state.index().get_offer(&code)?.ok_or_else(not_found)?;
            let links = state.config().links(&offer.source);
            let destination = links
                .click_out_destination(&offer, &lookup_ids, Some(link_click_id.as_str()))
                .ok_or_else(not_found)?;
            Ok((offer, destination))
        })
        .await?;
    let location = HeaderValue::from_str(&destination)
        .map_err(|err| ApiError::internal("click destination", err))?;
    let slot = |n: usize| ids.get(n).map(str::to_string);
    let click = Click {
        click_id,
        time: Utc::now(),
        // Earnings by merchant group clicks by this: the merchant's name, else its id.
        merchant: offer.merchant_name.or(offer.merchant_id),
        network: Some(offer.network),
        offer_id: offer.id,
        source: offer.source,
        sub_id: slot(0),
        sub_id_2: slot(1),
        sub_id_3: slot(2),
        sub_id_4: slot(3),
        sub_id_5: slot(4),
        sub_id_6: slot(5),
        referrer: referrer(request.headers()),
        destination,
    };
    record_click(&state, click).await?;
    let headers = [
        (header::LOCATION, location),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (
            header::HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static("noindex, nofollow"),
        ),
    ];
    Ok((StatusCode::FOUND, headers).into_response())
}

/// Stores `click`, returning once it is durable; a failure is a `503`, counted and logged.
async fn record_click(state: &AppState, click: Click) -> Result<(), ApiError> {
    let store = state.store().clone();
    let offer_id = click.offer_id.clone();
    let (sender, acked) = tokio::sync::oneshot::channel();
    let ack: ClickAck = Box::new(move |outcome| {
        // The handler may be gone (the client hung up); nothing to tell it then.
        let _ = sender.send(outcome);
    });
    let written = match store.submit_click(click, ack) {
        Ok(()) => ack_outcome(acked.await),
        Err(not_taken) => {
            let click = not_taken.click;
            match tokio::task::spawn_blocking(move || store.record_click(&click)).await {
                Ok(outcome) => outcome.map_err(|err| err.to_string()),
                Err(err) => Err(err.to_string()),
            }
        }
    };
    let failure = match written {
        Ok(()) => {
            state.metrics().click_recorded();
            return Ok(());
        }
        Err(failure) => failure,
    };
    state.metrics().click_log_failed();
    error!(error = %failure, offer = %offer_id, "failed to record click");
    Err(store_unavailable())
}

/// A submitted click's outcome; a dropped acknowledgement (the writer gone) is a failure.
fn ack_outcome(
    received: Result<StoreResult<()>, tokio::sync::oneshot::error::RecvError>,
) -> Result<(), String> {
    match received {
        Ok(outcome) => outcome.map_err(|err| err.to_string()),
        Err(_) => Err(StoreError::WriterStopped.to_string()),
    }
}

fn store_unavailable() -> ApiError {
    let mut err = ApiError::new(
        ErrorCode::StoreUnavailable,
        "the click could not be recorded; try again shortly",
    );
    err.retry_after = Some(STORE_RETRY_AFTER_SECS);
    err
}

/// The client's address: the last `X-Forwarded-For` entry (the one our proxy added) when so
/// configured, else the peer address, else `0.0.0.0` (a router served without connect info).
pub(crate) fn client_ip(state: &AppState, request: &Request) -> IpAddr {
    if state.config().trust_forwarded_for {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
            .next_back();
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// The `Referer` without its query string and fragment (they can hold personal data).
fn referrer(headers: &HeaderMap) -> Option<String> {
    let text = headers.get(header::REFERER)?.to_str().ok()?;
    let mut url = Url::parse(text).ok()?;
    url.set_query(None);
    url.set_fragment(None);
    let mut text = url.to_string();
    if text.len() > MAX_REFERRER_LEN {
        let mut end = MAX_REFERRER_LEN;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrers_lose_query_and_fragment() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::REFERER,
            HeaderValue::from_static("https://blog.example/p?email=a@b.se#x"),
        );
        assert_eq!(
            referrer(&headers).as_deref(),
            Some("https://blog.example/p")
        );
        headers.insert(header::REFERER, HeaderValue::from_static("not a url"));
        assert_eq!(referrer(&headers), None);
    }
}
