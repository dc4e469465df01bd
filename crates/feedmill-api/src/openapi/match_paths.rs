//! The OpenAPI paths of product matching's operator endpoints: `GET /matches` (one of two
//! lists, by `status`) and `PUT`/`DELETE /offers/{id}/product` (pins).

use super::key_paths::answering;
use super::{error_response, ok, op};
use crate::match_params::MATCHES_PARAMS;
use serde_json::json;
use utoipa::openapi::schema::{OneOfBuilder, Schema};
use utoipa::openapi::{Content, HttpMethod, OpenApi, PathItem, Ref, RefOr, ResponseBuilder};

pub(super) fn paths() -> [(&'static str, PathItem); 2] {
    [
        ("/matches", PathItem::new(HttpMethod::Get, matches())),
        ("/offers/{id}/product", pin_item()),
    ]
}

fn matches() -> utoipa::openapi::path::Operation {
    let lists = OneOfBuilder::new()
        .item(Ref::from_schema_name("ReviewList"))
        .item(Ref::from_schema_name("PinList"));
    let answer = ResponseBuilder::new()
        .description("The review list (status=review) or the pins (status=pinned), a page of it")
        .content("application/json", Content::new(Some(lists)))
        .build();
    op(
        "Product matching: the pairs waiting for an operator (scored between the match and the auto-group threshold), or the operators' pins",
        MATCHES_PARAMS,
        &[],
        None,
        answer,
    )
}

fn pin_item() -> PathItem {
    let id = [("id", "Offer id", None)];
    let pin = op(
        "Pin an offer to a product ({\"product_id\": ...}) or split it off ({\"split\": true}); the pin takes effect at the next ingest of the offer's source, which runs even when its feed is unchanged",
        &[],
        &id,
        Some("PinRequest"),
        ok("PinView", "The pin"),
    );
    let mut item = PathItem::new(HttpMethod::Put, pin);
    let removed = ResponseBuilder::new().description("Removed").build();
    let mut unpin = answering(
        op(
            "Remove an offer's pin: from the source's next ingest the matcher decides its product again",
            &[],
            &id,
            None,
            removed.clone(),
        ),
        "204",
        removed,
    );
    unpin
        .responses
        .responses
        .insert("404".into(), error_response("The offer has no pin").into());
    item.delete = Some(unpin);
    item
}

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
