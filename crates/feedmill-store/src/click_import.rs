//! Reading an old NDJSON click log (the lines the API's click log appends) into clicks.
//!
//! A logged line has no click id, so its id is derived: the first 16 bytes of SHA-256 over the
//! line's number and text. Importing the same log again derives the same ids and the store
//! skips them, so the import is idempotent (and a log that grew since is topped up); two equal
//! clicks on different lines stay two clicks. A line that does not parse — typically the last
//! one, cut short by a crash — is reported with its number and reason, never skipped silently.

use crate::click::{Click, ClickId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A line of the log as the click log writes it.
#[derive(Debug, Deserialize)]
struct LoggedClick {
    time: DateTime<Utc>,
    offer_id: String,
    source: String,
    #[serde(default)]
    sub_id: Option<String>,
    #[serde(default)]
    sub_id_2: Option<String>,
    #[serde(default)]
    sub_id_3: Option<String>,
    #[serde(default)]
    referrer: Option<String>,
    destination: String,
}

/// A line that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedLine {
    pub line_number: u64,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub num_lines: u64,
    pub num_imported: u64,
    pub num_already_present: u64,
    pub num_malformed: u64,
    /// The first malformed lines (all are counted in `num_malformed`).
    pub malformed: Vec<MalformedLine>,
}

/// Malformed lines listed in a report; past this, only counted.
const MAX_MALFORMED_LISTED: usize = 100;

impl ImportReport {
    pub(crate) fn note_malformed(&mut self, line: MalformedLine) {
        self.num_malformed += 1;
        if self.malformed.len() < MAX_MALFORMED_LISTED {
            self.malformed.push(line);
        }
    }
}

/// The click on line `line_number` (1-based) of a log; `Ok(None)` for a blank line.
pub(crate) fn parse_logged_click(
    line_number: u64,
    line: &str,
) -> Result<Option<Click>, MalformedLine> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let logged: LoggedClick = serde_json::from_str(line).map_err(|err| MalformedLine {
        line_number,
        reason: err.to_string(),
    })?;
    Ok(Some(Click {
        click_id: derived_click_id(line_number, line),
        time: logged.time,
        offer_id: logged.offer_id,
        source: logged.source,
        network: None,
        merchant: None,
        sub_id: logged.sub_id,
        sub_id_2: logged.sub_id_2,
        sub_id_3: logged.sub_id_3,
        sub_id_4: None,
        sub_id_5: None,
        sub_id_6: None,
        referrer: logged.referrer,
        destination: logged.destination,
    }))
}

fn derived_click_id(line_number: u64, line: &str) -> ClickId {
    let mut hasher = Sha256::new();
    hasher.update(b"feedmill click log line\n");
    hasher.update(line_number.to_le_bytes());
    hasher.update(line.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    ClickId::from_bytes(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"time":"2026-01-02T03:04:05.123456789Z","offer_id":"o1","source":"shop","sub_id":"nl","destination":"https://t.example/?url=x"}"#;

    #[test]
    fn a_logged_line_becomes_a_click_with_a_stable_id() -> Result<(), MalformedLine> {
        let click = parse_logged_click(7, LINE)?;
        let again = parse_logged_click(7, LINE)?;
        let elsewhere = parse_logged_click(8, LINE)?;
        let (Some(click), Some(again), Some(elsewhere)) = (click, again, elsewhere) else {
            panic!("a complete line is a click");
        };
        assert_eq!(click.click_id, again.click_id);
        assert_ne!(click.click_id, elsewhere.click_id);
        assert_eq!(click.sub_id.as_deref(), Some("nl"));
        assert_eq!(click.offer_id, "o1");
        Ok(())
    }

    #[test]
    fn a_torn_line_is_reported_with_its_number() {
        let err = parse_logged_click(3, r#"{"time":"19"#).err();
        assert_eq!(err.map(|e| e.line_number), Some(3));
        assert!(matches!(parse_logged_click(4, "  "), Ok(None)));
    }
}
