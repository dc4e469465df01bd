//! What the derived schemas cannot say, added to the document after it is built:
//!
//! - every answer's `X-Request-Id` header, and the 429 any route gives a client over its
//!   connection limit, on every operation (also on routes added later);
//! - the link request's rules across fields: `advertiserId` or a non-blank `source`, and
//!   `shorten` only `false`.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, Schema};
use utoipa::openapi::{ObjectBuilder, OpenApi, Ref, RefOr, Type};

/// The header every answer carries (`crate::request_id`).
pub(super) const REQUEST_ID_HEADER: &str = "X-Request-Id";

pub(super) fn refine(doc: &mut OpenApi) {
    common_answers(doc);
    link_request_rules(doc);
}

fn common_answers(doc: &mut OpenApi) {
    let request_id = HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(
            "The request's id: the caller's own when usable, else a new UUID",
        ))
        .build();
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            responses.entry("429".to_string()).or_insert_with(|| {
                super::error_response(
                    "Too many open connections from this address; see Retry-After",
                )
                .into()
            });
            for response in responses.values_mut() {
                if let RefOr::T(response) = response {
                    response
                        .headers
                        .insert(REQUEST_ID_HEADER.to_string(), request_id.clone().into());
                }
            }
        }
    }
}

fn link_request_rules(doc: &mut OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let Some(derived) = components.schemas.remove("LinkRequest") else {
        return;
    };
    let by_advertiser = ObjectBuilder::new()
        .required("advertiserId")
        .property("advertiserId", Ref::from_schema_name("AdvertiserId"));
    let by_source = ObjectBuilder::new().required("source").property(
        "source",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"\S")),
    );
    let target = AnyOfBuilder::new()
        .item(by_advertiser)
        .item(by_source)
        .description(Some("advertiserId, or a source name that is not blank"));
    let no_short_links = ObjectBuilder::new().property(
        "shorten",
        ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .enum_values(Some([false])),
    );
    let rules = AllOfBuilder::new()
        .item(derived)
        .item(Schema::AnyOf(target.build()))
        .item(no_short_links)
        .build();
    components
        .schemas
        .insert("LinkRequest".to_string(), Schema::AllOf(rules).into());
}
