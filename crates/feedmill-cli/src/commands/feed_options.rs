//! Turns the feed flags into validated [`FeedOptions`]: every mistake is a usage error.

use super::UsageError;
use crate::cli::FeedArgs;
use feedmill_formats::driver::FeedOptions;
use feedmill_formats::mapping::Field;
use feedmill_model::Currency;
use std::path::Path;

pub fn feed_options(args: &FeedArgs, path: &Path) -> Result<FeedOptions, UsageError> {
    let default_currency = args
        .currency
        .as_deref()
        .map(Currency::parse)
        .transpose()
        .map_err(|err| UsageError(format!("--currency: {err}")))?;
    let maps = args
        .maps
        .iter()
        .map(|pair| parse_map(pair))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FeedOptions {
        source: args.source.clone().unwrap_or_else(|| source_name(path)),
        format: args.format.0,
        record: args.record.clone(),
        maps,
        default_currency,
    })
}

/// `title=produktnavn` → (Field::Title, "produktnavn").
fn parse_map(pair: &str) -> Result<(Field, String), UsageError> {
    let (field, key) = pair
        .split_once('=')
        .ok_or_else(|| UsageError(format!("--map {pair:?}: expected FIELD=KEY")))?;
    let field = Field::from_name(field).ok_or_else(|| {
        let names: Vec<&str> = Field::MAPPABLE.iter().map(|f| f.name()).collect();
        UsageError(format!(
            "--map {pair:?}: unknown field {field:?}; expected one of {}",
            names.join(", ")
        ))
    })?;
    if key.trim().is_empty() {
        return Err(UsageError(format!("--map {pair:?}: the feed key is empty")));
    }
    Ok((field, key.to_string()))
}

/// `feeds/boardstore.xml.gz` → `boardstore`; stdin → `stdin`.
pub fn source_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        return "stdin".into();
    }
    let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("feed");
    let stem = file.split('.').next().unwrap_or(file);
    if stem.is_empty() {
        "feed".into()
    } else {
        stem.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_drop_every_extension() {
        assert_eq!(
            source_name(Path::new("feeds/boardstore.xml.gz")),
            "boardstore"
        );
        assert_eq!(source_name(Path::new("-")), "stdin");
    }

    #[test]
    fn formats_parse_by_name_and_auto_detects() {
        use crate::cli::FormatArg;
        use feedmill_formats::FeedFormat;
        assert_eq!("auto".parse(), Ok(FormatArg(None)));
        assert_eq!("awin-csv".parse(), Ok(FormatArg(Some(FeedFormat::AwinCsv))));
        let unknown = "yaml".parse::<FormatArg>();
        assert!(
            unknown.is_err_and(|err| err.starts_with("unknown format \"yaml\"; expected auto"))
        );
    }

    #[test]
    fn maps_parse_and_reject_unknown_fields() {
        assert!(
            matches!(parse_map("title=produktnavn"), Ok((Field::Title, key)) if key == "produktnavn")
        );
        assert!(parse_map("titel=x").is_err());
        assert!(parse_map("title").is_err());
    }
}
