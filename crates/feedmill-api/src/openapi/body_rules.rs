//! What the derived schemas of `POST /keys` and `POST /alerts` cannot say, stated as the
//! handlers check it (`handlers::keys::new_stored_key`, `handlers::alerts`):
//!
//! - `NewKeyRequest`: a name that is not blank, at least one action of [`Action::ALL`], a
//!   rate of 1 to 2³²−1 requests per minute;
//! - `ScopeParams`: at least one filter, each a search filter of [`SCOPE_FILTERS`] with the
//!   values `/search` takes for it;
//! - `AlertRequest`: exactly one of a GTIN (8, 12, 13 or 14 digits, spaces and hyphens between
//!   them ignored) and an offer id that is not blank, a threshold of the handler's shape, an
//!   ISO-4217 code and an http(s) URL with a host.
//!
//! What no schema can say stays a 400 or 404 about the data: a GTIN's check digit, an offer
//! that is not in the index, a callback host that does not resolve to public addresses.
//! `contract_tests` checks that schema and server agree on a set of bodies.

use crate::auth::Action;
use crate::auth::scoped::SCOPE_FILTERS;
use crate::params::{ParamSpec, SEARCH_PARAMS};
use crate::types::MAX_THRESHOLD_CHARS;
use serde_json::{Value, json};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};

/// A GTIN as `Gtin::parse` reads it: 8, 12, 13 or 14 digits, blanks around them, spaces and
/// hyphens between them.
const ALERT_GTIN_PATTERN: &str = r"^\s*[ -]*(([0-9][ -]*){8}|([0-9][ -]*){12,14})\s*$";
/// A positive threshold of at most 14 whole digits and 4 decimal places, leading zeros of the
/// whole part and trailing zeros of the fraction aside.
const THRESHOLD_PATTERN: &str = r"^(0*[1-9][0-9]{0,13}(\.[0-9]{1,4}0*)?|0+\.[0-9]{0,3}[1-9]0*)$";
/// http or https (in any case), then a host.
const CALLBACK_PATTERN: &str = r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]";
/// At least one character that is not white space.
const NOT_BLANK: &str = r"\S";

pub(super) fn add(doc: &mut OpenApi) {
    patch(doc, "NewKeyRequest", key_request_rules);
    patch(doc, "AlertRequest", alert_request_rules);
    patch(doc, "ScopeParams", scope_params_rules);
}

fn scope_params_rules(mut schema: Value) -> Value {
    let mut filters = serde_json::Map::new();
    for spec in SEARCH_PARAMS
        .iter()
        .filter(|s| SCOPE_FILTERS.contains(&s.name))
    {
        // One value per filter, also for a parameter a search may repeat (brand).
        let one = ParamSpec {
            repeatable: false,
            ..*spec
        };
        let mut value = serde_json::to_value(super::param_schema(&one)).unwrap_or_default();
        value["description"] = json!(spec.description);
        filters.insert(spec.name.to_string(), value);
    }
    let description = schema["properties"]["filter"]["description"].clone();
    schema["properties"]["filter"] = json!({
        "type": "object",
        "minProperties": 1,
        "properties": filters,
        "additionalProperties": false,
        "description": description
    });
    schema
}

/// Replaces the component `name` by `rules` applied to its JSON; a schema that stops reading
/// leaves the derived one (the contract tests fail then).
fn patch(doc: &mut OpenApi, name: &str, rules: fn(Value) -> Value) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let Some(derived) = components.schemas.get(name) else {
        return;
    };
    let Ok(derived) = serde_json::to_value(derived) else {
        return;
    };
    match serde_json::from_value::<Schema>(rules(derived)) {
        Ok(schema) => {
            components
                .schemas
                .insert(name.to_string(), RefOr::T(schema));
        }
        Err(err) => tracing::error!(%err, name, "body rules do not read; the derived schema stays"),
    }
}

fn key_request_rules(mut schema: Value) -> Value {
    let actions: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    let properties = &mut schema["properties"];
    properties["name"]["pattern"] = json!(NOT_BLANK);
    properties["actions"] = json!({
        "type": "array",
        "minItems": 1,
        "items": { "type": "string", "enum": actions },
        "description": "What the key may do, at least one action (repeats count once)"
    });
    properties["requests_per_minute"] = json!({
        "type": ["integer", "null"],
        "minimum": 1,
        "maximum": u32::MAX,
        "description": "The key's own limit; none when absent or null"
    });
    schema
}

fn alert_request_rules(derived: Value) -> Value {
    let mut common = derived["properties"].clone();
    common["below"]["pattern"] = json!(THRESHOLD_PATTERN);
    common["below"]["maxLength"] = json!(MAX_THRESHOLD_CHARS);
    common["currency"]["enum"] = json!(crate::params::currencies());
    common["currency"]["description"] = json!(
        "ISO-4217 code (also in lower case, blanks around it ignored); only offers in this currency count"
    );
    common["callback_url"]["pattern"] = json!(CALLBACK_PATTERN);
    let target = |by: &str, pattern: &str, other: &str| {
        let mut properties = common.clone();
        properties[by] = json!({ "type": "string", "pattern": pattern,
            "description": derived["properties"][by]["description"] });
        properties[other] = json!({ "type": "null" });
        let mut required = derived["required"].clone();
        if let Some(required) = required.as_array_mut() {
            required.push(json!(by));
        }
        json!({ "type": "object", "required": required, "properties": properties,
                "additionalProperties": false })
    };
    json!({
        "description": "A price alert on exactly one of a product (gtin) and an offer (offer_id)",
        "oneOf": [
            target("gtin", ALERT_GTIN_PATTERN, "offer_id"),
            target("offer_id", NOT_BLANK, "gtin"),
        ]
    })
}
