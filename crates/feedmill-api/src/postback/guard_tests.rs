//! What guards the postback endpoint: the per-IP-and-program limit on a manual clock, key
//! rotation by reloading the programs, and a store that cannot write.

use super::test_fixture::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use std::time::Duration;

const URL: &str = "/api/postback/shop-pl";

#[tokio::test]
async fn over_100_a_minute_per_ip_and_program_is_a_429_with_retry_after() {
    let p = postbacks();
    for n in 0..100 {
        let answer = get_pl(&p.state, &format!("{URL}?order_id=R-{n}&amount=1")).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "postback {n}: {}",
            answer.json
        );
    }
    let before = dump(&p.store);
    let limited = get_pl(&p.state, &format!("{URL}?order_id=R-100&amount=1")).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.error_code(), "rate_limited");
    let retry_after = limited
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok());
    assert_eq!(
        retry_after,
        Some("1"),
        "one postback comes back every 0.6 s"
    );
    assert_eq!(dump(&p.store), before, "a limited postback is not stored");

    let uri = format!("/api/postback/shop-se?order_id=R-100&amount=1&api_key={SE_KEY}");
    let other = send(&p.state, Method::GET, &uri, &[], Body::empty()).await;
    assert_eq!(
        other.status,
        StatusCode::OK,
        "another program has its own limit"
    );

    p.clock.advance(Duration::from_secs(1));
    let later = get_pl(&p.state, &format!("{URL}?order_id=R-100&amount=1")).await;
    assert_eq!(later.status, StatusCode::OK);
    assert!(stored(&p.store, "shop-pl", "R-100").is_some());
}

#[tokio::test]
async fn a_rotated_key_stops_working_at_the_reload() {
    let p = postbacks();
    let query = format!("{URL}?order_id=K-1&amount=1");
    let with_key = |key: &'static str| {
        let state = p.state.clone();
        let query = query.clone();
        async move {
            send(
                &state,
                Method::GET,
                &query,
                &[("x-api-key", key)],
                Body::empty(),
            )
            .await
            .status
        }
    };
    assert_eq!(with_key(PL_KEY).await, StatusCode::OK);

    // A rotation window: the new key is current, the old one still honoured.
    p.state.reload_programs(programs(vec![
        program("shop-pl", "PLN", &["sk_live_new", PL_KEY]),
        program("shop-se", "SEK", &[SE_KEY]),
    ]));
    assert_eq!(with_key("sk_live_new").await, StatusCode::OK);
    assert_eq!(with_key(PL_KEY).await, StatusCode::OK);

    // The window closes: the old key is out of the config.
    p.state
        .reload_programs(programs(vec![program("shop-pl", "PLN", &["sk_live_new"])]));
    let before = dump(&p.store);
    assert_eq!(with_key(PL_KEY).await, StatusCode::UNAUTHORIZED);
    assert_eq!(dump(&p.store), before);
    assert_eq!(with_key("sk_live_new").await, StatusCode::OK);
    let uri = format!("/api/postback/shop-se?order_id=K-1&amount=1&api_key={SE_KEY}");
    let removed = send(&p.state, Method::GET, &uri, &[], Body::empty()).await;
    assert_eq!(
        removed.status,
        StatusCode::NOT_FOUND,
        "a program taken out of the config"
    );
    assert_eq!(p.state.postback_programs().len(), 1);
}

/// Another connection holds the database's write lock: the postback cannot be committed, so
/// the merchant gets a `503` and nothing is stored; once the lock is gone it is stored.
#[tokio::test]
async fn a_store_that_cannot_write_answers_503_and_acknowledges_nothing() {
    let p = postbacks();
    let blocker = rusqlite::Connection::open(p.store.path())
        .unwrap_or_else(|err| panic!("second connection: {err}"));
    blocker
        .execute_batch("BEGIN EXCLUSIVE")
        .unwrap_or_else(|err| panic!("lock: {err}"));
    let query = format!("{URL}?order_id=S-1&amount=1");
    let answer = get_pl(&p.state, &query).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.json
    );
    assert_eq!(answer.error_code(), "store_unavailable");
    assert!(answer.headers.get("retry-after").is_some());
    blocker
        .execute_batch("ROLLBACK")
        .unwrap_or_else(|err| panic!("unlock: {err}"));
    assert!(stored(&p.store, "shop-pl", "S-1").is_none());
    assert_eq!(get_pl(&p.state, &query).await.status, StatusCode::OK);
    assert!(stored(&p.store, "shop-pl", "S-1").is_some());
}

/// A server key with the `postback` action posts for any program; one without it, an expired
/// one or a scoped one is refused and stores nothing.
#[tokio::test]
async fn a_server_key_with_the_postback_action_may_post_and_others_may_not() {
    use crate::auth::Action;
    use crate::auth::test_support::{
        ALL_ACTIONS, EXPIRED, SEARCH_ONLY, WRONG, all_but, keyed_settings,
    };
    use feedmill_store::ConversionStore;
    let p = postbacks();
    if let Err(err) = p.state.keys().configure(&keyed_settings()) {
        panic!("keys: {err}");
    }
    let get = |key: String, order: &str| {
        let uri = format!("{URL}?order_id={order}&amount=12.50");
        let state = p.state.clone();
        async move {
            send(
                &state,
                Method::GET,
                &uri,
                &[("x-api-key", &key)],
                Body::empty(),
            )
            .await
        }
    };
    let before = dump(&p.store);
    for (key, status, code) in [
        (
            all_but(Action::Postback),
            StatusCode::FORBIDDEN,
            "action_not_allowed",
        ),
        (
            SEARCH_ONLY.to_owned(),
            StatusCode::FORBIDDEN,
            "action_not_allowed",
        ),
        (
            EXPIRED.to_owned(),
            StatusCode::UNAUTHORIZED,
            "expired_api_key",
        ),
        (WRONG.to_owned(), StatusCode::UNAUTHORIZED, "unauthorized"),
    ] {
        let refused = get(key.clone(), "SK-1").await;
        assert_eq!(
            (refused.status, refused.error_code()),
            (status, code),
            "{key}: {}",
            refused.json
        );
    }
    assert_eq!(dump(&p.store), before, "a refused postback stores nothing");
    let accepted = get(ALL_ACTIONS.to_owned(), "SK-1").await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.json);
    let stored = p.store.conversion("shop-pl", "SK-1");
    assert!(matches!(stored, Ok(Some(_))), "{stored:?}");
}
