//! Postbacks that are refused: each rule gets its bad value, and the test checks the 4xx, its
//! code and message, and that the store's conversion rows are exactly as before (nothing stored,
//! the existing conversion of the same order unchanged).

use super::test_fixture::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use feedmill_store::PostbackRule;

const URL: &str = "/api/postback/shop-pl";

/// A fixture whose store already holds the conversion of `ORD-1`, which bad updates target.
async fn with_one_conversion() -> Postbacks {
    let p = postbacks();
    let answer = get_pl(&p.state, &format!("{URL}?order_id=ORD-1&amount=10.00")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    p
}

fn assert_refused(answer: &Answer, status: StatusCode, code: &str, words: &[&str]) {
    assert_eq!(answer.status, status, "{}", answer.json);
    assert_eq!(answer.error_code(), code, "{}", answer.json);
    for word in words {
        assert!(
            answer.message().contains(word),
            "{word:?} in {}",
            answer.json
        );
    }
}

#[tokio::test]
async fn every_field_rule_is_a_400_naming_field_and_rule_and_stores_nothing() {
    let p = with_one_conversion().await;
    let before = dump(&p.store);
    let long = "x".repeat(256);
    let cases: Vec<(String, &str, PostbackRule)> = vec![
        ("amount=10".into(), "order_id", PostbackRule::Required),
        (
            "order_id=ORD-2".into(),
            "amount",
            PostbackRule::OneAmountRequired,
        ),
        (
            format!("order_id=ORD-1&amount=1&sub_id={long}"),
            "sub_id",
            PostbackRule::StringTooLong,
        ),
        (
            format!("order_id={long}&amount=1"),
            "order_id",
            PostbackRule::StringTooLong,
        ),
        (
            "order_id=ORD-1&amount=1.999".into(),
            "amount",
            PostbackRule::Decimal,
        ),
        (
            "order_id=ORD-1&amount=123456789.00".into(),
            "amount",
            PostbackRule::Decimal,
        ),
        (
            "order_id=ORD-1&amount=-1.00".into(),
            "amount",
            PostbackRule::Decimal,
        ),
        (
            "order_id=ORD-1&amount=1e3".into(),
            "amount",
            PostbackRule::Decimal,
        ),
        (
            "order_id=ORD-1&amount=1&tax_amount=1,00".into(),
            "tax_amount",
            PostbackRule::Decimal,
        ),
        (
            "order_id=ORD-1&amount=1&order_time=2022-12-11T11:10:01".into(),
            "order_time",
            PostbackRule::DateTime,
        ),
        (
            "order_id=ORD-1&amount=1&order_time=1710122547".into(),
            "order_time",
            PostbackRule::DateTime,
        ),
        (
            "order_id=ORD-1&amount=1&currency=XYZ".into(),
            "currency",
            PostbackRule::Currency,
        ),
        (
            "order_id=ORD-1&amount=1&currency=pln".into(),
            "currency",
            PostbackRule::Currency,
        ),
        (
            "order_id=ORD-1&amount=1&quantity=99999999999999999".into(),
            "quantity",
            PostbackRule::Integer,
        ),
        (
            "order_id=ORD-1&amount=1&quantity=1.5".into(),
            "quantity",
            PostbackRule::Integer,
        ),
        (
            "order_id=ORD-1&amount=1&status=paid".into(),
            "status",
            PostbackRule::Status,
        ),
        (
            "order_id=ORD-1&amount=1&amount=2".into(),
            "amount",
            PostbackRule::GivenTwice,
        ),
        (
            "order_id=ORD-1&amount=1&consent_mode=granted".into(),
            "consent_mode",
            PostbackRule::ConsentMode,
        ),
        (
            format!("order_id=ORD-1&amount=1&integration_mode={long}"),
            "integration_mode",
            PostbackRule::StringTooLong,
        ),
        (
            format!("order_id=ORD-1&amount=1&source={long}"),
            "source",
            PostbackRule::StringTooLong,
        ),
        (
            format!("order_id=ORD-1&amount=1&customer_id={long}"),
            "customer_id",
            PostbackRule::StringTooLong,
        ),
    ];
    for (query, field, rule) in cases {
        let answer = get_pl(&p.state, &format!("{URL}?{query}")).await;
        assert_refused(
            &answer,
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            &[field, rule.describe()],
        );
        assert_eq!(dump(&p.store), before, "{query} changed the store");
    }
}

#[tokio::test]
async fn the_rules_hold_in_every_body_type_too() {
    let p = with_one_conversion().await;
    let before = dump(&p.store);
    let json = r#"{"order_id":"ORD-1","amount":1.999}"#;
    let answer = post_pl(&p.state, URL, "application/json", json).await;
    assert_refused(
        &answer,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        &["amount", "decimal"],
    );
    let form = "order_id=ORD-1&amount=1&currency=EURO";
    let answer = post_pl(&p.state, URL, "application/x-www-form-urlencoded", form).await;
    assert_refused(
        &answer,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        &["currency", "ISO-4217"],
    );
    let (content_type, body) = multipart(&[
        ("order_id", b"ORD-1"),
        ("quantity", b"two"),
        ("amount", b"1"),
    ]);
    let answer = post_pl(&p.state, URL, &content_type, body).await;
    assert_refused(
        &answer,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        &["quantity", "integer"],
    );
    let twice = post_pl(
        &p.state,
        &format!("{URL}?order_id=ORD-1"),
        "application/json",
        r#"{"order_id":"ORD-1","amount":"1"}"#,
    )
    .await;
    assert_refused(
        &twice,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        &["order_id", "more than once"],
    );
    let nested = post_pl(
        &p.state,
        URL,
        "application/json",
        r#"{"order_id":"ORD-1","amount":{"value":1}}"#,
    )
    .await;
    assert_refused(
        &nested,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        &["amount"],
    );
    let other = post_pl(
        &p.state,
        URL,
        "application/json",
        r#"{"program_id":"shop-se","order_id":"ORD-1","amount":"1"}"#,
    )
    .await;
    assert_refused(
        &other,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        &["program_id", "shop-pl"],
    );
    let broken = post_pl(&p.state, URL, "application/json", r#"{"order_id":"ORD-1","#).await;
    assert_refused(&broken, StatusCode::BAD_REQUEST, "malformed_json", &[]);
    assert_eq!(dump(&p.store), before);
}

#[tokio::test]
async fn a_body_or_query_that_is_not_utf8_is_a_400() {
    let p = with_one_conversion().await;
    let before = dump(&p.store);
    let query = get_pl(
        &p.state,
        &format!("{URL}?order_id=ORD-1&amount=1&sub_id=%FF%FE"),
    )
    .await;
    assert_refused(
        &query,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &["query string", "UTF-8"],
    );
    let raw_form = b"order_id=ORD-1&amount=1&sub_id=\xff".to_vec();
    let form = post_pl(&p.state, URL, "application/x-www-form-urlencoded", raw_form).await;
    assert_refused(
        &form,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &["body", "UTF-8"],
    );
    let raw_json = b"{\"order_id\":\"ORD-1\",\"amount\":\"1\",\"sub_id\":\"\xc3\x28\"}".to_vec();
    let json = post_pl(&p.state, URL, "application/json", raw_json).await;
    assert_refused(
        &json,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &["body", "UTF-8"],
    );
    let (content_type, body) = multipart(&[
        ("order_id", b"ORD-1"),
        ("amount", b"1"),
        ("sub_id", b"\xff\xfe"),
    ]);
    let multi = post_pl(&p.state, URL, &content_type, body).await;
    assert_refused(
        &multi,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &["body", "UTF-8"],
    );
    let untyped = b"order_id=ORD-1&amount=1&sub_id=\xff".to_vec();
    let untyped = send(
        &p.state,
        Method::POST,
        URL,
        &[("x-api-key", PL_KEY)],
        untyped,
    )
    .await;
    assert_refused(
        &untyped,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &["UTF-8"],
    );
    assert_eq!(dump(&p.store), before);
}

#[tokio::test]
async fn an_unknown_content_type_is_a_415() {
    let p = with_one_conversion().await;
    let before = dump(&p.store);
    for content_type in [
        "text/plain",
        "application/xml",
        "application/json; charset=iso-8859-1",
    ] {
        let answer = post_pl(&p.state, URL, content_type, "order_id=ORD-1&amount=1").await;
        assert_refused(
            &answer,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            &[],
        );
    }
    let untyped = send(
        &p.state,
        Method::POST,
        URL,
        &[("x-api-key", PL_KEY)],
        "order_id=ORD-1&amount=1",
    )
    .await;
    assert_refused(
        &untyped,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        &["Content-Type"],
    );
    assert_eq!(dump(&p.store), before);
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_a_401() {
    let p = with_one_conversion().await;
    let before = dump(&p.store);
    let query = format!("{URL}?order_id=ORD-1&amount=50");
    let none = send(&p.state, Method::GET, &query, &[], Body::empty()).await;
    assert_refused(
        &none,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        &["X-Api-Key"],
    );
    let empty = send(
        &p.state,
        Method::GET,
        &query,
        &[("x-api-key", "")],
        Body::empty(),
    )
    .await;
    assert_refused(&empty, StatusCode::UNAUTHORIZED, "unauthorized", &[]);
    for key in ["sk_live_abc12", "sk_live_abc1234", SE_KEY] {
        let wrong = send(
            &p.state,
            Method::GET,
            &query,
            &[("x-api-key", key)],
            Body::empty(),
        )
        .await;
        assert_refused(
            &wrong,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            &["not valid"],
        );
        let wrong = send(
            &p.state,
            Method::GET,
            &format!("{query}&api_key={key}"),
            &[],
            Body::empty(),
        )
        .await;
        assert_refused(
            &wrong,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            &["not valid"],
        );
    }
    assert!(!none.json.to_string().contains(PL_KEY));
    assert_eq!(dump(&p.store), before);
}

#[tokio::test]
async fn an_unknown_program_is_a_404() {
    let p = with_one_conversion().await;
    let before = dump(&p.store);
    let answer = get_pl(&p.state, "/api/postback/shop-xx?order_id=ORD-1&amount=1").await;
    assert_refused(
        &answer,
        StatusCode::NOT_FOUND,
        "unknown_program",
        &["shop-xx"],
    );
    assert_eq!(dump(&p.store), before);
}
