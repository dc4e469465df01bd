//! [`GenFormat`]: the feed formats the generator writes, named as `feedmill normalize --format`
//! names them, and the [`FeedFormat`] that reads each.

use feedmill_formats::FeedFormat;
use std::fmt;
use std::str::FromStr;

/// The feed formats the generator writes; the names match `feedmill normalize --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GenFormat {
    GoogleXml,
    AwinCsv,
    AdtractionXml,
    PartnerboostJson,
}

impl GenFormat {
    pub const ALL: [GenFormat; 4] = [
        GenFormat::GoogleXml,
        GenFormat::AwinCsv,
        GenFormat::AdtractionXml,
        GenFormat::PartnerboostJson,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GenFormat::GoogleXml => "google-xml",
            GenFormat::AwinCsv => "awin-csv",
            GenFormat::AdtractionXml => "adtraction-xml",
            GenFormat::PartnerboostJson => "partnerboost-json",
        }
    }
}

/// The `--format` that reads what the generator writes in this format.
impl From<GenFormat> for FeedFormat {
    fn from(format: GenFormat) -> FeedFormat {
        match format {
            GenFormat::GoogleXml => FeedFormat::GoogleXml,
            GenFormat::AwinCsv => FeedFormat::AwinCsv,
            GenFormat::AdtractionXml => FeedFormat::AdtractionXml,
            GenFormat::PartnerboostJson => FeedFormat::PartnerboostJson,
        }
    }
}

impl fmt::Display for GenFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for GenFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GenFormat::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = GenFormat::ALL.iter().map(|f| f.name()).collect();
                format!("unknown format {s:?}; expected one of {}", names.join(", "))
            })
    }
}
