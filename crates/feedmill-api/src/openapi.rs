//! The OpenAPI document served at `/openapi.json` (utoipa).
//!
//! Schemas of the API's own types are derived from those types. The offer and search-result
//! schemas describe JSON of the search seam's types; they are mirrored here (the seam does not
//! depend on utoipa) and a test checks the mirror against real JSON. Query parameters come from
//! the tables in [`crate::params`], the same tables that validate requests.

use crate::error::{ErrorBody, ErrorDetail};
use crate::params::{
    CLICK_PARAMS, OFFER_PARAMS, ParamKind, ParamSpec, SEARCH_PARAMS, SUGGEST_PARAMS,
};
use crate::source_status::SourceStatus;
use crate::types::{
    AdvertiserId, BatchItem, BatchRequest, BatchResponse, LinkParameters, LinkRequest,
    LinkResponse, SourceView,
};
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{
    ArrayBuilder, Content, HttpMethod, ObjectBuilder, PathItem, Ref, Required, ResponseBuilder,
    Type,
};

mod schemas;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "feedmill",
        description = "Product offers from affiliate feeds: search, price comparison, tracking links and click-out."
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        LinkRequest,
        LinkParameters,
        AdvertiserId,
        LinkResponse,
        BatchRequest,
        BatchResponse,
        BatchItem,
        SourceStatus,
        SourceView,
        schemas::Offer,
        schemas::OfferHit,
        schemas::GtinGroup,
        schemas::SearchItem,
        schemas::SearchResponse,
        schemas::FacetResults,
        schemas::FacetValue,
        schemas::Product,
        schemas::Suggestions,
        schemas::Health,
        schemas::Sources,
    ))
)]
struct ApiDoc;

/// The document as JSON, built once.
pub fn document_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        document()
            .to_json()
            .unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"))
    })
}

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let get = |op| PathItem::new(HttpMethod::Get, op);
    let post = |op| PathItem::new(HttpMethod::Post, op);
    let paths = [
        (
            "/search",
            get(op(
                "Search offers",
                SEARCH_PARAMS,
                &[],
                None,
                ok(
                    "SearchResponse",
                    "A page of offers (or GTIN groups), each offer with tracking_url, deep_link and click_url",
                ),
            )),
        ),
        (
            "/suggest",
            get(op(
                "Search-as-you-type over titles and brands",
                SUGGEST_PARAMS,
                &[],
                None,
                ok("Suggestions", "Suggestions"),
            )),
        ),
        (
            "/offers/{id}",
            get(op(
                "One offer",
                OFFER_PARAMS,
                &[("id", "Offer id")],
                None,
                ok("Offer", "The offer with its links"),
            )),
        ),
        (
            "/products/{gtin}",
            get(op(
                "Every offer of one GTIN, cheapest total first",
                OFFER_PARAMS,
                &[("gtin", "GTIN of any length")],
                None,
                ok("Product", "The product's offers"),
            )),
        ),
        (
            "/links/generate",
            post(op(
                "A tracking link (Awin link-builder shape)",
                &[],
                &[],
                Some("LinkRequest"),
                ok("LinkResponse", "The link"),
            )),
        ),
        (
            "/links/generate-batch",
            post(op(
                "Up to 100 tracking links",
                &[],
                &[],
                Some("BatchRequest"),
                ok("BatchResponse", "A status and body per request"),
            )),
        ),
        (
            "/r/{code}",
            get(op(
                "Click-out: stores the click under a new click id and redirects to the deep link carrying it",
                CLICK_PARAMS,
                &[("code", "Offer id")],
                None,
                ResponseBuilder::new()
                    .description("Redirect to the offer's deep link")
                    .build(),
            )),
        ),
        (
            "/sources",
            get(op(
                "Sources and their last refresh",
                &[],
                &[],
                None,
                ok("Sources", "Every source"),
            )),
        ),
        (
            "/health",
            get(op("Liveness", &[], &[], None, ok("Health", "Up"))),
        ),
        (
            "/metrics",
            get(op(
                "Prometheus metrics",
                &[],
                &[],
                None,
                ResponseBuilder::new()
                    .description("Prometheus text format")
                    .content(
                        "text/plain",
                        Content::new(Some(ObjectBuilder::new().schema_type(Type::String))),
                    )
                    .build(),
            )),
        ),
        (
            "/openapi.json",
            get(op(
                "This document",
                &[],
                &[],
                None,
                ResponseBuilder::new()
                    .description("OpenAPI document")
                    .build(),
            )),
        ),
        ("/", get(page_op("The comparison page (HTML)", "text/html"))),
        (
            "/assets/{file}",
            get(page_op(
                "A file of the comparison page: app.css, api.js, dom.js, chart.js, suggest.js, product.js, app.js, favicon.svg",
                "text/css, text/javascript or image/svg+xml",
            )),
        ),
    ];
    for (path, item) in paths {
        doc.paths.paths.insert(path.to_string(), item);
    }
    doc
}

/// An operation of the comparison page: a file, not JSON; an unknown asset is a JSON 404.
fn page_op(summary: &str, content_types: &str) -> Operation {
    let mut builder = OperationBuilder::new().summary(Some(summary)).response(
        "200",
        ResponseBuilder::new()
            .description(format!("The file ({content_types})"))
            .build(),
    );
    if summary.starts_with("A file") {
        builder = builder
            .parameter(
                ParameterBuilder::new()
                    .name("file")
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .description(Some("File name"))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            )
            .response(
                "304",
                ResponseBuilder::new()
                    .description("Not modified (If-None-Match)")
                    .build(),
            )
            .response("404", error_response("No such file"));
    }
    builder.build()
}

fn ok(schema: &str, description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name(schema))),
        )
        .build()
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        )
        .build()
}

fn op(
    summary: &str,
    query: &[ParamSpec],
    path: &[(&str, &str)],
    body: Option<&str>,
    success: utoipa::openapi::Response,
) -> Operation {
    let status = if summary.starts_with("Click-out") {
        "302"
    } else {
        "200"
    };
    let mut builder = OperationBuilder::new()
        .summary(Some(summary))
        .response(status, success);
    for (name, description) in path {
        builder = builder.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(*description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }
    for spec in query {
        builder = builder.parameter(
            ParameterBuilder::new()
                .name(spec.name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(spec.description))
                .schema(Some(param_schema(spec))),
        );
    }
    if let Some(body) = body {
        let content = Content::new(Some(Ref::from_schema_name(body)));
        builder = builder.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("application/json", content)
                .build(),
        ));
    }
    let mut errors = vec![("400", "Bad request"), ("500", "Internal error")];
    if !path.is_empty() {
        errors.push(("404", "Not found"));
    }
    if body.is_some() {
        errors.extend([("413", "Body over 1 MiB"), ("415", "Body is not JSON")]);
    }
    if summary.starts_with("Click-out") {
        errors.push(("429", "Too many clicks from this address; see Retry-After"));
        errors.push((
            "503",
            "The click could not be stored; nothing was redirected; see Retry-After",
        ));
    }
    for (status, description) in errors {
        builder = builder.response(status, error_response(description));
    }
    builder.build()
}

fn param_schema(spec: &ParamSpec) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    let one = match spec.kind {
        ParamKind::Text => ObjectBuilder::new().schema_type(Type::String),
        ParamKind::Integer => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0)),
        ParamKind::Decimal => ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^\d+(\.\d+)?$")),
        ParamKind::Boolean => ObjectBuilder::new().schema_type(Type::Boolean),
    };
    if spec.repeatable {
        ArrayBuilder::new().items(one).build().into()
    } else {
        one.build().into()
    }
}

#[cfg(test)]
mod tests;
