use super::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn doc_json() -> Value {
    serde_json::from_str(document_json()).unwrap_or(Value::Null)
}

fn properties(doc: &Value, schema: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn documents_every_route_and_search_parameter() {
    let doc = doc_json();
    for route in crate::route_paths::ALL {
        assert!(doc["paths"][route].is_object(), "{route} is not documented");
    }
    let params: Vec<&str> = doc["paths"]["/search"]["get"]["parameters"]
        .as_array()
        .map(|p| p.iter().filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    for name in [
        "q",
        "brand",
        "category",
        "merchant",
        "network",
        "source",
        "min_price",
        "max_price",
        "currency",
        "in_stock",
        "gtin",
        "sort",
        "page",
        "per_page",
        "facets",
        "group_by",
        "subid",
        "dropped_within",
        "at_lowest",
    ] {
        assert!(params.contains(&name), "{name}");
    }
}

#[test]
fn documents_the_click_outs_six_sub_ids_and_its_store_failure() {
    let doc = doc_json();
    let click_out = &doc["paths"]["/r/{code}"]["get"];
    let params: Vec<&str> = click_out["parameters"]
        .as_array()
        .map(|p| p.iter().filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    for name in [
        "sub_id", "sub_id_2", "sub_id_3", "sub_id_4", "sub_id_5", "sub_id_6",
    ] {
        assert!(params.contains(&name), "{name}");
    }
    for status in ["302", "429", "503"] {
        assert!(click_out["responses"][status].is_object(), "{status}");
    }
}

#[test]
fn documents_the_postback_route_its_fields_and_errors() {
    let doc = doc_json();
    let route = &doc["paths"]["/api/postback/{program_id}"];
    for method in ["get", "post"] {
        let operation = &route[method];
        for status in ["200", "400", "401", "404", "415", "429", "503"] {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {status}"
            );
        }
        let params: Vec<&str> = operation["parameters"]
            .as_array()
            .map(|p| p.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        for name in [
            "program_id",
            "X-Api-Key",
            "api_key",
            "order_id",
            "amount",
            "click_id",
            "customer_id",
            "consent_mode",
            "integration_mode",
            "source",
        ] {
            assert!(params.contains(&name), "{method} {name}");
        }
    }
    let consent = route["get"]["parameters"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "consent_mode"))
        .map(|p| p["schema"]["enum"].clone());
    assert_eq!(
        consent,
        Some(serde_json::json!([
            "",
            "merchant_consent_required",
            "server_side_required",
            "custom"
        ]))
    );
    let body = &route["post"]["requestBody"]["content"];
    for content_type in [
        "application/x-www-form-urlencoded",
        "application/json",
        "multipart/form-data",
    ] {
        assert!(body[content_type].is_object(), "{content_type}");
    }
    let json_body = &body["application/json"]["schema"];
    assert_eq!(json_body["additionalProperties"], true, "{json_body}");
    for text in [
        json_body["description"].to_string(),
        route["post"]["description"].to_string(),
    ] {
        assert!(
            text.contains("ignored_fields") && text.contains("exception"),
            "{text}"
        );
    }
    assert_eq!(
        properties(&doc, "PostbackResponse"),
        ["conversion_id", "ignored_fields", "status", "success"]
            .map(String::from)
            .into()
    );
}

#[test]
fn offer_schema_names_every_field_the_api_writes() {
    let doc = doc_json();
    let documented = properties(&doc, "Offer");
    let written = crate::testing::full_offer_json_keys();
    assert_eq!(documented, written);
    assert_eq!(
        properties(&doc, "GtinGroup"),
        crate::testing::group_json_keys()
    );
}

#[test]
#[ignore = "prints the document: cargo test -p feedmill-api print_document -- --ignored"]
fn print_document() {
    println!("{}", document().to_pretty_json().unwrap_or_default());
}

/// Asserts that `json` validates against the component schema `name`, formats included.
fn valid(doc: &Value, name: &str, json: &Value) {
    let schema = serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
    let validator = super::contract_tests::validator_with(doc, &schema, true);
    let errors: Vec<String> = validator.iter_errors(json).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\n{json}");
}

/// The store's reports, as the earnings routes write them, validate against their derived
/// schemas and name every property.
#[test]
fn earnings_schemas_name_every_field_the_reports_write() {
    let doc = doc_json();
    let row = feedmill_store::EarningsRow {
        key: Some("Acme".into()),
        currency: None,
        num_clicks: 1,
        num_conversions: 0,
        sale_amount: feedmill_model::Decimal::ZERO,
        commission: feedmill_store::CommissionByStatus::default(),
        conversion_rate: None,
        epc: None,
    };
    let commission = serde_json::to_value(&row.commission).unwrap_or_default();
    let report = feedmill_store::EarningsReport {
        from: chrono::DateTime::UNIX_EPOCH,
        to: chrono::DateTime::UNIX_EPOCH,
        group_by: feedmill_store::GroupBy::Merchant,
        rows: vec![row.clone()],
    };
    let keys = |value: &Value| -> BTreeSet<String> {
        value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let json = serde_json::to_value(&report).unwrap_or_default();
    valid(&doc, "EarningsReport", &json);
    let sales = feedmill_store::UnattributedReport {
        from: chrono::DateTime::UNIX_EPOCH,
        to: chrono::DateTime::UNIX_EPOCH,
        num_sales: 2,
        sales: vec![
            feedmill_store::UnattributedSale::Conversion {
                conversion_id: "c1".into(),
                program_id: "p1".into(),
                order_id: "o1".into(),
            },
            feedmill_store::UnattributedSale::Transaction {
                network: feedmill_model::Network::Awin,
                transaction_id: "t1".into(),
            },
        ],
    };
    valid(
        &doc,
        "UnattributedSales",
        &serde_json::to_value(&sales).unwrap_or_default(),
    );
    assert_eq!(properties(&doc, "EarningsReport"), keys(&json));
    assert_eq!(properties(&doc, "EarningsRow"), keys(&json["rows"][0]));
    assert_eq!(properties(&doc, "CommissionByStatus"), keys(&commission));
    for path in ["/earnings", "/earnings/unattributed"] {
        assert!(
            doc["paths"][path]["get"]["responses"]["503"].is_object(),
            "{path}"
        );
    }
    let params: Vec<&str> = doc["paths"]["/earnings"]["get"]["parameters"]
        .as_array()
        .map(|p| p.iter().filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(params, ["from", "to", "group_by"]);
}

#[test]
fn documents_the_history_and_alert_routes_with_their_statuses() {
    let doc = doc_json();
    for route in ["/offers/{id}/history", "/products/{gtin}/history"] {
        let params = doc["paths"][route]["get"]["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(params.iter().any(|p| p["name"] == "days"), "{route}");
    }
    assert!(doc["paths"]["/alerts"]["post"]["responses"]["201"].is_object());
    assert!(doc["paths"]["/alerts/{id}"]["get"]["responses"]["200"].is_object());
    assert!(doc["paths"]["/alerts/{id}"]["delete"]["responses"]["204"].is_object());
    let created = doc["components"]["schemas"]["AlertCreated"].to_string();
    assert!(
        created.contains("\"secret\"") && created.contains("AlertView"),
        "{created}"
    );
    assert!(!properties(&doc, "AlertView").contains("secret"));
    assert!(properties(&doc, "HistoryPoint").contains("sale_price"));
}

#[test]
fn refresh_reports_have_the_schema_of_the_type_written() {
    let doc = doc_json();
    let schemas = &doc["components"]["schemas"];
    for (schema, property) in [("SourceView", "last_report"), ("JobView", "report")] {
        let text = schemas[schema]["properties"][property].to_string();
        assert!(
            text.contains("RefreshReportView"),
            "{schema}.{property}: {text}"
        );
    }
    let report = crate::auth::test_support::sample_report("acme");
    let json = serde_json::to_value(&report).unwrap_or_default();
    let keys = |value: &Value| -> BTreeSet<String> {
        value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(properties(&doc, "RefreshReportView"), keys(&json));
    assert_eq!(
        properties(&doc, "RefreshDetailsView"),
        keys(&json["details"])
    );
    assert_eq!(
        properties(&doc, "GuardDecisionView"),
        keys(&json["details"]["guard"])
    );
    assert_eq!(properties(&doc, "DurationView"), keys(&json["duration"]));
}

/// Whether `schema` (a `$ref`, an object, or a composition of them) refuses properties it
/// does not name.
fn refuses_unknown_fields(doc: &Value, schema: &Value) -> bool {
    if let Some(name) = schema["$ref"].as_str() {
        let name = name.trim_start_matches("#/components/schemas/");
        return refuses_unknown_fields(doc, &doc["components"]["schemas"][name]);
    }
    if schema["additionalProperties"] == false {
        return true;
    }
    let all_of = schema["allOf"].as_array().into_iter().flatten();
    if all_of.clone().any(|part| refuses_unknown_fields(doc, part)) {
        return true;
    }
    let branches = schema["oneOf"].as_array().cloned().unwrap_or_default();
    !branches.is_empty() && branches.iter().all(|b| refuses_unknown_fields(doc, b))
}

#[test]
fn every_json_body_but_the_postback_refuses_unknown_fields() {
    let doc = doc_json();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let mut bodies = 0;
    for (path, item) in &paths {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            if schema.is_null() {
                continue;
            }
            bodies += 1;
            let refuses = refuses_unknown_fields(&doc, schema);
            let postback = path == "/api/postback/{program_id}";
            assert_eq!(refuses, !postback, "{method} {path}: {schema}");
        }
    }
    assert!(bodies >= 7, "{bodies} JSON bodies");
}

/// Every `$ref` under `value`.
fn refs_in(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.insert(target.clone());
            }
            map.values().for_each(|v| refs_in(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(v, found)),
        _ => {}
    }
}

/// The components are listed by hand (`ApiDoc`, `add_answer_schemas`): every schema an
/// operation or another schema refers to must be among them.
#[test]
fn every_reference_names_a_component() {
    let doc = doc_json();
    let mut found = BTreeSet::new();
    refs_in(&doc, &mut found);
    assert!(found.len() > 40, "{} references", found.len());
    for target in found {
        let name = target.trim_start_matches("#/components/schemas/");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{target} is not a component"
        );
    }
}
