//! [`HistoryConfig`]: the `[history]` section of the sources file — whether ingests record
//! price history, and how many days of raw change points are kept.
//!
//! ```toml
//! [history]
//! enabled = true          # default; `--no-history` turns it off for one command
//! retention_days = 400    # default: raw change points older than this are pruned
//! ```

use serde::Deserialize;

/// Raw change points are kept this long by default (the store's default retention).
pub const DEFAULT_RETENTION_DAYS: u32 = 400;
/// Below the 30 days the EU rule looks back, the honest low could not be computed.
pub const MIN_RETENTION_DAYS: u32 = 31;

/// See the module doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistoryConfig {
    pub enabled: bool,
    pub retention_days: u32,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            enabled: true,
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

impl HistoryConfig {
    /// The section as read, checked.
    pub(crate) fn validated(self) -> Result<HistoryConfig, String> {
        if self.retention_days < MIN_RETENTION_DAYS {
            return Err(format!(
                "retention_days = {} is below {MIN_RETENTION_DAYS}: the 30-day low needs the \
                 30 days before a price",
                self.retention_days
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use crate::FeedConfig;
    use std::path::Path;

    #[test]
    fn the_history_section_is_optional_strict_and_checked() {
        let none = FeedConfig::from_toml_str("", Path::new("."));
        assert!(none.is_ok_and(|c| c.history.enabled && c.history.retention_days == 400));
        let off = FeedConfig::from_toml_str(
            "[history]\nenabled = false\nretention_days = 90\n",
            Path::new("."),
        );
        assert!(off.is_ok_and(|c| !c.history.enabled && c.history.retention_days == 90));
        for bad in [
            "[history]\nretention = 90\n",
            "[history]\nretention_days = 10\n",
            "[history]\nenabled = \"yes\"\n",
        ] {
            assert!(
                FeedConfig::from_toml_str(bad, Path::new(".")).is_err(),
                "{bad}"
            );
        }
    }
}
