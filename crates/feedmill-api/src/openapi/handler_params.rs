//! What the handlers' `#[utoipa::path]` attributes name in `params(...)` and `responses(...)`:
//!
//! - query parameters, one type per table of [`crate::params`] (the tables that also validate
//!   the requests, so the document and the server share one list);
//! - path parameters, with the patterns the handlers check;
//! - the error answers shared by many routes ([`ReadErrors`], [`NotFound`], [`BodyErrors`]).

use super::{error_response, param_schema};
use crate::earnings_params::{EARNINGS_PARAMS, UNATTRIBUTED_PARAMS};
use crate::match_params::MATCHES_PARAMS;
use crate::params::{
    CLICK_PARAMS, GTIN_PATTERN, HISTORY_PARAMS, OFFER_PARAMS, PRODUCT_PATTERN, ParamSpec,
    SEARCH_PARAMS, SUGGEST_PARAMS,
};
use std::collections::BTreeMap;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, RefOr, Required, Response, Type};
use utoipa::{IntoParams, IntoResponses};

/// The query parameters of `specs`, each with its [`param_schema`].
pub(super) fn query_parameters(specs: &[ParamSpec]) -> Vec<Parameter> {
    specs
        .iter()
        .map(|spec| {
            ParameterBuilder::new()
                .name(spec.name)
                .parameter_in(ParameterIn::Query)
                .required(if spec.required {
                    Required::True
                } else {
                    Required::False
                })
                .description(Some(spec.description))
                .schema(Some(param_schema(spec)))
                .build()
        })
        .collect()
}

/// One path parameter: a string, with the pattern the handler checks when it has one.
fn path_parameter(name: &str, description: &str, pattern: Option<&str>) -> Vec<Parameter> {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(pattern);
    vec![
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some(description))
            .schema(Some(schema))
            .build(),
    ]
}

macro_rules! params_type {
    ($(#[$doc:meta])* $name:ident => $params:expr) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl IntoParams for $name {
            fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
                $params
            }
        }
    };
}

params_type!(
    /// `GET /search`'s query ([`SEARCH_PARAMS`]).
    SearchQuery => query_parameters(SEARCH_PARAMS)
);
params_type!(
    /// `GET /suggest`'s query ([`SUGGEST_PARAMS`]).
    SuggestQuery => query_parameters(SUGGEST_PARAMS)
);
params_type!(
    /// The sub-ids of the offer routes ([`OFFER_PARAMS`]).
    OfferQuery => query_parameters(OFFER_PARAMS)
);
params_type!(
    /// The price history's window ([`HISTORY_PARAMS`]).
    HistoryQuery => query_parameters(HISTORY_PARAMS)
);
params_type!(
    /// The click-out's sub-ids ([`CLICK_PARAMS`]).
    ClickQuery => query_parameters(CLICK_PARAMS)
);
params_type!(
    /// `GET /earnings`'s query ([`EARNINGS_PARAMS`]).
    EarningsQuery => query_parameters(EARNINGS_PARAMS)
);
params_type!(
    /// `GET /earnings/unattributed`'s query ([`UNATTRIBUTED_PARAMS`]).
    UnattributedQuery => query_parameters(UNATTRIBUTED_PARAMS)
);
params_type!(
    /// `GET /matches`'s query ([`MATCHES_PARAMS`]).
    MatchesQuery => query_parameters(MATCHES_PARAMS)
);
params_type!(
    /// `{id}` of the offer routes.
    OfferIdPath => path_parameter("id", "Offer id", None)
);
params_type!(
    /// `{gtin}` of `/products/{gtin}`: a GTIN or a product id ([`PRODUCT_PATTERN`]).
    ProductPath => path_parameter(
        "gtin",
        "GTIN of any length, or a product id (p and 12 hex digits)",
        Some(PRODUCT_PATTERN),
    )
);
params_type!(
    /// `{gtin}` of `/products/{gtin}/history` ([`GTIN_PATTERN`]).
    HistoryGtinPath => path_parameter(
        "gtin",
        "GTIN of 8, 12, 13 or 14 digits with a valid check digit (any other has no history: 404)",
        Some(GTIN_PATTERN),
    )
);
params_type!(
    /// `{code}` of the click-out.
    ClickCodePath => path_parameter("code", "Offer id", None)
);
params_type!(
    /// `{id}` of `/alerts/{id}`.
    AlertIdPath => path_parameter("id", "Alert id", None)
);
params_type!(
    /// `{file}` of `/assets/{file}`.
    AssetPath => path_parameter("file", "File name", None)
);

params_type!(
    /// `{name}` of the source operations.
    SourceNamePath => path_parameter("name", "Source name", None)
);
params_type!(
    /// `{id}` of `/jobs/{id}`.
    JobIdPath => path_parameter("id", "Job id", None)
);
params_type!(
    /// `{id}` of `/keys/{id}` ([`crate::types::RUN_TIME_KEY_ID_PATTERN`]).
    KeyIdPath => path_parameter(
        "id",
        "A run-time key's id (keys of the config file are removed from the file)",
        Some(crate::types::RUN_TIME_KEY_ID_PATTERN),
    )
);

/// `GET /matches`'s answer: the review list (`status=review`) or the pins (`status=pinned`).
pub(crate) struct MatchLists;

impl utoipa::PartialSchema for MatchLists {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::Ref;
        use utoipa::openapi::schema::{OneOfBuilder, Schema};
        let lists = OneOfBuilder::new()
            .item(Ref::from_schema_name("ReviewList"))
            .item(Ref::from_schema_name("PinList"));
        RefOr::T(Schema::OneOf(lists.build()))
    }
}

impl utoipa::ToSchema for MatchLists {}

macro_rules! errors_type {
    ($(#[$doc:meta])* $name:ident => [$(($status:literal, $description:literal)),* $(,)?]) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                [$(($status, $description)),*]
                    .into_iter()
                    .map(|(status, description)| {
                        (status.to_string(), error_response(description).into())
                    })
                    .collect()
            }
        }
    };
}

errors_type!(
    /// What any JSON route may answer: a request it refuses, or a failure of its own.
    ReadErrors => [("400", "Bad request"), ("500", "Internal error")]
);
errors_type!(
    /// A route with a path parameter: nothing by that name.
    NotFound => [("404", "Not found")]
);
errors_type!(
    /// A route that reads a JSON body: the body layers' answers.
    BodyErrors => [
        (
            "408",
            "The body paused longer than the body read timeout; the connection is closed"
        ),
        ("413", "Body over 1 MiB"),
        ("415", "Body is not JSON"),
    ]
);
errors_type!(
    /// An operator route of a source, a job or a key: nothing by that name.
    SourceNotFound => [("404", "No such source, job or key")]
);
errors_type!(
    /// An operator route that needs the scheduler.
    OperatorUnavailable => [(
        "503",
        "The server runs no scheduler to operate, or its queue is full"
    )]
);
