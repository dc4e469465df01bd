//! The feed formats `--format` names (a contract with users) and what each one means: which
//! syntax reader, which records, which field mapping.

use crate::mapping::{Candidates, Mapping};
use crate::profiles;
use feedmill_model::Network;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    AdtractionXml,
    AdtractionCsv,
    AdtractionJson,
    PartnerboostJson,
    PartnerboostXml,
    AwinCsv,
    GoogleXml,
    GoogleCsv,
    TradetrackerXml,
    Csv,
    Xml,
    Json,
    Ndjson,
}

/// How a format's bytes are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Syntax {
    /// Records are the elements with one of these names (empty: the root's children).
    Xml {
        record_elements: Vec<String>,
    },
    /// `quote` is the quote character; the delimiter is sniffed unless given.
    Csv {
        quote: u8,
        delimiter: Option<u8>,
    },
    /// Records are the objects of the array under `record_key` (or the root array).
    Json {
        record_key: Option<String>,
    },
    Ndjson,
}

impl FeedFormat {
    pub const ALL: [FeedFormat; 13] = [
        FeedFormat::AdtractionXml,
        FeedFormat::AdtractionCsv,
        FeedFormat::AdtractionJson,
        FeedFormat::PartnerboostJson,
        FeedFormat::PartnerboostXml,
        FeedFormat::AwinCsv,
        FeedFormat::GoogleXml,
        FeedFormat::GoogleCsv,
        FeedFormat::TradetrackerXml,
        FeedFormat::Csv,
        FeedFormat::Xml,
        FeedFormat::Json,
        FeedFormat::Ndjson,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FeedFormat::AdtractionXml => "adtraction-xml",
            FeedFormat::AdtractionCsv => "adtraction-csv",
            FeedFormat::AdtractionJson => "adtraction-json",
            FeedFormat::PartnerboostJson => "partnerboost-json",
            FeedFormat::PartnerboostXml => "partnerboost-xml",
            FeedFormat::AwinCsv => "awin-csv",
            FeedFormat::GoogleXml => "google-xml",
            FeedFormat::GoogleCsv => "google-csv",
            FeedFormat::TradetrackerXml => "tradetracker-xml",
            FeedFormat::Csv => "csv",
            FeedFormat::Xml => "xml",
            FeedFormat::Json => "json",
            FeedFormat::Ndjson => "ndjson",
        }
    }

    pub fn network(self) -> Network {
        match self {
            FeedFormat::AdtractionXml | FeedFormat::AdtractionCsv | FeedFormat::AdtractionJson => {
                Network::Adtraction
            }
            FeedFormat::PartnerboostJson | FeedFormat::PartnerboostXml => Network::Partnerboost,
            FeedFormat::AwinCsv => Network::Awin,
            FeedFormat::GoogleXml | FeedFormat::GoogleCsv => Network::Google,
            FeedFormat::TradetrackerXml => Network::Tradetracker,
            FeedFormat::Csv | FeedFormat::Xml | FeedFormat::Json | FeedFormat::Ndjson => {
                Network::Generic
            }
        }
    }

    /// The syntax to read; `record` (`--record NAME`) overrides the record element or array key.
    pub fn syntax(self, record: Option<&str>) -> Syntax {
        let xml = |default: &[&str]| Syntax::Xml {
            record_elements: match record {
                Some(name) => vec![name.to_string()],
                None => default.iter().map(|s| s.to_string()).collect(),
            },
        };
        let json = |default: Option<&str>| Syntax::Json {
            record_key: record.or(default).map(str::to_string),
        };
        match self {
            FeedFormat::AdtractionXml => xml(&["product", "item"]),
            FeedFormat::PartnerboostXml => xml(&["item"]),
            FeedFormat::GoogleXml => xml(&["item", "entry"]),
            FeedFormat::TradetrackerXml => xml(&["product"]),
            FeedFormat::Xml => xml(&[]),
            FeedFormat::AdtractionCsv => Syntax::Csv {
                quote: b'\'',
                delimiter: None,
            },
            FeedFormat::AwinCsv | FeedFormat::GoogleCsv | FeedFormat::Csv => Syntax::Csv {
                quote: b'"',
                delimiter: None,
            },
            FeedFormat::AdtractionJson => json(None),
            FeedFormat::PartnerboostJson => json(Some("list")),
            FeedFormat::Json => json(None),
            FeedFormat::Ndjson => Syntax::Ndjson,
        }
    }

    fn table(self) -> &'static [Candidates] {
        match self.network() {
            Network::Adtraction => profiles::ADTRACTION,
            Network::Partnerboost => profiles::PARTNERBOOST,
            Network::Awin => profiles::AWIN,
            Network::Google => profiles::GOOGLE,
            Network::Tradetracker => profiles::TRADETRACKER,
            Network::Generic => profiles::GENERIC,
        }
    }

    pub fn mapping(self) -> Mapping {
        Mapping::from_table(self.table())
    }
}

impl fmt::Display for FeedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FeedFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FeedFormat::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = FeedFormat::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown format {s:?}; expected auto or one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Written and read as its name (`"google-xml"`), as in the sources file and the fetch cache.
impl serde::Serialize for FeedFormat {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for FeedFormat {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::FeedFormat;

    #[test]
    fn formats_are_written_and_read_as_their_names() -> Result<(), serde_json::Error> {
        assert_eq!(
            serde_json::to_string(&FeedFormat::GoogleXml)?,
            "\"google-xml\""
        );
        for format in FeedFormat::ALL {
            let written = serde_json::to_string(&format)?;
            assert_eq!(serde_json::from_str::<FeedFormat>(&written)?, format);
        }
        let unknown = serde_json::from_str::<FeedFormat>("\"yaml\"");
        assert!(unknown.is_err_and(|err| err.to_string().contains("unknown format \"yaml\"")));
        Ok(())
    }
}
