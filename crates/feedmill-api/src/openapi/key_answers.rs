//! The key answers (401, 403, 429) and security requirements of every route that needs a key,
//! taken from the same table the guard reads ([`crate::auth::ROUTE_ACCESS`]); the keys and
//! operator operations themselves are documented on their handlers.

use super::error_response;
use crate::auth::{Access, ROUTE_ACCESS};
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};

/// The document of an open-mode server: no operation asks for a key.
pub(super) fn without_key_requirements(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            operation.security = None;
        }
    }
}

/// A key in `X-Api-Key` or in `Authorization: Bearer` (either one).
fn key_requirements() -> Vec<SecurityRequirement> {
    let none: [&str; 0] = [];
    vec![
        SecurityRequirement::new(API_KEY_SCHEME, none),
        SecurityRequirement::new(BEARER_SCHEME, none),
    ]
}

const API_KEY_SCHEME: &str = "api_key";
const BEARER_SCHEME: &str = "bearer";

/// Adds the key answers, the security schemes and each keyed operation's requirement (a key
/// in either scheme): every route that needs a key may answer 401 (no, unknown or expired
/// key), 403 (the key lacks the action, or is outside its sources or origins) and 429 (the
/// key's rate). Open routes declare no requirement; the postback documents its program's own
/// key as parameters (`postback_doc`). In `[auth] mode = "open"` (the demo) no route asks
/// for a key.
pub(super) fn add_key_answers(doc: &mut OpenApi) {
    for (path, access) in ROUTE_ACCESS {
        let Access::Needs(action) = access else {
            continue;
        };
        let Some(item) = doc.paths.paths.get_mut(*path) else {
            continue;
        };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            operation.security = Some(key_requirements());
            let answers = [
                (
                    "401",
                    "No key, an unknown key or an expired key".to_string(),
                ),
                (
                    "403",
                    format!("The key lacks the {action} action or is outside its limits"),
                ),
                (
                    "429",
                    "The key's request limit is reached; see Retry-After".to_string(),
                ),
            ];
            for (status, description) in answers {
                let response = error_response(&description);
                operation
                    .responses
                    .responses
                    .entry(status.into())
                    .or_insert(response.into());
            }
        }
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        API_KEY_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
    );
    components.add_security_scheme(
        BEARER_SCHEME,
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
}

#[cfg(test)]
mod tests {
    use crate::auth::{Access, ROUTE_ACCESS};

    #[test]
    fn keyed_routes_document_their_key_answers_and_open_ones_do_not() {
        let doc: serde_json::Value =
            serde_json::from_str(super::super::document_json()).unwrap_or_default();
        for (path, access) in ROUTE_ACCESS {
            let item = doc["paths"][*path].as_object().cloned().unwrap_or_default();
            assert!(!item.is_empty(), "{path} is not documented");
            if *access == Access::OwnKey {
                continue; // documents its own key's answers (postback_doc.rs)
            }
            for (method, operation) in item {
                let has_401 = operation["responses"]["401"].is_object();
                let keyed = matches!(access, Access::Needs(_));
                assert_eq!(has_401, keyed, "{method} {path}");
                let security = operation["security"].to_string();
                let declared = security.contains("api_key") && security.contains("bearer");
                assert_eq!(declared, keyed, "{method} {path}: {security}");
                assert_eq!(
                    operation["responses"]["403"].is_object(),
                    keyed,
                    "{method} {path}"
                );
            }
        }
        let open: serde_json::Value =
            serde_json::from_str(super::super::document_json_for(crate::auth::AuthMode::Open))
                .unwrap_or_default();
        assert!(open["paths"]["/sources"]["get"]["responses"]["401"].is_object());
        assert!(
            !open.to_string().contains("\"security\""),
            "open mode asks for no key"
        );
        assert!(open["components"]["securitySchemes"]["api_key"].is_object());
        let created = &doc["paths"]["/keys"]["post"]["responses"];
        assert!(created["201"].is_object() && created["200"].is_null());
        assert!(doc["paths"]["/sources/{name}/refresh"]["post"]["responses"]["202"].is_object());
        assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    }
}
