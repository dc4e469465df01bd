//! The OpenAPI description of `GET`/`POST /api/postback/{program_id}`: the fields of
//! Linkolino's canonical conversion payload (validated by `feedmill_store::validate_postback`),
//! accepted in the query string or as a form, JSON or multipart body, and every error answer.

use utoipa::openapi::RefOr;
use utoipa::openapi::path::{Operation, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, KnownFormat, Schema, SchemaFormat,
};
use utoipa::openapi::{Content, ObjectBuilder, Ref, Required, ResponseBuilder, Type};

/// The fields and what they hold.
const FIELDS: &[(&str, &str)] = &[
    (
        "order_id",
        "Required. The order's id in the shop; one conversion per (program, order)",
    ),
    (
        "amount",
        "Order value, e.g. 199.99 (one of amount, gross_amount, net_amount, items_amount is required); at most 8 integer digits and 2 decimals",
    ),
    ("gross_amount", "Order value with tax and shipping; decimal"),
    ("net_amount", "Order value without tax; decimal"),
    ("items_amount", "Value of the items; decimal"),
    ("shipping_amount", "Decimal"),
    ("discount_amount", "Decimal"),
    ("tax_amount", "Decimal"),
    ("refunded_amount", "Decimal"),
    (
        "currency",
        "ISO-4217 code; the program's default when left out",
    ),
    (
        "click_id",
        "The click id the click-out carried to the shop (attributes the sale to its click)",
    ),
    (
        "visitor_id",
        "A visitor id stored from the click; attributes like click_id",
    ),
    (
        "sub_id",
        "Campaign marker; without a click id the sale is attributed to the last click with this sub-id in the 30 days before it",
    ),
    ("customer_id_hash", "Hash of the shop's customer id"),
    (
        "order_status",
        "e.g. completed; cancelled/failed make the conversion rejected, refunded reversed",
    ),
    ("payment_status", "e.g. paid"),
    ("status", "pending, approved, rejected or reversed"),
    ("order_time", "ISO-8601 date-time with offset"),
    ("quantity", "Integer of at most 16 digits"),
    (
        "customer_id",
        "The shop's internal customer id or a hash of it (never a name, e-mail or phone number)",
    ),
    (
        "consent_mode",
        "One of merchant_consent_required, server_side_required, custom",
    ),
    (
        "integration_mode",
        "How the shop reports, e.g. plugin or webhook",
    ),
    ("source", "The shop's platform, e.g. woocommerce"),
    ("program_id", "If given, must be the URL's program"),
];

const DESCRIPTION: &str = "Registers or updates the conversion of (program, order_id): the same order again updates amounts and status and keeps its conversion_id. Strings are at most 255 UTF-8 characters. Answered only once the conversion is stored durably. Unknown fields: this is the one route that takes them, the one deliberate exception (every other JSON body refuses unknown fields with a 400): networks add fields of their own to conversion payloads, and refusing those would lose conversions. They are not stored and are listed in the answer's ignored_fields.";

/// Why the body takes fields it does not list.
const UNKNOWN_FIELDS: &str = "Fields not listed here are taken, not stored, and named in the answer's ignored_fields: the one deliberate exception to the API's refusal of unknown fields, because networks add fields to their conversion payloads";

/// The operation of one method: the fields in the query string, and in the body too when
/// `with_body` (the handler's `PostbackQueryDoc` and `PostbackBodyDoc`).
pub(crate) fn operation(summary: &str, with_body: bool) -> Operation {
    let text = || ObjectBuilder::new().schema_type(Type::String);
    let mut builder = OperationBuilder::new()
        .summary(Some(summary))
        .description(Some(DESCRIPTION))
        .parameter(
            ParameterBuilder::new()
                .name("program_id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some("The program, as configured in a [[program]] section"))
                .schema(Some(text())),
        )
        .parameter(
            ParameterBuilder::new()
                .name("X-Api-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "The program's postback key, or a server key with the postback action (or the api_key parameter)",
                ))
                .schema(Some(text())),
        )
        .parameter(
            ParameterBuilder::new()
                .name("api_key")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(
                    "The program's key (or a server key with the postback action), for clients that cannot set a header",
                ))
                .schema(Some(text())),
        );
    for (name, description) in FIELDS {
        let required = *name == "order_id" && !with_body;
        builder = builder.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .required(if required {
                    Required::True
                } else {
                    Required::False
                })
                .description(Some(*description))
                .schema(Some(query_schema(name, required))),
        );
    }
    if with_body {
        builder = builder.request_body(Some(body()));
    }
    builder = builder.response(
        "200",
        ResponseBuilder::new()
            .description("Stored: the conversion's id and status")
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("PostbackResponse"))),
            )
            .build(),
    );
    let errors = [
        (
            "400",
            "A field broke a rule (the message names the field and the rule), or the body is not UTF-8",
        ),
        (
            "401",
            "No key, or neither the program's current key nor a valid server key",
        ),
        (
            "403",
            "A server key without the postback action (or a scoped key)",
        ),
        ("404", "No such program"),
        (
            "408",
            "The body paused longer than the body read timeout; the connection is closed",
        ),
        ("413", "Body over 1 MiB"),
        ("415", "A body of another content type"),
        (
            "429",
            "Over 100 postbacks per minute from this address for this program, or the server key's own limit; see Retry-After",
        ),
        (
            "503",
            "The store could not write the conversion; nothing was stored; see Retry-After",
        ),
    ];
    for (status, description) in errors {
        builder = builder.response(status, super::error_response(description));
    }
    builder.build()
}

/// A field's schema: a string, and for `consent_mode` one of Linkolino's modes.
fn field_schema(name: &str) -> ObjectBuilder {
    let text = ObjectBuilder::new().schema_type(Type::String);
    match name {
        "consent_mode" => text.enum_values(Some(feedmill_store::CONSENT_MODES.iter().copied())),
        _ => text,
    }
}

/// A field's value in the query string as `feedmill_store::validate_postback` checks it (an
/// empty value counts as absent, except for a required `order_id`). `postback::schema_tests`
/// checks each against the server.
fn query_schema(name: &str, required: bool) -> RefOr<Schema> {
    let text = || ObjectBuilder::new().schema_type(Type::String);
    let one_of = |values: Vec<String>| {
        let values = std::iter::once(String::new()).chain(values);
        text().enum_values(Some(values)).build().into()
    };
    match name {
        "currency" => one_of(crate::params::currencies()),
        "status" => one_of(STATUSES.map(String::from).to_vec()),
        "consent_mode" => one_of(
            feedmill_store::CONSENT_MODES
                .iter()
                .map(|mode| mode.to_string())
                .collect(),
        ),
        "quantity" => text().pattern(Some(r"^(-?[0-9]{1,16})?$")).build().into(),
        "order_time" => {
            let formatted = text().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)));
            let any = AnyOfBuilder::new()
                .item(formatted)
                .item(text().max_length(Some(0)));
            RefOr::T(Schema::AnyOf(any.build()))
        }
        amount if amount == "amount" || amount.ends_with("_amount") => text()
            .pattern(Some(r"^([0-9]{1,8}(\.[0-9]{1,2})?)?$"))
            .build()
            .into(),
        _ => text()
            .min_length(required.then_some(1))
            .max_length(Some(MAX_TEXT_CHARS))
            .build()
            .into(),
    }
}

/// A text field's most characters.
const MAX_TEXT_CHARS: usize = 255;
/// A conversion's statuses (`feedmill_store::ConversionStatus`).
const STATUSES: [&str; 4] = ["pending", "approved", "rejected", "reversed"];

fn body() -> utoipa::openapi::request_body::RequestBody {
    let mut fields = ObjectBuilder::new();
    for (name, description) in FIELDS {
        fields = fields.property(*name, field_schema(name).description(Some(*description)));
    }
    let fields = fields
        .required("order_id")
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .description(Some(UNKNOWN_FIELDS))
        .build();
    let mut builder = RequestBodyBuilder::new().required(Some(Required::False));
    for content_type in [
        "application/x-www-form-urlencoded",
        "application/json",
        "multipart/form-data",
    ] {
        builder = builder.content(content_type, Content::new(Some(fields.clone())));
    }
    builder.build()
}
