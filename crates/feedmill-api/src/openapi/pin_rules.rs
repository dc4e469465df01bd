//! The rules of product matching's pin request that its derived schema cannot say (the
//! operations, `GET /matches` and `PUT`/`DELETE /offers/{id}/product`, are documented on their
//! handlers).

use serde_json::json;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};

/// `PinRequest` as the server reads it, which the derived schema cannot say: either a
/// `product_id` (with `split` absent, `null` or `false`) or `"split": true` (with `product_id`
/// absent or `null`), nothing else.
pub(super) fn pin_request_rules(doc: &mut OpenApi) {
    let product_id = json!({
        "type": "string",
        "pattern": "^p[0-9a-f]{12}$",
        "description": "Keep the offer in this product (p and 12 lowercase hex digits; some offer must have it)"
    });
    let rules = json!({
        "description": "Exactly one of a product_id and \"split\": true",
        "oneOf": [
            {
                "type": "object",
                "required": ["product_id"],
                "properties": {
                    "product_id": product_id,
                    "split": { "type": ["boolean", "null"], "enum": [false, null] }
                },
                "additionalProperties": false
            },
            {
                "type": "object",
                "required": ["split"],
                "properties": {
                    "split": { "type": "boolean", "enum": [true], "description": "Keep the offer alone, whatever the matcher finds" },
                    "product_id": { "type": "null" }
                },
                "additionalProperties": false
            }
        ]
    });
    // A constant: `pin_body_schema_agrees_with_the_server` fails if it stops reading.
    let schema = match serde_json::from_value::<Schema>(rules) {
        Ok(schema) => schema,
        Err(err) => {
            tracing::error!(%err, "the PinRequest schema rules do not read; the derived schema stays");
            return;
        }
    };
    if let Some(components) = doc.components.as_mut() {
        components
            .schemas
            .insert("PinRequest".to_string(), RefOr::T(schema));
    }
}
