//! Commission rules on Postgres: one row per commission type of a program, each rule one JSON
//! text with its decimals as strings (exact), replaced per program, as in the SQLite store.

use super::{PostgresStore, rows};
use crate::commission::{CommissionRule, ProgramCommissions};
use crate::commission_store::CommissionStore;
use crate::error::{StoreError, StoreResult};
use crate::stored::time_to_stored;
use chrono::{DateTime, Utc};
use feedmill_model::Network;
use postgres::Row;

impl CommissionStore for PostgresStore {
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
        self.write(move |transaction| {
            transaction.execute(
                "DELETE FROM commission_rules WHERE network = $1 AND program_id = $2",
                &[&network.as_str(), &program_id],
            )?;
            let insert = transaction.prepare(
                "INSERT INTO commission_rules (network, program_id, position, rule_json, fetched_us) \
                 VALUES ($1, $2, $3, $4, $5)",
            )?;
            for (position, json) in encoded.iter().enumerate() {
                let position = i64::try_from(position).unwrap_or(i64::MAX);
                transaction.execute(
                    &insert,
                    &[&network.as_str(), &program_id, &position, json, &now_us],
                )?;
            }
            Ok(())
        })
    }

    fn commissions(&self, network: Network, program_id: &str) -> StoreResult<Vec<CommissionRule>> {
        let program_id = program_id.to_owned();
        let programs = self.read(move |transaction| {
            collect(&transaction.query(
                "SELECT network, program_id, rule_json FROM commission_rules \
                 WHERE network = $1 AND program_id = $2 ORDER BY position",
                &[&network.as_str(), &program_id],
            )?)
        })?;
        Ok(programs.into_iter().flat_map(|p| p.rules).collect())
    }

    fn all_commissions(&self) -> StoreResult<Vec<ProgramCommissions>> {
        self.read(|transaction| {
            collect(&transaction.query(
                "SELECT network, program_id, rule_json FROM commission_rules \
                 ORDER BY network COLLATE \"C\", program_id COLLATE \"C\", position",
                &[],
            )?)
        })
    }
}

/// Rows ordered by program, folded into one [`ProgramCommissions`] per program.
fn collect(found: &[Row]) -> StoreResult<Vec<ProgramCommissions>> {
    let mut programs: Vec<ProgramCommissions> = Vec::new();
    for row in found {
        let network = rows::network(row, "network")?;
        let program_id: String = rows::get(row, "program_id")?;
        let json: String = rows::get(row, "rule_json")?;
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
