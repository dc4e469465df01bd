//! [`CommissionBook`]: the programs' commission rules, in memory, for `expected_commission`.
//!
//! Search answers decorate every hit, so the rules are not read from the store per hit: the
//! book holds an immutable map, looked up by the offer's source (the program a configured
//! source belongs to), else by the offer's own network and program id. Whoever syncs the
//! rules ([`CommissionBook::replace`], `feedmill serve` after each transaction sync) swaps in
//! a new map; readers keep the one they took (an `Arc` clone under a short read lock).

use feedmill_model::{Network, Offer};
use feedmill_store::{CommissionRule, ExpectedCommission, ProgramCommissions, expected_commission};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

/// The rules the API applies; empty until the first [`CommissionBook::replace`].
#[derive(Debug, Default)]
pub struct CommissionBook {
    rules: RwLock<Arc<CommissionRules>>,
}

/// One immutable set of rules.
#[derive(Debug, Default)]
pub(crate) struct CommissionRules {
    by_source: HashMap<String, Arc<[CommissionRule]>>,
    by_program: HashMap<(Network, String), Arc<[CommissionRule]>>,
}

/// A configured source and the network program its offers belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceProgram {
    pub source: String,
    pub network: Network,
    pub program_id: String,
}

impl CommissionBook {
    /// Replaces every rule with `programs`' (as the store holds them); `sources` name the
    /// program of each configured source whose offers may not carry a program id.
    pub fn replace(&self, programs: Vec<ProgramCommissions>, sources: &[SourceProgram]) {
        let mut by_program = HashMap::with_capacity(programs.len());
        for program in programs {
            let rules: Arc<[CommissionRule]> = program.rules.into();
            by_program.insert((program.network, program.program_id), rules);
        }
        let by_source = sources
            .iter()
            .filter_map(|s| {
                let rules = by_program.get(&(s.network, s.program_id.clone()))?;
                Some((s.source.clone(), rules.clone()))
            })
            .collect();
        let next = Arc::new(CommissionRules {
            by_source,
            by_program,
        });
        *self.rules.write().unwrap_or_else(PoisonError::into_inner) = next;
    }

    /// The number of programs with rules.
    pub fn num_programs(&self) -> usize {
        self.snapshot().by_program.len()
    }

    pub(crate) fn snapshot(&self) -> Arc<CommissionRules> {
        self.rules
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl CommissionRules {
    /// What `offer` is expected to earn; `None` when its program has no known rules.
    pub(crate) fn expected(&self, offer: &Offer) -> Option<ExpectedCommission> {
        let rules = self.by_source.get(&offer.source).or_else(|| {
            let program = offer.program_id.as_ref()?;
            self.by_program.get(&(offer.network, program.clone()))
        })?;
        let steps: Vec<&str> = offer
            .category
            .as_deref()
            .map(|path| path.split('>').map(str::trim).collect())
            .unwrap_or_default();
        expected_commission(rules, offer.price, offer.currency, &steps)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testing::full_offer;
    use feedmill_model::Decimal;
    use feedmill_store::CommissionValue;

    pub(crate) fn ten_percent(network: Network, program_id: &str) -> ProgramCommissions {
        ProgramCommissions {
            network,
            program_id: program_id.into(),
            rules: vec![CommissionRule {
                id: "1".into(),
                name: "Sale".into(),
                transaction_type: Some(3),
                value: CommissionValue::Percent {
                    percent: Decimal::TEN,
                },
                categories: Vec::new(),
                thresholds: Vec::new(),
            }],
        }
    }

    /// An offer with rules writes every key the OpenAPI offer schema names, the expected
    /// commission as exact strings; one without leaves the field out.
    #[test]
    fn a_decorated_offer_writes_the_documented_keys() -> Result<(), Box<dyn std::error::Error>> {
        use crate::offer_links::{Decoration, priced_offer_json};
        let dir = tempfile::tempdir()?;
        let config = crate::ApiConfig::new("http://x.example", dir.path().join("c")).validated()?;
        let offer = crate::testing::full_priced_offer();
        let book = CommissionBook::default();
        let program = offer.offer.program_id.clone().unwrap_or_default();
        book.replace(vec![ten_percent(offer.offer.network, &program)], &[]);
        let ids = feedmill_links::SubIds::none();
        let rules = book.snapshot();
        let decoration = Decoration {
            config: &config,
            ids: &ids,
            commissions: &rules,
        };
        let json = priced_offer_json(decoration, &offer)?;
        let keys: std::collections::BTreeSet<String> = json
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(keys, crate::testing::full_offer_json_keys());
        assert_eq!(
            json["expected_commission"],
            serde_json::json!({"amount": "69.90", "currency": "SEK", "rule": "Sale: 10%"})
        );
        let none = CommissionRules::default();
        let bare = priced_offer_json(
            Decoration {
                commissions: &none,
                ..decoration
            },
            &offer,
        )?;
        assert!(bare.get("expected_commission").is_none());
        Ok(())
    }

    #[test]
    fn rules_are_found_by_source_else_by_the_offers_program() {
        let offer = full_offer();
        let book = CommissionBook::default();
        assert_eq!(book.snapshot().expected(&offer), None, "no rules yet");
        let source = SourceProgram {
            source: offer.source.clone(),
            network: Network::Adtraction,
            program_id: "77".into(),
        };
        book.replace(vec![ten_percent(Network::Adtraction, "77")], &[source]);
        let expected = book.snapshot().expected(&offer);
        let tenth = (offer.price / Decimal::TEN).round_dp(2);
        assert_eq!(expected.map(|e| e.amount), Some(tenth));

        let mut by_program = offer.clone();
        by_program.source = "elsewhere".into();
        let program = by_program.program_id.clone().unwrap_or_default();
        book.replace(vec![ten_percent(by_program.network, &program)], &[]);
        assert!(book.snapshot().expected(&by_program).is_some());
        assert_eq!(
            book.snapshot().expected(&offer),
            book.snapshot().expected(&by_program)
        );
        book.replace(Vec::new(), &[]);
        assert_eq!(
            book.snapshot().expected(&offer),
            None,
            "replaced, not merged"
        );
    }
}
