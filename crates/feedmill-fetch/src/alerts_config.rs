//! [`AlertsConfig`]: the `[alerts]` section of the sources file, for price alerts.
//!
//! ```toml
//! [alerts]
//! # Let alert callbacks reach loopback, private, link-local and other non-public addresses
//! # (a receiver on the operator's own network). Off by default: SSRF protection.
//! allow_private_callbacks = false
//! ```

use serde::Deserialize;

/// Settings of price alerts; every key is optional, unknown keys are refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    #[serde(default)]
    pub allow_private_callbacks: bool,
}

#[cfg(test)]
mod tests {
    use crate::FeedConfig;
    use std::path::Path;

    #[test]
    fn the_alerts_section_is_optional_and_strict() {
        let none = FeedConfig::from_toml_str("", Path::new("."));
        assert_eq!(
            none.map(|c| c.alerts.allow_private_callbacks).ok(),
            Some(false)
        );
        let on =
            FeedConfig::from_toml_str("[alerts]\nallow_private_callbacks = true\n", Path::new("."));
        assert_eq!(
            on.map(|c| c.alerts.allow_private_callbacks).ok(),
            Some(true)
        );
        let typo = FeedConfig::from_toml_str("[alerts]\nallow_private = true\n", Path::new("."));
        assert!(typo.is_err());
        let wrong =
            FeedConfig::from_toml_str("[alerts]\nallow_private_callbacks = 1\n", Path::new("."));
        assert!(wrong.is_err());
    }
}
