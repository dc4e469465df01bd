//! Commission rules of network programs, and the commission an offer can be expected to earn.
//!
//! Adtraction lists each program's commission types (`/partner/programs/commissions/…`): a
//! base value that is either a percentage of the order value (`"type": "%"`) or a fixed
//! amount in a currency (`"type": "SEK"`), per-category rates, and order-value thresholds.
//! [`expected_commission`] applies them to one offer's price:
//!
//! 1. Only sale commissions count (Adtraction `transactionType` 3, or a type without one):
//!    a lead or a newsletter sign-up is not what a shopper's purchase earns.
//! 2. Within a commission type, a category rate whose category is one of the offer's
//!    category steps wins; else the highest threshold whose order value the price reaches;
//!    else the base value.
//! 3. Of several sale commissions (new and returning customers, say), the lowest amount is
//!    the expectation: the figure the publisher can count on.
//!
//! Percentages apply to the offer's price in its currency; a fixed amount keeps its own
//! currency. Amounts are rounded to cents, half away from zero, and always written with two
//! decimals. No float is involved.

use feedmill_model::{Currency, Network};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Adtraction's `transactionType` of a sale.
pub const SALE_TRANSACTION_TYPE: i64 = 3;

/// A percentage of the order value or a fixed amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommissionValue {
    Percent { percent: Decimal },
    Fixed { amount: Decimal, currency: Currency },
}

/// A rate for the offers of one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRate {
    pub category: String,
    pub value: CommissionValue,
}

/// A value that applies from an order value on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionThreshold {
    pub order_value: Decimal,
    pub value: CommissionValue,
}

/// One commission type of a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionRule {
    /// The network's id of the commission type.
    pub id: String,
    pub name: String,
    /// The network's transaction type (Adtraction: 3 = sale), when it gives one.
    pub transaction_type: Option<i64>,
    pub value: CommissionValue,
    pub categories: Vec<CategoryRate>,
    pub thresholds: Vec<CommissionThreshold>,
}

/// The stored commission rules of one program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramCommissions {
    pub network: Network,
    pub program_id: String,
    pub rules: Vec<CommissionRule>,
}

/// What an offer is expected to earn, and by which rule.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectedCommission {
    /// An exact decimal string (`"9.00"`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub amount: Decimal,
    /// ISO-4217.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Z]{3}$"))]
    pub currency: Currency,
    /// The rule applied, e.g. `Sale new customer: 4.5% (category Books)`.
    pub rule: String,
}

/// The commission an offer priced `price` in `currency`, in categories `category_steps`, is
/// expected to earn under `rules` (see the module doc); `None` when no sale rule applies.
pub fn expected_commission(
    rules: &[CommissionRule],
    price: Decimal,
    currency: Currency,
    category_steps: &[&str],
) -> Option<ExpectedCommission> {
    rules
        .iter()
        .filter(|rule| {
            rule.transaction_type
                .is_none_or(|t| t == SALE_TRANSACTION_TYPE)
        })
        .filter_map(|rule| apply_rule(rule, price, currency, category_steps))
        .min_by(|a, b| a.amount.cmp(&b.amount))
}

fn apply_rule(
    rule: &CommissionRule,
    price: Decimal,
    currency: Currency,
    category_steps: &[&str],
) -> Option<ExpectedCommission> {
    let category = rule.categories.iter().find(|rate| {
        category_steps
            .iter()
            .any(|step| step.trim().eq_ignore_ascii_case(rate.category.trim()))
    });
    let threshold = rule
        .thresholds
        .iter()
        .filter(|threshold| price >= threshold.order_value)
        .max_by(|a, b| a.order_value.cmp(&b.order_value));
    let (value, applied) = match (category, threshold) {
        (Some(rate), _) => (&rate.value, format!(" (category {})", rate.category)),
        (None, Some(threshold)) => (
            &threshold.value,
            format!(" (order value from {})", threshold.order_value.normalize()),
        ),
        (None, None) => (&rule.value, String::new()),
    };
    let (amount, currency, described) = match value {
        CommissionValue::Percent { percent } => {
            let amount = price.checked_mul(*percent)? / Decimal::ONE_HUNDRED;
            (amount, currency, format!("{}%", percent.normalize()))
        }
        CommissionValue::Fixed { amount, currency } => (
            *amount,
            *currency,
            format!("{} {}", amount.normalize(), currency.code()),
        ),
    };
    let mut amount = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    // Always cents: `100.00`, `7.50`.
    amount.rescale(2);
    Some(ExpectedCommission {
        amount,
        currency,
        rule: format!("{}: {described}{applied}", rule.name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap_or_default()
    }

    fn sek() -> Currency {
        Currency::parse("SEK").unwrap_or_else(|_| panic!("SEK is a currency"))
    }

    fn percent(text: &str) -> CommissionValue {
        CommissionValue::Percent { percent: dec(text) }
    }

    /// The seed's example: 100 SEK per sale, 4.5 % on books, 7.5 SEK from 1,500 SEK.
    fn seed_rule() -> CommissionRule {
        CommissionRule {
            id: "1066446216".into(),
            name: "Sale new customer".into(),
            transaction_type: Some(3),
            value: CommissionValue::Fixed {
                amount: dec("100"),
                currency: sek(),
            },
            categories: vec![CategoryRate {
                category: "Books".into(),
                value: percent("4.5"),
            }],
            thresholds: vec![CommissionThreshold {
                order_value: dec("1500"),
                value: CommissionValue::Fixed {
                    amount: dec("7.5"),
                    currency: sek(),
                },
            }],
        }
    }

    #[test]
    fn a_category_rate_wins_over_the_base_value() {
        let expected = expected_commission(&[seed_rule()], dec("199.90"), sek(), &["Books"]);
        let expected = expected.unwrap_or_else(|| panic!("a rule applies"));
        assert_eq!(expected.amount.to_string(), "9.00");
        assert_eq!(expected.rule, "Sale new customer: 4.5% (category Books)");
    }

    #[test]
    fn thresholds_and_the_base_value_apply_by_price() {
        let rules = [seed_rule()];
        let base = expected_commission(&rules, dec("200"), sek(), &["Garden"]);
        assert_eq!(
            base.map(|e| (e.amount, e.rule)),
            Some((dec("100"), "Sale new customer: 100 SEK".into()))
        );
        let above = expected_commission(&rules, dec("1500"), sek(), &[]);
        assert_eq!(above.map(|e| e.amount.to_string()), Some("7.50".into()));
    }

    #[test]
    fn only_sales_count_and_the_lowest_sale_is_expected() {
        let mut lead = seed_rule();
        lead.transaction_type = Some(1);
        lead.value = percent("50");
        assert_eq!(
            expected_commission(&[lead.clone()], dec("10"), sek(), &[]),
            None
        );
        let mut returning = seed_rule();
        returning.name = "Sale returning customer".into();
        returning.value = percent("2.25");
        let expected =
            expected_commission(&[lead, seed_rule(), returning], dec("333.33"), sek(), &[]);
        let expected = expected.unwrap_or_else(|| panic!("a rule applies"));
        assert_eq!(
            expected.amount.to_string(),
            "7.50",
            "2.25 % of 333.33 = 7.4999…"
        );
        assert_eq!(expected.rule, "Sale returning customer: 2.25%");
    }
}
