//! The `[[network_account]]` and `[transactions]` sections of the sources file: which network
//! accounts' transaction reports are pulled, and how far back and how often.
//!
//! ```toml
//! [transactions]
//! days = 30          # the trailing window re-pulled on every sync (statuses change late)
//! every = "1h"       # how often `feedmill serve` syncs; absent: only `feedmill transactions sync`
//!
//! [[network_account]]
//! name = "awin-main"
//! network = "awin"               # partnerboost | adtraction | awin
//! token_env = "AWIN_API_TOKEN"   # the variable that holds the token, never the token
//! publisher_id = 123456          # awin only
//! # base_url = "http://127.0.0.1:9000"   # the simulator; default: the network's API
//! # channel_id = 1175982945              # adtraction only: the segment of commission rates
//! # commission_programs = [629059552]    # adtraction only: programs whose commissions are read
//! ```
//! Parsed strictly as the sources are: unknown keys and keys of another network are errors.

use crate::source_config::parse_interval;
use feedmill_model::Network;
use serde::Deserialize;
use std::collections::HashSet;
use std::time::Duration;

pub const PARTNERBOOST_API_URL: &str = "https://app.partnerboost.com";
/// Adtraction's API host; the transaction report is under `/v2`, commission types under `/v3`.
pub const ADTRACTION_API_URL: &str = "https://api.adtraction.net";
pub const AWIN_API_URL: &str = "https://api.awin.com";
/// The trailing window re-pulled by default: statuses move for weeks after a sale.
pub const DEFAULT_SYNC_DAYS: u32 = 30;
/// The longest window a sync may re-pull.
pub const MAX_SYNC_DAYS: u32 = 366;

/// One network account whose transactions are synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAccount {
    pub name: String,
    pub token_env: String,
    pub base_url: String,
    pub network: AccountNetwork,
}

/// The network of an account, with what only that network needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountNetwork {
    Partnerboost,
    Adtraction {
        channel_id: Option<u64>,
        commission_programs: Vec<u64>,
    },
    Awin {
        publisher_id: u64,
    },
}

impl NetworkAccount {
    pub fn network(&self) -> Network {
        match self.network {
            AccountNetwork::Partnerboost => Network::Partnerboost,
            AccountNetwork::Adtraction { .. } => Network::Adtraction,
            AccountNetwork::Awin { .. } => Network::Awin,
        }
    }

    /// `network/name`, as errors and logs name the account.
    pub fn label(&self) -> String {
        format!("{}/{}", self.network().as_str(), self.name)
    }
}

/// The `[transactions]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransactionSyncConfig {
    /// Days re-pulled on every sync, ending now.
    pub days: u32,
    /// How often `serve` syncs; `None`: never on its own.
    pub every: Option<Duration>,
}

impl Default for TransactionSyncConfig {
    fn default() -> Self {
        TransactionSyncConfig {
            days: DEFAULT_SYNC_DAYS,
            every: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTransactionSync {
    days: Option<u32>,
    every: Option<String>,
}

impl RawTransactionSync {
    pub(crate) fn validate(self) -> Result<TransactionSyncConfig, String> {
        let days = self.days.unwrap_or(DEFAULT_SYNC_DAYS);
        if days == 0 || days > MAX_SYNC_DAYS {
            return Err(format!("days must be 1 to {MAX_SYNC_DAYS}, got {days}"));
        }
        let every = self.every.as_deref().map(parse_interval).transpose()?;
        Ok(TransactionSyncConfig { days, every })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetworkAccount {
    pub(crate) name: String,
    network: String,
    token_env: Option<String>,
    base_url: Option<String>,
    publisher_id: Option<u64>,
    channel_id: Option<u64>,
    commission_programs: Option<Vec<u64>>,
}

/// Validates every account; names must be unique. Errors name the account.
pub(crate) fn validate_accounts(
    raw: Vec<RawNetworkAccount>,
) -> Result<Vec<NetworkAccount>, (String, String)> {
    let mut names = HashSet::new();
    let mut accounts = Vec::with_capacity(raw.len());
    for account in raw {
        let name = account.name.clone();
        if !names.insert(name.clone()) {
            return Err((name, "two network accounts have this name".into()));
        }
        accounts.push(account.validate().map_err(|message| (name, message))?);
    }
    Ok(accounts)
}

impl RawNetworkAccount {
    fn validate(self) -> Result<NetworkAccount, String> {
        if self.name.trim().is_empty() {
            return Err("name must not be empty".into());
        }
        let token_env = match self.token_env {
            Some(var) if !var.trim().is_empty() => var,
            _ => return Err("needs token_env (the environment variable holding the token)".into()),
        };
        let only = |key: &str, set: bool, network: &str| -> Result<(), String> {
            match set && self.network != network {
                true => Err(format!("{key} applies to {network} accounts only")),
                false => Ok(()),
            }
        };
        only("publisher_id", self.publisher_id.is_some(), "awin")?;
        only("channel_id", self.channel_id.is_some(), "adtraction")?;
        only(
            "commission_programs",
            self.commission_programs.is_some(),
            "adtraction",
        )?;
        let (network, default_url) = match self.network.as_str() {
            "partnerboost" => (AccountNetwork::Partnerboost, PARTNERBOOST_API_URL),
            "adtraction" => (
                AccountNetwork::Adtraction {
                    channel_id: self.channel_id,
                    commission_programs: self.commission_programs.unwrap_or_default(),
                },
                ADTRACTION_API_URL,
            ),
            "awin" => {
                let publisher_id = self.publisher_id.ok_or("awin accounts need publisher_id")?;
                (AccountNetwork::Awin { publisher_id }, AWIN_API_URL)
            }
            other => {
                return Err(format!(
                    "unknown network {other:?}; expected partnerboost, adtraction or awin"
                ));
            }
        };
        let base_url = match self.base_url {
            Some(url) => checked_base_url(&url)?,
            None => default_url.to_string(),
        };
        Ok(NetworkAccount {
            name: self.name,
            token_env,
            base_url,
            network,
        })
    }
}

fn checked_base_url(text: &str) -> Result<String, String> {
    let parsed =
        url::Url::parse(text).map_err(|err| format!("base_url {text:?} is not a url: {err}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("base_url must be http or https, got {text:?}"));
    }
    Ok(text.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeedConfig;
    use std::path::Path;

    fn parse(text: &str) -> Result<FeedConfig, String> {
        FeedConfig::from_toml_str(text, Path::new(".")).map_err(|e| e.to_string())
    }

    #[test]
    fn accounts_and_the_sync_section_are_read() -> Result<(), String> {
        let config = parse(
            r#"
            [transactions]
            days = 45
            every = "1h"

            [[network_account]]
            name = "awin-main"
            network = "awin"
            token_env = "AWIN_API_TOKEN"
            publisher_id = 123456

            [[network_account]]
            name = "adt"
            network = "adtraction"
            token_env = "ADTRACTION_TOKEN"
            base_url = "http://127.0.0.1:9000/"
            channel_id = 1175982945
            commission_programs = [629059552]
            "#,
        )?;
        assert_eq!(config.transaction_sync.days, 45);
        assert_eq!(
            config.transaction_sync.every,
            Some(Duration::from_secs(3600))
        );
        let awin = &config.network_accounts[0];
        assert_eq!(
            awin.network,
            AccountNetwork::Awin {
                publisher_id: 123_456
            }
        );
        assert_eq!(
            (awin.base_url.as_str(), awin.label()),
            (AWIN_API_URL, "awin/awin-main".into())
        );
        let adtraction = &config.network_accounts[1];
        assert_eq!(adtraction.base_url, "http://127.0.0.1:9000");
        assert_eq!(
            adtraction.network,
            AccountNetwork::Adtraction {
                channel_id: Some(1_175_982_945),
                commission_programs: vec![629_059_552]
            }
        );
        let defaults = parse("")?;
        assert_eq!(defaults.transaction_sync, TransactionSyncConfig::default());
        assert!(defaults.network_accounts.is_empty());
        Ok(())
    }

    #[test]
    fn a_bad_account_is_refused_with_its_name() {
        let cases = [
            (
                "name = \"a\"\nnetwork = \"awin\"\ntoken_env = \"T\"",
                "network account \"a\": awin accounts need publisher_id",
            ),
            (
                "name = \"a\"\nnetwork = \"partnerboost\"",
                "network account \"a\": needs token_env (the environment variable holding the token)",
            ),
            (
                "name = \"a\"\nnetwork = \"partnerboost\"\ntoken_env = \"T\"\npublisher_id = 1",
                "network account \"a\": publisher_id applies to awin accounts only",
            ),
            (
                "name = \"a\"\nnetwork = \"tradedoubler\"\ntoken_env = \"T\"",
                "network account \"a\": unknown network \"tradedoubler\"; expected partnerboost, adtraction or awin",
            ),
            (
                "name = \"a\"\nnetwork = \"partnerboost\"\ntoken_env = \"T\"\nbase_url = \"ftp://x\"",
                "network account \"a\": base_url must be http or https, got \"ftp://x\"",
            ),
        ];
        for (account, expected) in cases {
            let text = format!("[[network_account]]\n{account}\n");
            assert_eq!(parse(&text).err().as_deref(), Some(expected), "{account}");
        }
        let unknown =
            parse("[[network_account]]\nname = \"a\"\nnetwork = \"awin\"\ntoken = \"secret\"\n");
        assert!(unknown.is_err_and(|e| e.contains("unknown field `token`")));
        let twice =
            "[[network_account]]\nname = \"a\"\nnetwork = \"partnerboost\"\ntoken_env = \"T\"\n";
        assert!(parse(&twice.repeat(2)).is_err_and(|e| e.contains("two network accounts")));
        assert_eq!(
            parse("[transactions]\ndays = 0\n").err().as_deref(),
            Some("[transactions]: days must be 1 to 366, got 0")
        );
    }
}
