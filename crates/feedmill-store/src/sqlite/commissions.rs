//! Commission rules in SQLite: one row per commission type of a program, replaced per program.
//!
//! A rule (its value, category rates and thresholds) is kept as one JSON text with every
//! decimal as a string: rules are read whole and applied in memory, never summed by SQL, so
//! a column per nested field would buy nothing; the decimals stay exact.

use super::SqliteStore;
use crate::commission::{CommissionRule, ProgramCommissions};
use crate::commission_store::CommissionStore;
use crate::error::{StoreError, StoreResult};
use crate::stored::time_to_stored;
use chrono::{DateTime, Utc};
use feedmill_model::Network;
use rusqlite::params;

/// The table, a migration of its own.
pub(crate) const SCHEMA_COMMISSIONS: &str = "
CREATE TABLE commission_rules (
    network     TEXT NOT NULL,
    program_id  TEXT NOT NULL,
    position    INTEGER NOT NULL,
    rule_json   TEXT NOT NULL,
    fetched_us  INTEGER NOT NULL,
    PRIMARY KEY (network, program_id, position)
) WITHOUT ROWID;
";

impl CommissionStore for SqliteStore {
    fn replace_commissions(
        &self,
        network: Network,
        program_id: &str,
        rules: &[CommissionRule],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut encoded = Vec::with_capacity(rules.len());
        for rule in rules {
            encoded.push(serde_json::to_string(rule).map_err(|err| corrupt(err.to_string()))?);
        }
        let program_id = program_id.to_string();
        let now_us = time_to_stored(now);
        self.write(move |connection| {
            connection
                .prepare_cached("DELETE FROM commission_rules WHERE network = ?1 AND program_id = ?2")?
                .execute(params![network.as_str(), program_id])?;
            let mut insert = connection.prepare_cached(
                "INSERT INTO commission_rules (network, program_id, position, rule_json, fetched_us) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (position, json) in encoded.iter().enumerate() {
                let position = i64::try_from(position).unwrap_or(i64::MAX);
                insert.execute(params![network.as_str(), program_id, position, json, now_us])?;
            }
            Ok(())
        })
    }

    fn commissions(&self, network: Network, program_id: &str) -> StoreResult<Vec<CommissionRule>> {
        let programs = self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT network, program_id, rule_json FROM commission_rules \
                 WHERE network = ?1 AND program_id = ?2 ORDER BY position",
            )?;
            collect(statement.query(params![network.as_str(), program_id])?)
        })?;
        Ok(programs.into_iter().flat_map(|p| p.rules).collect())
    }

    fn all_commissions(&self) -> StoreResult<Vec<ProgramCommissions>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT network, program_id, rule_json FROM commission_rules \
                 ORDER BY network, program_id, position",
            )?;
            collect(statement.query([])?)
        })
    }
}

/// Rows ordered by program, folded into one [`ProgramCommissions`] per program.
fn collect(mut rows: rusqlite::Rows<'_>) -> StoreResult<Vec<ProgramCommissions>> {
    let mut programs: Vec<ProgramCommissions> = Vec::new();
    while let Some(row) = rows.next()? {
        let network = super::rows::network(row, "network")?;
        let program_id: String = row.get("program_id")?;
        let json: String = row.get("rule_json")?;
        let rule: CommissionRule = serde_json::from_str(&json).map_err(|_| corrupt(json))?;
        match programs.last_mut() {
            Some(last) if last.network == network && last.program_id == program_id => {
                last.rules.push(rule);
            }
            _ => programs.push(ProgramCommissions {
                network,
                program_id,
                rules: vec![rule],
            }),
        }
    }
    Ok(programs)
}

fn corrupt(value: String) -> StoreError {
    StoreError::Corrupt {
        column: "rule_json",
        value,
    }
}
