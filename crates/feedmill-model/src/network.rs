//! The affiliate network (or feed dialect) an offer came from.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where an offer's feed comes from; decides its field mapping and how deep links are built.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    Adtraction,
    Partnerboost,
    Awin,
    Google,
    Tradetracker,
    Generic,
}

impl Network {
    pub const ALL: [Network; 6] = [
        Network::Adtraction,
        Network::Partnerboost,
        Network::Awin,
        Network::Google,
        Network::Tradetracker,
        Network::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Network::Adtraction => "adtraction",
            Network::Partnerboost => "partnerboost",
            Network::Awin => "awin",
            Network::Google => "google",
            Network::Tradetracker => "tradetracker",
            Network::Generic => "generic",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Network::ALL
            .into_iter()
            .find(|n| n.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown network {s:?}"))
    }
}
