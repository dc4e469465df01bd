//! The OpenAPI document served at `/openapi.json` (utoipa), generated from the code so it
//! cannot drift from it.
//!
//! - **Schemas** are derived from the types the answers are serialized from and the bodies read
//!   into: the API's own, and the search seam's and the model's (`feedmill-model`,
//!   `feedmill-search` and `feedmill-store` derive `ToSchema` behind their `openapi` feature,
//!   which this crate turns on). Search answers are written through `offer_links`' types, which
//!   add the links to the seam's JSON and derive their schemas too; the `Offer` schema merges
//!   the model's offer, the price facts and the links ([`offer_schema`]). No schema is written
//!   by hand; the tests validate real answers against them all the same.
//! - **Operations** are documented on their handlers (`#[utoipa::path]`, the postback's as
//!   `utoipa::Path` impls beside it) and collected by [`handler_paths`]; their query parameters
//!   come from the tables in [`crate::params`], the same tables that validate requests
//!   ([`handler_params`]). `route_tests` holds the document's operations to the router's.
//! - What a derive cannot say is added after: the shared answers and cross-field rules
//!   (`refinements`, `body_rules`, `pin_rules`) and the key answers (`key_answers`).

use crate::error::{ErrorBody, ErrorDetail};
use crate::params::{ParamKind, ParamSpec, ParamValues};
use crate::source_status::SourceStatus;
use crate::types::{
    AdvertiserId, AlertCreated, AlertRequest, AlertView, BatchItem, BatchRequest, BatchResponse,
    DailyPoint, DeliveryView, HistoryPoint, LinkParameters, LinkRequest, LinkResponse, MarketLow,
    MerchantHistory, OfferHistory, PostbackResponse, ProductHistory, SourceView,
};
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, Schema, SchemaFormat};
use utoipa::openapi::{ArrayBuilder, Content, ObjectBuilder, Ref, ResponseBuilder, Type};

mod body_rules;
pub(crate) mod handler_params;
mod handler_paths;
mod key_answers;
mod offer_schema;
mod pin_rules;
pub(crate) mod postback_doc;
mod refinements;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "feedmill",
        description = "Product offers from affiliate feeds: search, price comparison, tracking links, click-out and conversion postbacks."
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
        PostbackResponse,
        SourceStatus,
        SourceView,
        crate::types::RefreshReportView,
        crate::types::RefreshOutcomeView,
        crate::types::DurationView,
        crate::types::RefreshDetailsView,
        crate::types::GuardDecisionView,
        AlertRequest,
        AlertCreated,
        AlertView,
        DeliveryView,
        crate::types::ReviewList,
        crate::types::ReviewStatus,
        crate::types::ReviewEntry,
        crate::types::PinList,
        crate::types::PinnedStatus,
        crate::types::PinView,
        crate::types::PinRequest,
        OfferHistory,
        HistoryPoint,
        ProductHistory,
        MarketLow,
        MerchantHistory,
        DailyPoint,
        crate::types::Product,
        crate::types::Suggestions,
        crate::types::Health,
        crate::types::Sources,
        crate::types::JobQueued,
        crate::types::NewKeyRequest,
        crate::types::KeyView,
        crate::types::KeyList,
        crate::types::CreatedKey,
        crate::types::ScopedKey,
        crate::auth::ScopeParams,
        crate::operator::JobView,
        crate::operator::JobStatus,
        crate::operator::ReloadSummary,
        crate::types::PauseState,
        feedmill_store::EarningsReport,
        feedmill_store::EarningsRow,
        feedmill_store::CommissionByStatus,
        feedmill_store::UnattributedReport,
        feedmill_store::UnattributedSale,
        feedmill_store::GroupBy,
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

/// The document as a server in `mode` serves it at `/openapi.json`: in open mode no route asks
/// for a key, so no operation declares a security requirement (the schemes and the key
/// answers stay, for a server switched to keys mode by a reload).
pub fn document_json_for(mode: crate::auth::AuthMode) -> &'static str {
    static OPEN: OnceLock<String> = OnceLock::new();
    match mode {
        crate::auth::AuthMode::Keys => document_json(),
        crate::auth::AuthMode::Open => OPEN.get_or_init(|| {
            let mut doc = document();
            key_answers::without_key_requirements(&mut doc);
            doc.to_json()
                .unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"))
        }),
    }
}

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    add_answer_schemas(&mut doc);
    handler_paths::add(&mut doc);
    key_answers::add_key_answers(&mut doc);
    refinements::refine(&mut doc);
    pin_rules::pin_request_rules(&mut doc);
    body_rules::add(&mut doc);
    doc
}

/// The schemas of the answer types with borrowed fields, which `#[openapi(components(...))]`
/// cannot name: the search answer and the offer as the API writes them, and every schema they
/// refer to.
fn add_answer_schemas(doc: &mut utoipa::openapi::OpenApi) {
    use crate::offer_links::{LinkedOffer, LinkedResponse};
    use utoipa::{PartialSchema, ToSchema};
    let mut schemas = vec![
        (
            LinkedResponse::name().into_owned(),
            LinkedResponse::schema(),
        ),
        (LinkedOffer::name().into_owned(), LinkedOffer::schema()),
    ];
    <LinkedResponse as ToSchema>::schemas(&mut schemas);
    <LinkedOffer as ToSchema>::schemas(&mut schemas);
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
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

/// A parameter's schema: its kind and the values the server accepts ([`ParamValues`]). A blank
/// value counts as absent for every parameter, so each schema takes one too.
pub(crate) fn param_schema(spec: &ParamSpec) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    let blank = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^\s*$"))
    };
    if let ParamValues::DateOrTime = spec.values {
        return date_or_time(blank());
    }
    let mut one = match spec.kind {
        ParamKind::Text | ParamKind::Decimal => ObjectBuilder::new().schema_type(Type::String),
        ParamKind::Integer => ObjectBuilder::new().schema_type(Type::Integer),
        // A flag: `true`/`false`, `1`/`0`, `yes`/`no`, or bare (`?in_stock`) for true.
        ParamKind::Boolean => ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["", "true", "false", "1", "0", "yes", "no"])),
    };
    one = match spec.values {
        ParamValues::Any => one,
        ParamValues::Pattern(pattern) => one.pattern(Some(pattern)),
        ParamValues::MaxChars(max) => one.max_length(Some(max)),
        ParamValues::OneOf(values) => {
            one.enum_values(Some(std::iter::once(String::new()).chain(values())))
        }
        ParamValues::Range(min, max) => one.minimum(Some(min)).maximum(Some(max)),
        ParamValues::DateOrTime => one,
    };
    let one: utoipa::openapi::RefOr<utoipa::openapi::Schema> = if spec.kind == ParamKind::Integer {
        utoipa::openapi::RefOr::T(Schema::AnyOf(
            AnyOfBuilder::new().item(one).item(blank()).build(),
        ))
    } else {
        one.build().into()
    };
    if spec.repeatable {
        ArrayBuilder::new()
            .items(one)
            .max_items(spec.max_items)
            .build()
            .into()
    } else {
        one
    }
}

/// A date (`format: date`), a date-time (`format: date-time`) or blank (absent).
fn date_or_time(blank: ObjectBuilder) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    let formatted = |format| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(format)))
    };
    let any = AnyOfBuilder::new()
        .item(formatted(KnownFormat::Date))
        .item(formatted(KnownFormat::DateTime))
        .item(blank);
    utoipa::openapi::RefOr::T(Schema::AnyOf(any.build()))
}

#[cfg(test)]
mod body_contract_tests;
#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod route_tests;
#[cfg(test)]
mod tests;
