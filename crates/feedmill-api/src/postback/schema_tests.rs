//! The postback's query parameter schemas in the OpenAPI document against the server: for
//! every field and sample value, valid by the schema means stored (200), invalid means a 400,
//! but for what the server takes beyond the schema on purpose (ISO-8601's colon-less offset).

use super::test_fixture::{get_pl, postbacks};
use serde_json::{Value, json};
use std::time::Duration;

fn samples() -> Vec<String> {
    let fixed = [
        "",
        "a",
        "0",
        "10",
        "10.5",
        "10.55",
        "10.555",
        "12345678",
        "123456789",
        "-1",
        "1.",
        ".5",
        "1e3",
        "PLN",
        "pln",
        "XYZ",
        "pending",
        "approved",
        "Pending",
        "custom",
        "server_side_required",
        "2022-12-11T11:10:01-07:00",
        "2022-12-11T11:10:01Z",
        "2022-12-11T11:10:01.5+01:00",
        "2019-07-16T14:45:15+0200",
        "2022-12-11",
        "2022-02-30T10:00:00Z",
        "1234567890123456",
        "12345678901234567",
        "-1234567890123456",
        "a b",
    ];
    let mut samples: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    samples.extend(["a".repeat(255), "a".repeat(256), "\u{e9}".repeat(255)]);
    samples
}

/// Values the server takes beyond the schema: a date-time with a colon-less offset.
fn lenient(field: &str, value: &str) -> bool {
    field == "order_time" && value.ends_with("+0200")
}

#[tokio::test]
async fn postback_parameter_schemas_accept_what_the_server_accepts() {
    let p = postbacks();
    let doc: Value = serde_json::from_str(crate::openapi::document_json()).unwrap_or_default();
    let parameters = doc["paths"]["/api/postback/{program_id}"]["get"]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let skipped = ["program_id", "X-Api-Key", "api_key", "order_id"];
    let mut checked = 0;
    for parameter in &parameters {
        let field = parameter["name"].as_str().unwrap_or_default();
        if skipped.contains(&field) {
            continue;
        }
        let schema = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&parameter["schema"])
            .unwrap_or_else(|err| panic!("{field}: {err}"));
        for value in samples() {
            checked += 1;
            if checked % 90 == 0 {
                p.clock.advance(Duration::from_secs(61)); // 100 postbacks a minute per address
            }
            let amount = if field == "amount" {
                "gross_amount"
            } else {
                "amount"
            };
            let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
            let uri =
                format!("/api/postback/shop-pl?order_id=T-{checked}&{amount}=10&{field}={encoded}");
            let answer = get_pl(&p.state, &uri).await;
            let valid = schema.is_valid(&json!(value));
            let stored = answer.status.as_u16() == 200;
            if valid || !lenient(field, &value) {
                assert_eq!(stored, valid, "{uri}: {} {}", answer.status, answer.json);
            }
        }
    }
    assert!(checked > 500, "{checked} values checked");
}
