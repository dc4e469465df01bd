//! `[[program]]`: the programs that may send conversion postbacks to `feedmill serve`
//! (`/api/postback/{id}`), each with its default currency and the environment variable that
//! holds its postback key.
//!
//! ```toml
//! [[program]]
//! id = "ulike-pl"              # the {program_id} of the postback URL
//! source = "ulike"             # optional: the [[source]] whose offers the program sells
//! network = "partnerboost"     # optional: the affiliate network, for reports
//! currency = "PLN"             # postbacks that name no currency are in this one
//! commission = "8.5%"          # optional: our share of each sale's amount, for EPC
//! key_env = "ULIKE_POSTBACK_KEY"
//! previous_key_env = "ULIKE_POSTBACK_KEY_OLD"  # optional: honoured during a rotation
//! ```
//! The key itself never sits in the file: it is in an environment variable (`key_env`) or in
//! a secret file of its own (`key_file`, e.g. a mounted `/run/secrets/...`; a relative path
//! resolves against the config's folder), and likewise `previous_key_env` / `previous_key_file`.
//! Keys are read when the config is (re)loaded ([`ProgramConfig::keys`]). A running process
//! cannot be handed a new environment, so rotating without a restart means either naming
//! another variable the process already has or, simpler, replacing the secret file; then
//! `SIGHUP` (or the operator's reload) makes the new key the only one.
//!
//! `commission` is what the program pays per sale as a percentage of the sale's amount (a
//! string, so no float stands between the config and the exact figure). With it, a postback
//! that reports a sale stores its commission, and EPC and the commission columns of the
//! earnings reports count postback sales too; without it, a postback's commission is unknown
//! until a network transaction reports one.

use feedmill_model::{Currency, Network};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Longest program id (a postback field is at most 255 characters).
const MAX_PROGRAM_ID_CHARS: usize = 255;

/// A validated `[[program]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramConfig {
    pub id: String,
    pub source: Option<String>,
    pub network: Option<Network>,
    pub currency: Currency,
    /// The commission per sale, in percent of its amount (`8.5` for `"8.5%"`).
    pub commission_percent: Option<Decimal>,
    /// Where the current postback key is.
    pub key: KeySource,
    /// Where the key being rotated out is, still accepted until it is removed from the config
    /// and the config reloaded.
    pub previous_key: Option<KeySource>,
}

/// Where a key is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// An environment variable of this name.
    Env(String),
    /// A file holding the key (surrounding whitespace and the final newline are not part of it).
    File(PathBuf),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env(name) => write!(f, "environment variable {name}"),
            KeySource::File(path) => write!(f, "key file {}", path.display()),
        }
    }
}

/// A program key that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "postback program \"{id}\": {source_of_key} holding its key is not set, unreadable or empty"
)]
pub struct ProgramKeyError {
    pub id: String,
    pub source_of_key: KeySource,
}

impl ProgramConfig {
    /// The program's keys, current first; environment variables are looked up with `env`
    /// (`std::env::var` in the binary), files read now. A key that is unset, unreadable or
    /// empty is an error, never a program without a key.
    pub fn keys(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<String>, ProgramKeyError> {
        let sources = std::iter::once(&self.key).chain(self.previous_key.as_ref());
        let mut keys = Vec::new();
        for source in sources {
            let key = match source {
                KeySource::Env(name) => env(name),
                KeySource::File(path) => std::fs::read_to_string(path)
                    .ok()
                    .map(|text| text.trim().to_owned()),
            };
            keys.push(
                key.filter(|key| !key.is_empty())
                    .ok_or_else(|| ProgramKeyError {
                        id: self.id.clone(),
                        source_of_key: source.clone(),
                    })?,
            );
        }
        Ok(keys)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProgram {
    pub(crate) id: String,
    source: Option<String>,
    network: Option<String>,
    currency: String,
    commission: Option<String>,
    key_env: Option<String>,
    key_file: Option<String>,
    previous_key_env: Option<String>,
    previous_key_file: Option<String>,
}

impl RawProgram {
    /// Validates the program; `source_names` are the configured sources, relative key files
    /// resolve against `base_dir`.
    pub(crate) fn validate(
        self,
        source_names: &[&str],
        base_dir: &Path,
    ) -> Result<ProgramConfig, String> {
        let id_ok = !self.id.is_empty()
            && self.id.chars().count() <= MAX_PROGRAM_ID_CHARS
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !id_ok {
            return Err("id must be 1 to 255 letters, digits, '-', '_' or '.'".into());
        }
        if let Some(source) = &self.source
            && !source_names.contains(&source.as_str())
        {
            return Err(format!("source {source:?} is not a configured [[source]]"));
        }
        let network = self
            .network
            .as_deref()
            .map(str::parse::<Network>)
            .transpose()?;
        let currency = Currency::parse(&self.currency)
            .ok()
            .filter(|currency| currency.code() == self.currency)
            .ok_or_else(|| {
                format!(
                    "currency must be an ISO-4217 code like \"PLN\", got {:?}",
                    self.currency
                )
            })?;
        let commission_percent = self.commission.as_deref().map(percent).transpose()?;
        let key = key_source("key", self.key_env, self.key_file, base_dir)?
            .ok_or("needs key_env (or key_file) naming where its postback key is")?;
        let previous_key = key_source(
            "previous_key",
            self.previous_key_env,
            self.previous_key_file,
            base_dir,
        )?;
        if previous_key.as_ref() == Some(&key) {
            return Err("the previous key must be kept elsewhere than the current one".into());
        }
        Ok(ProgramConfig {
            id: self.id,
            source: self.source,
            network,
            currency,
            commission_percent,
            key,
            previous_key,
        })
    }
}

/// `"8.5%"` as `8.5`: a percentage above 0 and at most 100, with at most 4 decimals.
fn percent(text: &str) -> Result<Decimal, String> {
    let refused =
        || format!("commission must be a percentage of the sale such as \"8.5%\", got {text:?}");
    let number = text
        .trim()
        .strip_suffix('%')
        .ok_or_else(refused)?
        .trim_end();
    let value = Decimal::from_str(number).map_err(|_| refused())?;
    let in_range = value > Decimal::ZERO && value <= Decimal::ONE_HUNDRED && value.scale() <= 4;
    if !in_range {
        return Err(refused());
    }
    Ok(value)
}

/// `{prefix}_env` or `{prefix}_file`, at most one of them.
fn key_source(
    prefix: &str,
    env: Option<String>,
    file: Option<String>,
    base_dir: &Path,
) -> Result<Option<KeySource>, String> {
    match (env, file) {
        (Some(_), Some(_)) => Err(format!("takes {prefix}_env or {prefix}_file, not both")),
        (Some(name), None) => {
            env_name(&format!("{prefix}_env"), &name)?;
            Ok(Some(KeySource::Env(name)))
        }
        (None, Some(path)) if path.trim().is_empty() => {
            Err(format!("{prefix}_file must be a path"))
        }
        (None, Some(path)) => Ok(Some(KeySource::File(base_dir.join(path)))),
        (None, None) => Ok(None),
    }
}

fn env_name(key: &str, name: &str) -> Result<(), String> {
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        return Ok(());
    }
    Err(format!(
        "{key} must name an environment variable (like \"SHOP_POSTBACK_KEY\"), got {name:?}; \
         never put the key itself in the config"
    ))
}

#[cfg(test)]
mod tests {
    use crate::config::{ConfigError, FeedConfig};
    use std::path::Path;

    const SOURCE: &str = "[[source]]\nname = \"ulike\"\nnetwork = \"file\"\npath = \"u.json\"\n";

    fn parse(programs: &str) -> Result<FeedConfig, ConfigError> {
        FeedConfig::from_toml_str(&format!("{SOURCE}{programs}"), Path::new("."))
    }

    fn refusal(programs: &str) -> String {
        parse(programs)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_program_section_is_parsed_and_its_keys_come_from_the_environment()
    -> Result<(), Box<dyn std::error::Error>> {
        let config = parse(
            r#"
[[program]]
id = "ulike-pl"
source = "ulike"
network = "partnerboost"
currency = "PLN"
key_env = "ULIKE_KEY"
previous_key_env = "ULIKE_KEY_OLD"

[[program]]
id = "shop.se"
currency = "SEK"
key_env = "SHOP_KEY"
commission = "8.5%"
"#,
        )?;
        assert_eq!(config.programs.len(), 2);
        let ulike = &config.programs[0];
        assert_eq!(ulike.id, "ulike-pl");
        assert_eq!(ulike.currency.code(), "PLN");
        assert_eq!(ulike.network, Some(feedmill_model::Network::Partnerboost));
        assert_eq!(ulike.commission_percent, None);
        let percent = config.programs[1].commission_percent;
        assert_eq!(percent, Some(rust_decimal::Decimal::new(85, 1)));
        let env = |name: &str| match name {
            "ULIKE_KEY" => Some("new".to_owned()),
            "ULIKE_KEY_OLD" => Some("old".to_owned()),
            _ => None,
        };
        assert_eq!(ulike.keys(env)?, ["new", "old"]);
        let missing = config.programs[1].keys(env).err().map(|e| e.to_string());
        assert_eq!(
            missing.as_deref(),
            Some(
                "postback program \"shop.se\": environment variable SHOP_KEY holding its key is not set, unreadable or empty"
            )
        );
        let empty = config.programs[1].keys(|_| Some(String::new()));
        assert!(empty.is_err(), "an empty key is no key");
        Ok(())
    }

    #[test]
    fn a_key_file_is_read_at_every_load() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let text = "[[program]]\nid = \"p\"\ncurrency = \"PLN\"\nkey_file = \"p.key\"\n";
        let config = FeedConfig::from_toml_str(text, dir.path())?;
        let program = &config.programs[0];
        assert!(program.keys(|_| None).is_err(), "no file yet");
        std::fs::write(dir.path().join("p.key"), "sk_first\n")?;
        assert_eq!(program.keys(|_| None)?, ["sk_first"]);
        std::fs::write(dir.path().join("p.key"), "sk_second\n")?;
        assert_eq!(program.keys(|_| None)?, ["sk_second"], "a rotated file");
        Ok(())
    }

    #[test]
    fn bad_program_sections_are_refused_with_their_reason() {
        let program = |extra: &str| {
            format!("[[program]]\nid = \"p\"\ncurrency = \"PLN\"\nkey_env = \"K\"\n{extra}")
        };
        assert!(refusal(&program("key = \"sk_live\"")).contains("unknown field `key`"));
        assert!(refusal(&program("source = \"nope\"")).contains("not a configured [[source]]"));
        assert!(refusal(&program("network = \"ebay\"")).contains("program \"p\""));
        assert!(refusal(&program("previous_key_env = \"K\"")).contains("elsewhere"));
        assert!(refusal(&program("key_file = \"k\"")).contains("not both"));
        for bad in ["8.5", "0%", "101%", "-1%", "x%", "1.00001%"] {
            let text = program(&format!("commission = \"{bad}\""));
            assert!(
                refusal(&text).contains("commission must be a percentage"),
                "{bad}"
            );
        }
        assert!(refusal(&program("commission = 8.5")).contains("commission"));
        let bad_currency = "[[program]]\nid = \"p\"\ncurrency = \"pln\"\nkey_env = \"K\"\n";
        assert!(refusal(bad_currency).contains("ISO-4217"));
        let secret = "[[program]]\nid = \"p\"\ncurrency = \"PLN\"\nkey_env = \"sk-live-1\"\n";
        assert!(refusal(secret).contains("never put the key itself"));
        let bad_id = "[[program]]\nid = \"a/b\"\ncurrency = \"PLN\"\nkey_env = \"K\"\n";
        assert!(refusal(bad_id).contains("id must be"));
        let no_key = "[[program]]\nid = \"p\"\ncurrency = \"PLN\"\n";
        assert!(refusal(no_key).contains("needs key_env"));
        let twice = format!("{}{}", program(""), program(""));
        assert!(matches!(
            parse(&twice),
            Err(ConfigError::DuplicateProgram { .. })
        ));
    }
}
