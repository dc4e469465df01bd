//! Suite: commission rules of network programs.

use super::{currency, day, dec};
use crate::commission::{CategoryRate, CommissionRule, CommissionThreshold, CommissionValue};
use crate::error::StoreResult;
use crate::store::Store;
use feedmill_model::Network;

fn rule(id: &str, percent: &str) -> CommissionRule {
    CommissionRule {
        id: id.into(),
        name: format!("Sale {id}"),
        transaction_type: Some(3),
        value: CommissionValue::Percent {
            percent: dec(percent),
        },
        categories: vec![CategoryRate {
            category: "Books".into(),
            value: CommissionValue::Percent {
                percent: dec("4.5"),
            },
        }],
        thresholds: vec![CommissionThreshold {
            order_value: dec("1500"),
            value: CommissionValue::Fixed {
                amount: dec("7.50"),
                currency: currency("SEK"),
            },
        }],
    }
}

pub(crate) fn commission_rules_are_replaced_per_program(store: &impl Store) -> StoreResult<()> {
    store.replace_commissions(
        Network::Adtraction,
        "100",
        &[rule("a", "10"), rule("b", "5")],
        day(1),
    )?;
    store.replace_commissions(Network::Adtraction, "200", &[rule("c", "3")], day(1))?;
    store.replace_commissions(Network::Adtraction, "100", &[rule("d", "8")], day(2))?;
    let ids: Vec<String> = store
        .commissions(Network::Adtraction, "100")?
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["d"], "a type the network no longer lists is gone");
    assert!(
        store.commissions(Network::Awin, "100")?.is_empty(),
        "per network"
    );
    let all = store.all_commissions()?;
    let programs: Vec<(&str, usize)> = all
        .iter()
        .map(|p| (p.program_id.as_str(), p.rules.len()))
        .collect();
    assert_eq!(programs, [("100", 1), ("200", 1)]);
    store.replace_commissions(Network::Adtraction, "200", &[], day(3))?;
    assert_eq!(
        store.all_commissions()?.len(),
        1,
        "an empty list clears a program"
    );
    Ok(())
}

pub(crate) fn commission_rules_keep_exact_values(store: &impl Store) -> StoreResult<()> {
    let stored = rule("x", "11.25");
    store.replace_commissions(
        Network::Adtraction,
        "300",
        std::slice::from_ref(&stored),
        day(1),
    )?;
    let read = store.commissions(Network::Adtraction, "300")?;
    assert_eq!(read, [stored]);
    let CommissionValue::Fixed { amount, .. } = &read[0].thresholds[0].value else {
        panic!("a fixed threshold");
    };
    assert_eq!(amount.to_string(), "7.50");
    Ok(())
}
