//! The JSON of the link builder (`POST /links/generate`, `POST /links/generate-batch`), in the
//! shape of Awin's (`seeds/awin-linkbuilder.txt`). Field names are a contract with partners.

use crate::error::ApiError;
use feedmill_links::{SubIds, check_sub_id};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// Awin's batch limit.
pub const MAX_BATCH: usize = 100;

/// One link request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LinkRequest {
    /// An offer's `merchant_id` or `program_id` (Awin's advertiser id).
    #[serde(default)]
    pub advertiser_id: Option<AdvertiserId>,
    /// A source name, instead of or besides `advertiserId`.
    #[serde(default)]
    pub source: Option<String>,
    /// The page to land on; the program's default landing page when absent.
    #[serde(default)]
    pub destination_url: Option<String>,
    #[serde(default)]
    pub parameters: LinkParameters,
    /// Short links are not supported; `true` is refused.
    #[serde(default)]
    pub shorten: bool,
}

/// Awin sends integers; other networks' ids may be text.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum AdvertiserId {
    Number(u64),
    Text(String),
}

impl fmt::Display for AdvertiserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdvertiserId::Number(n) => write!(f, "{n}"),
            AdvertiserId::Text(t) => f.write_str(t.trim()),
        }
    }
}

/// Click references: `clickref`..`clickref6` (or `subid` for the first), each
/// `[A-Za-z0-9_-]`, at most 64. `campaign` is accepted for Awin compatibility and not used.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkParameters {
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9_-]{0,64}$")]
    pub campaign: Option<String>,
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9_-]{0,64}$")]
    pub subid: Option<String>,
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9_-]{0,64}$")]
    pub clickref: Option<String>,
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9_-]{0,64}$")]
    pub clickref2: Option<String>,
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9_-]{0,64}$")]
    pub clickref3: Option<String>,
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9_-]{0,64}$")]
    pub clickref4: Option<String>,
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9_-]{0,64}$")]
    pub clickref5: Option<String>,
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9_-]{0,64}$")]
    pub clickref6: Option<String>,
}

impl LinkParameters {
    /// The click references as the six sub-id slots; checked like sub-ids.
    pub(crate) fn sub_ids(&self) -> Result<SubIds, ApiError> {
        // Checked like a sub-id so nothing unsafe is accepted, then not used.
        check_sub_id("campaign", self.campaign.as_deref().unwrap_or(""))?;
        let first = match (self.clickref.as_deref(), self.subid.as_deref()) {
            (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => {
                return Err(ApiError::invalid_parameter(
                    "parameters",
                    "give clickref or subid, not both",
                ));
            }
            (Some(a), _) if !a.is_empty() => a,
            (_, other) => other.unwrap_or(""),
        };
        let slots = [
            ("clickref", first),
            ("clickref2", self.clickref2.as_deref().unwrap_or("")),
            ("clickref3", self.clickref3.as_deref().unwrap_or("")),
            ("clickref4", self.clickref4.as_deref().unwrap_or("")),
            ("clickref5", self.clickref5.as_deref().unwrap_or("")),
            ("clickref6", self.clickref6.as_deref().unwrap_or("")),
        ];
        let mut ids = SubIds::none();
        for (slot, (name, value)) in slots.into_iter().enumerate() {
            ids.set(slot, name, value)?;
        }
        Ok(ids)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkResponse {
    pub url: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 100 link requests, each a `LinkRequest`. Any JSON value is taken: each is checked
    /// on its own and one that is not a valid `LinkRequest` gets its own 400 in `responses`
    /// (Awin's batch shape), while the others still get their links.
    #[schema(value_type = Vec<serde_json::Value>, min_items = 1, max_items = 100)]
    pub requests: Vec<Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResponse {
    pub responses: Vec<BatchItem>,
}

/// The status the request would have had alone, and its body: `{url, request}`, or
/// `{error, request}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchItem {
    pub status: u16,
    #[schema(value_type = Object)]
    pub body: Value,
}
