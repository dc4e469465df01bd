//! Postbacks that are stored: every way of sending one, the answer's shape, idempotency by
//! (program, order), attribution to the click, and the program's default currency.

use super::test_fixture::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use feedmill_store::{AttributionMethod, Click, ClickId, ClickStore, ConversionStatus};
use rust_decimal::Decimal;
use serde_json::json;

const URL: &str = "/api/postback/shop-pl";

#[tokio::test]
async fn a_get_postback_is_stored_and_answered_linkolino_style() {
    let p = postbacks();
    let answer = get_pl(
        &p.state,
        "/api/postback/shop-pl?order_id=ORD-001&amount=299.99",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(answer.json["success"], true);
    assert_eq!(answer.json["status"], "pending");
    let stored = stored(&p.store, "shop-pl", "ORD-001").unwrap_or_else(|| panic!("not stored"));
    assert_eq!(answer.conversion_id(), stored.conversion_id);
    assert_eq!(stored.sale_amount, Decimal::new(29999, 2));
    assert_eq!(stored.currency, currency("PLN"), "the program's default");
    assert_eq!(stored.status, ConversionStatus::Pending);
    assert_eq!(answer.json.as_object().map(|o| o.len()), Some(3));
}

#[tokio::test]
async fn the_key_may_come_as_the_api_key_parameter() {
    let p = postbacks();
    let uri = format!("/api/postback/shop-se?api_key={SE_KEY}&order_id=A-1&amount=10&currency=EUR");
    let answer = send(&p.state, Method::GET, &uri, &[], Body::empty()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert!(
        answer.json.get("ignored_fields").is_none(),
        "api_key is no field"
    );
    let stored = stored(&p.store, "shop-se", "A-1").unwrap_or_else(|| panic!("not stored"));
    assert_eq!(stored.currency, currency("EUR"));
}

#[tokio::test]
async fn form_json_and_multipart_bodies_are_read() {
    let p = postbacks();
    let form = post_pl(
        &p.state,
        URL,
        "application/x-www-form-urlencoded",
        "order_id=F-1&gross_amount=246.00&sub_id=summer+sale",
    )
    .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.json);
    let json_body = json!({"order_id": "J-1", "amount": 299.99, "visitor_id": "VISITOR_ID",
        "click_id": null, "program_id": "shop-pl", "consent_mode": "merchant_consent_required"});
    let json = post_pl(&p.state, URL, "application/json", json_body.to_string()).await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.json);
    assert!(json.json.get("ignored_fields").is_none(), "{}", json.json);
    let (content_type, body) = multipart(&[("order_id", b"M-1"), ("net_amount", b"200.00")]);
    let multi = post_pl(&p.state, URL, &content_type, body).await;
    assert_eq!(multi.status, StatusCode::OK, "{}", multi.json);

    let form = stored(&p.store, "shop-pl", "F-1").unwrap_or_else(|| panic!("form"));
    assert_eq!(form.gross_amount, Some(Decimal::new(24600, 2)));
    assert_eq!(form.sub_id.as_deref(), Some("summer sale"));
    let json = stored(&p.store, "shop-pl", "J-1").unwrap_or_else(|| panic!("json"));
    assert_eq!(json.amount, Some(Decimal::new(29999, 2)));
    assert_eq!(json.visitor_id.as_deref(), Some("VISITOR_ID"));
    let multi = stored(&p.store, "shop-pl", "M-1").unwrap_or_else(|| panic!("multipart"));
    assert_eq!(multi.net_amount, Some(Decimal::new(20000, 2)));
}

#[tokio::test]
async fn the_integration_context_is_stored_and_undocumented_fields_are_ignored() {
    let p = postbacks();
    let body = r#"{"order_id": "C-1", "gross_amount": "246.00", "visitor_id": "V-1",
        "customer_id": "cust-7", "consent_mode": "server_side_required",
        "integration_mode": "plugin", "source": "woocommerce", "plugin_version": "2.1",
        "line_items": [{"sku": "x"}]}"#;
    let answer = post_pl(&p.state, URL, "application/json", body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(
        answer.json["ignored_fields"],
        json!(["plugin_version", "line_items"])
    );
    let context = |order: &str| {
        let stored = stored(&p.store, "shop-pl", order).unwrap_or_else(|| panic!("{order}"));
        let c = [
            stored.customer_id,
            stored.consent_mode,
            stored.integration_mode,
            stored.source,
        ];
        c.map(Option::unwrap_or_default)
    };
    let posted = ["cust-7", "server_side_required", "plugin", "woocommerce"];
    assert_eq!(context("C-1"), posted);
    // The same order again (a status update without the context) keeps it and its id.
    let again = get_pl(
        &p.state,
        &format!("{URL}?order_id=C-1&gross_amount=246.00&status=approved"),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.json);
    assert_eq!(again.conversion_id(), answer.conversion_id());
    assert_eq!(context("C-1"), posted);
    let changed = get_pl(
        &p.state,
        &format!("{URL}?order_id=C-1&amount=1&consent_mode=custom"),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.json);
    assert_eq!(context("C-1")[1], "custom");
}

#[tokio::test]
async fn a_post_may_carry_its_fields_in_the_query_string() {
    let p = postbacks();
    let uri = format!("{URL}?order_id=Q-1&amount=5.50");
    let answer = send(
        &p.state,
        Method::POST,
        &uri,
        &[("x-api-key", PL_KEY)],
        Body::empty(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert!(stored(&p.store, "shop-pl", "Q-1").is_some());
}

#[tokio::test]
async fn the_same_order_again_updates_the_one_conversion() {
    let p = postbacks();
    let first = get_pl(&p.state, &format!("{URL}?order_id=ORD-7&amount=100.00")).await;
    assert_eq!(first.status, StatusCode::OK);
    let body = json!({"order_id": "ORD-7", "amount": "80.00", "status": "approved"});
    let second = post_pl(&p.state, URL, "application/json", body.to_string()).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.json);
    assert_eq!(second.conversion_id(), first.conversion_id());
    assert_eq!(second.json["status"], "approved");
    let third = get_pl(
        &p.state,
        &format!("{URL}?order_id=ORD-7&amount=80.00&order_status=refunded"),
    )
    .await;
    assert_eq!(third.conversion_id(), first.conversion_id());
    assert_eq!(third.json["status"], "reversed");
    let stored = stored(&p.store, "shop-pl", "ORD-7").unwrap_or_else(|| panic!("not stored"));
    assert_eq!(stored.sale_amount, Decimal::new(8000, 2));
    assert_eq!(stored.status, ConversionStatus::Reversed);
    let rows = dump(&p.store);
    let num_conversions = rows
        .iter()
        .filter(|r| r.starts_with("conversions:"))
        .count();
    assert_eq!(num_conversions, 1, "never a second conversion: {rows:#?}");
    let other = get_pl(&p.state, &format!("{URL}?order_id=ORD-8&amount=1")).await;
    assert_ne!(other.conversion_id(), first.conversion_id());
}

#[tokio::test]
async fn the_same_order_id_in_two_programs_is_two_conversions() {
    let p = postbacks();
    let pl = get_pl(&p.state, &format!("{URL}?order_id=SAME&amount=1")).await;
    let uri = format!("/api/postback/shop-se?order_id=SAME&amount=1&api_key={SE_KEY}");
    let se = send(&p.state, Method::GET, &uri, &[], Body::empty()).await;
    assert_eq!((pl.status, se.status), (StatusCode::OK, StatusCode::OK));
    assert_ne!(pl.conversion_id(), se.conversion_id());
}

fn click(id: &ClickId, sub_id: &str) -> Click {
    Click {
        click_id: id.clone(),
        time: chrono::Utc::now() - chrono::Duration::hours(1),
        offer_id: "ulike:p052".into(),
        source: "ulike".into(),
        network: None,
        merchant: Some("Ulike".into()),
        sub_id: Some(sub_id.into()),
        sub_id_2: None,
        sub_id_3: None,
        sub_id_4: None,
        sub_id_5: None,
        sub_id_6: None,
        referrer: None,
        destination: "https://www.ulike.example/products/p052".into(),
    }
}

#[tokio::test]
async fn a_postback_is_attributed_by_click_id_else_by_sub_id() {
    let p = postbacks();
    let by_id = ClickId::random().unwrap_or_else(|err| panic!("{err}"));
    let by_sub_id = ClickId::random().unwrap_or_else(|err| panic!("{err}"));
    for (id, sub_id) in [(&by_id, "nl-a"), (&by_sub_id, "nl-summer")] {
        p.store
            .record_click(&click(id, sub_id))
            .unwrap_or_else(|err| panic!("click: {err}"));
    }
    let uri = format!("{URL}?order_id=C-1&amount=10&click_id={by_id}");
    assert_eq!(get_pl(&p.state, &uri).await.status, StatusCode::OK);
    let uri = format!("{URL}?order_id=C-2&amount=10&sub_id=nl-summer");
    assert_eq!(get_pl(&p.state, &uri).await.status, StatusCode::OK);
    let uri = format!("{URL}?order_id=C-3&amount=10&sub_id=nobody");
    assert_eq!(get_pl(&p.state, &uri).await.status, StatusCode::OK);

    let one = stored(&p.store, "shop-pl", "C-1").map(|c| c.attribution);
    assert_eq!(one.as_ref().and_then(|a| a.click_id.clone()), Some(by_id));
    assert_eq!(one.and_then(|a| a.method), Some(AttributionMethod::ClickId));
    let two = stored(&p.store, "shop-pl", "C-2").map(|c| c.attribution);
    assert_eq!(
        two.as_ref().and_then(|a| a.click_id.clone()),
        Some(by_sub_id)
    );
    assert_eq!(
        two.and_then(|a| a.method),
        Some(AttributionMethod::SubIdWindow)
    );
    let three = stored(&p.store, "shop-pl", "C-3").map(|c| c.attribution.is_attributed());
    assert_eq!(three, Some(false), "kept, unattributed");
}

#[tokio::test]
async fn a_program_with_a_commission_rate_stores_each_sales_commission() {
    let p = postbacks();
    let eight_and_a_half =
        program("shop-pl", "PLN", &[PL_KEY]).with_commission_percent(Some(Decimal::new(85, 1)));
    p.state.reload_programs(programs(vec![
        eight_and_a_half,
        program("shop-se", "SEK", &[SE_KEY]),
    ]));
    let sale = get_pl(&p.state, "/api/postback/shop-pl?order_id=C-1&amount=299.99").await;
    assert_eq!(sale.status, StatusCode::OK, "{}", sale.json);
    let stored_sale = stored(&p.store, "shop-pl", "C-1").unwrap_or_else(|| panic!("not stored"));
    // 299.99 × 8.5 % = 25.499150, to the cent half away from zero.
    assert_eq!(stored_sale.commission_amount, Some(Decimal::new(2550, 2)));

    let corrected = get_pl(&p.state, "/api/postback/shop-pl?order_id=C-1&amount=100.00").await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.json);
    let stored_sale = stored(&p.store, "shop-pl", "C-1").unwrap_or_else(|| panic!("not stored"));
    assert_eq!(
        stored_sale.commission_amount,
        Some(Decimal::new(850, 2)),
        "an update recomputes the commission on the new amount"
    );

    let uri = format!("/api/postback/shop-se?api_key={SE_KEY}&order_id=S-1&amount=10");
    let no_rate = send(&p.state, Method::GET, &uri, &[], Body::empty()).await;
    assert_eq!(no_rate.status, StatusCode::OK, "{}", no_rate.json);
    let stored_se = stored(&p.store, "shop-se", "S-1").unwrap_or_else(|| panic!("not stored"));
    assert_eq!(
        stored_se.commission_amount, None,
        "no rate, no invented commission"
    );

    let report = get_pl(&p.state, "/earnings?group_by=day").await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.json);
    let pending: Vec<&str> = report.json["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|row| row["currency"] == "PLN")
        .filter_map(|row| row["commission"]["pending"].as_str())
        .collect();
    assert_eq!(
        pending,
        ["8.50"],
        "the report counts the postback's commission"
    );
}
