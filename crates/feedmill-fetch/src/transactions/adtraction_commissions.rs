//! Adtraction's commission types: `GET {base}/v3/partner/programs/commissions/{programId}/
//! {channelId}/` (the channel's segment; without a channel, the standard segment), for each
//! program an account lists in `commission_programs`.
//!
//! Each type: `id`, `name`, `transactionType` (3 = sale), `type` (`"%"` or a currency code
//! for a fixed amount) and `value`, `categories` (`category`, `type`, `value`) and
//! `thresholds` (`orderValue`, `type`, `value`). A type that cannot be read is reported by its
//! position and left out; the rest of the program's types are kept.

use super::RejectedRow;
use super::adtraction::TOKEN_HEADER;
use super::fields::{self, Row};
use crate::context::FetchContext;
use crate::error::{FetchError, FetchErrorKind};
use crate::http_client::Session;
use crate::network_account::{AccountNetwork, NetworkAccount};
use feedmill_model::Currency;
use feedmill_store::{CategoryRate, CommissionRule, CommissionThreshold, CommissionValue};
use reqwest::header::ACCEPT;
use serde_json::value::RawValue;

/// The commission types read for one program.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramCommissionReport {
    pub program_id: String,
    pub rules: Vec<CommissionRule>,
    pub rejected: Vec<RejectedRow>,
}

/// The commission types of every program an Adtraction account lists (nothing for other
/// networks, which publish no commission rules).
pub async fn fetch_commissions(
    ctx: &FetchContext,
    account: &NetworkAccount,
) -> Result<Vec<ProgramCommissionReport>, FetchError> {
    let AccountNetwork::Adtraction {
        channel_id,
        commission_programs,
    } = &account.network
    else {
        return Ok(Vec::new());
    };
    let label = account.label();
    let session = Session::new(ctx, label.clone(), Some(&account.token_env));
    let mut reports = Vec::with_capacity(commission_programs.len());
    for program_id in commission_programs {
        let report = fetch_program(&session, account, *program_id, *channel_id)
            .await
            .map_err(|kind| FetchError::new(label.clone(), kind))?;
        reports.push(report);
    }
    Ok(reports)
}

async fn fetch_program(
    session: &Session<'_>,
    account: &NetworkAccount,
    program_id: u64,
    channel_id: Option<u64>,
) -> Result<ProgramCommissionReport, FetchErrorKind> {
    let token = session.token()?;
    let mut url = format!(
        "{}/v3/partner/programs/commissions/{program_id}/",
        account.base_url
    );
    if let Some(channel_id) = channel_id {
        url.push_str(&format!("{channel_id}/"));
    }
    let types = session
        .retry(|| async {
            let request = session
                .ctx
                .client
                .get(&url)
                .header(TOKEN_HEADER, &token)
                .header(ACCEPT, "application/json");
            let response = session.send(request).await?;
            let bytes = super::read_limited(response, super::MAX_ANSWER_BYTES).await?;
            Row::list_of(&bytes).map_err(|err| {
                FetchErrorKind::malformed(format!("not a list of commission types: {err}"))
            })
        })
        .await?;
    let mut report = ProgramCommissionReport {
        program_id: program_id.to_string(),
        rules: Vec::new(),
        rejected: Vec::new(),
    };
    for (index, raw) in types.iter().enumerate() {
        match read_type(raw) {
            Ok(rule) => report.rules.push(rule),
            Err((id, reason)) => report.rejected.push(RejectedRow {
                position: index as u64 + 1,
                transaction_id: id,
                reason,
            }),
        }
    }
    Ok(report)
}

/// One commission type of the answer, or why not (with its id when it has a readable one).
fn read_type(raw: &RawValue) -> Result<CommissionRule, (Option<String>, String)> {
    let commission = Row::parse(raw).map_err(|e| (None, format!("the commission type {e}")))?;
    read_rule(&commission)
        .map_err(|reason| (fields::text(&commission, "id").ok().flatten(), reason))
}

pub(crate) fn read_rule(commission: &Row) -> Result<CommissionRule, String> {
    let transaction_type = match fields::text(commission, "transactionType") {
        Ok(None) => None,
        _ => Some(
            commission
                .integer("transactionType")
                .ok_or("transactionType is not an integer")?,
        ),
    };
    let mut categories = Vec::new();
    for (i, category) in commission.list("categories")?.iter().enumerate() {
        let read = || -> Result<CategoryRate, String> {
            Ok(CategoryRate {
                category: fields::required_text(category, "category")?,
                value: value_of(category)?,
            })
        };
        categories.push(read().map_err(|e| format!("categories[{i}]: {e}"))?);
    }
    let mut thresholds = Vec::new();
    for (i, threshold) in commission.list("thresholds")?.iter().enumerate() {
        let read = || -> Result<CommissionThreshold, String> {
            Ok(CommissionThreshold {
                order_value: fields::decimal(threshold, "orderValue")?,
                value: value_of(threshold)?,
            })
        };
        thresholds.push(read().map_err(|e| format!("thresholds[{i}]: {e}"))?);
    }
    Ok(CommissionRule {
        id: fields::required_text(commission, "id")?,
        name: fields::text(commission, "name")?.unwrap_or_default(),
        transaction_type,
        value: value_of(commission)?,
        categories,
        thresholds,
    })
}

/// `"type": "%"` with `"value": 4.5` is 4.5 %; `"type": "SEK"` with `"value": 100` is 100 SEK.
fn value_of(object: &Row) -> Result<CommissionValue, String> {
    let kind = fields::required_text(object, "type")?;
    let value = fields::decimal(object, "value")?;
    if value.is_sign_negative() {
        return Err(format!("value {value} is negative"));
    }
    if kind == "%" {
        return Ok(CommissionValue::Percent { percent: value });
    }
    let currency = Currency::parse(&kind)
        .map_err(|_| format!("type {kind:?} is neither \"%\" nor an ISO-4217 currency"))?;
    Ok(CommissionValue::Fixed {
        amount: value,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_documented_commission_type() {
        let seed = json!({
            "id": "1066446216", "type": "SEK", "name": "Sale new customer", "value": 100,
            "transactionType": 3,
            "categories": [{"category": "Books", "type": "%", "value": 4.5}],
            "thresholds": [{"orderValue": 1500, "type": "SEK", "value": 7.5}]
        });
        let rule = read_rule(&Row::of_json(&seed.to_string())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rule.transaction_type, Some(3));
        assert!(
            matches!(rule.value, CommissionValue::Fixed { ref amount, .. } if amount.to_string() == "100")
        );
        assert!(
            matches!(rule.categories[0].value, CommissionValue::Percent { ref percent } if percent.to_string() == "4.5")
        );
        assert_eq!(rule.thresholds[0].order_value.to_string(), "1500");
    }

    #[test]
    fn a_bad_commission_type_says_what_is_wrong() {
        let bad = json!({"id": "1", "type": "points", "value": 3});
        assert_eq!(
            read_rule(&Row::of_json(&bad.to_string())),
            Err("type \"points\" is neither \"%\" nor an ISO-4217 currency".into())
        );
        let bad =
            json!({"id": "1", "type": "%", "value": 3, "categories": [{"type": "%", "value": 1}]});
        assert_eq!(
            read_rule(&Row::of_json(&bad.to_string())),
            Err("categories[0]: category is missing".into())
        );
    }

    #[test]
    fn commission_amounts_keep_every_digit() {
        let rule = read_rule(&Row::of_json(
            r#"{"id": "7", "type": "EUR", "value": 0.30000000000000004,
                "thresholds": [{"orderValue": 9007199254740993.01, "type": "%", "value": 2.5}]}"#,
        ));
        let rule = rule.unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(rule.value, CommissionValue::Fixed { ref amount, .. } if amount.to_string() == "0.30000000000000004")
        );
        assert_eq!(
            rule.thresholds[0].order_value.to_string(),
            "9007199254740993.01"
        );
    }
}
