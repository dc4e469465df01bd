//! The answer to an accepted conversion postback (Linkolino's success response).

use serde::Serialize;

/// `{"success": true, "conversion_id": "...", "status": "pending"}`: the conversion the
/// postback created or updated and its stored status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PostbackResponse {
    /// Always `true`; a refused postback is an error answer instead.
    pub success: bool,
    /// The conversion's id; the same for every postback of the same (program, order).
    pub conversion_id: String,
    /// The stored status: `pending`, `approved`, `rejected` or `reversed`.
    pub status: String,
    /// Fields of the postback this contract does not know, which were not stored. The postback
    /// is the one route that takes unknown fields (every other JSON body refuses them with a
    /// 400): networks add fields of their own to conversion payloads, and refusing those
    /// would lose conversions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_fields: Vec<String>,
}
