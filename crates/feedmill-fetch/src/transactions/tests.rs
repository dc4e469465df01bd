//! The transaction clients against the simulator: paging, window splits, pacing, 429s,
//! bad tokens and malformed rows.

use super::*;
use crate::clock::ManualClock;
use crate::simulator::{Simulator, SimulatorConfig, adtraction_row, awin_row, partnerboost_row};
use chrono::{DateTime, Duration, TimeZone, Utc};
use feedmill_model::Network;
use feedmill_store::ConversionStatus;
use std::sync::Arc;

const PB_ENV: &str = "PB_TOKEN";
const ADT_ENV: &str = "ADT_TOKEN";
const AWIN_ENV: &str = "AWIN_TOKEN";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn days_ago(days: i64) -> DateTime<Utc> {
    now() - Duration::days(days)
}

struct Harness {
    sim: Simulator,
    ctx: FetchContext,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

async fn harness(config: SimulatorConfig, tokens_ok: bool) -> Harness {
    let clock = ManualClock::new();
    let sim = Simulator::start_with_clock(config.clone(), Arc::new(clock.clone()))
        .await
        .unwrap_or_else(|e| panic!("simulator: {e}"));
    let suffix = if tokens_ok { "" } else { "-wrong" };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let ctx = FetchContext::builder(dir.path())
        .clock(Arc::new(clock.clone()))
        .env_vars([
            (PB_ENV, format!("{}{suffix}", config.partnerboost_token)),
            (ADT_ENV, format!("{}{suffix}", config.adtraction_token)),
            (
                AWIN_ENV,
                format!("{}{suffix}", config.transactions.awin_api_token),
            ),
        ])
        .build()
        .unwrap_or_else(|e| panic!("context: {e}"));
    Harness {
        sim,
        ctx,
        clock,
        _dir: dir,
    }
}

fn account(sim: &Simulator, network: AccountNetwork) -> NetworkAccount {
    let token_env = match network {
        AccountNetwork::Partnerboost => PB_ENV,
        AccountNetwork::Adtraction { .. } => ADT_ENV,
        AccountNetwork::Awin { .. } => AWIN_ENV,
    };
    NetworkAccount {
        name: "main".into(),
        token_env: token_env.into(),
        base_url: sim.account_base_url(),
        network,
    }
}

fn awin_account(sim: &Simulator) -> NetworkAccount {
    account(
        sim,
        AccountNetwork::Awin {
            publisher_id: 123_456,
        },
    )
}

fn adtraction_account(sim: &Simulator) -> NetworkAccount {
    account(
        sim,
        AccountNetwork::Adtraction {
            channel_id: Some(1_175_982_945),
            commission_programs: vec![629_059_552],
        },
    )
}

fn requests_to(sim: &Simulator, path: &str) -> usize {
    sim.requests().iter().filter(|r| r.path == path).count()
}

#[tokio::test]
async fn partnerboost_pages_until_the_announced_last_page() {
    let mut config = SimulatorConfig::default();
    config.transactions.partnerboost_rows = (0..5)
        .map(|i| {
            partnerboost_row(
                &format!("O{i}"),
                "Pending",
                days_ago(i).timestamp(),
                Some("c0ffee"),
            )
        })
        .collect();
    config.transactions.partnerboost_page_cap = 2;
    let h = harness(config, true).await;
    let window = TransactionWindow::trailing(30, now());
    let report = fetch_transactions(
        &h.ctx,
        &account(&h.sim, AccountNetwork::Partnerboost),
        window,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.rows.len(), 5, "every page read");
    assert!(report.rejected.is_empty());
    assert_eq!(requests_to(&h.sim, "/api.php"), 3, "pages of 2: 2 + 2 + 1");
    let row = &report.rows[0].input;
    assert_eq!(row.network, Network::Partnerboost);
    assert_eq!(row.transaction_id, "66303:O0");
    assert_eq!(row.status, ConversionStatus::Pending);
    assert_eq!(row.commission_amount.to_string(), "41.40");
    assert_eq!(row.currency.code(), "USD");
    assert_eq!(row.click_ref.as_deref(), Some("c0ffee"));
    assert_eq!(row.sub_ids[0].as_deref(), Some("nl"));
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let mut config = SimulatorConfig::default();
    config.transactions.adtraction_rows = vec![adtraction_row(
        "A1",
        1,
        "2026-11-20T14:45:15+0100",
        Some("c1"),
    )];
    config.transactions.rate_limited_first_n = 1;
    config.transactions.retry_after_secs = 7;
    let h = harness(config, true).await;
    let window = TransactionWindow::trailing(30, now());
    let report = fetch_transactions(&h.ctx, &adtraction_account(&h.sim), window)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.num_requests, 2, "the 429 and its retry");
    assert!(
        h.clock
            .sleeps()
            .contains(&std::time::Duration::from_secs(7))
    );
    let row = &report.rows[0].input;
    assert_eq!(row.status, ConversionStatus::Approved);
    assert_eq!(row.sale_amount, rust_decimal::Decimal::from(1299));
    assert_eq!(
        row.transaction_time.to_rfc3339(),
        "2026-11-20T13:45:15+00:00"
    );
    assert_eq!(row.click_ref.as_deref(), Some("c1"));
}

#[tokio::test]
async fn a_bad_token_is_a_clear_error_on_every_network() {
    let h = harness(SimulatorConfig::default(), false).await;
    let window = TransactionWindow::trailing(30, now());
    let accounts = [
        account(&h.sim, AccountNetwork::Partnerboost),
        adtraction_account(&h.sim),
        awin_account(&h.sim),
    ];
    let mut messages = Vec::new();
    for account in &accounts {
        let err = fetch_transactions(&h.ctx, account, window)
            .await
            .err()
            .unwrap_or_else(|| panic!("{} accepted a bad token", account.label()));
        assert!(!err.is_retryable());
        messages.push(err.to_string());
    }
    assert!(
        messages[0].contains("api error 1001: invalid token"),
        "{}",
        messages[0]
    );
    assert!(messages[0].ends_with("check PB_TOKEN"), "{}", messages[0]);
    assert!(
        messages[1].contains("http 403: the token was rejected (check ADT_TOKEN)"),
        "{}",
        messages[1]
    );
    assert!(
        messages[2].contains("http 401: the token was rejected (check AWIN_TOKEN)"),
        "{}",
        messages[2]
    );
    assert_eq!(h.sim.num_requests(), 3, "never retried");
}

#[tokio::test]
async fn awin_windows_are_split_and_paced_within_its_limit() {
    let mut config = SimulatorConfig::default();
    config.transactions.awin_rows = vec![
        awin_row(
            1,
            "approved",
            &days_ago(65).format("%Y-%m-%dT%H:%M:%S").to_string(),
            None,
        ),
        awin_row(
            2,
            "pending",
            &days_ago(40).format("%Y-%m-%dT%H:%M:%S").to_string(),
            Some("c2"),
        ),
        awin_row(
            3,
            "declined",
            &days_ago(1).format("%Y-%m-%dT%H:%M:%S").to_string(),
            None,
        ),
    ];
    // Fewer calls a minute than the split needs without pacing.
    config.transactions.awin_calls_per_minute = 1;
    let h = harness(config, true).await;
    h.sim.update(|c| c.transactions.awin_calls_per_minute = 20);
    let window = TransactionWindow::trailing(70, now());
    let report = fetch_transactions(&h.ctx, &awin_account(&h.sim), window)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = report
        .rows
        .iter()
        .map(|r| r.input.transaction_id.as_str())
        .collect();
    assert_eq!(ids, ["1", "2", "3"], "each row once, over three calls");
    assert_eq!(requests_to(&h.sim, "/publishers/123456/transactions/"), 3);
    assert_eq!(
        h.clock.sleeps(),
        [std::time::Duration::from_secs(3); 2],
        "20 calls a minute: 3 s apart"
    );
    assert_eq!(report.rows[2].input.status, ConversionStatus::Rejected);
    assert_eq!(report.rows[1].input.click_ref.as_deref(), Some("c2"));
    assert_eq!(report.rows[1].input.commission_amount.to_string(), "4.5");
}

#[tokio::test]
async fn a_malformed_row_is_reported_with_its_position_and_reason() {
    let mut config = SimulatorConfig::default();
    let date = days_ago(2).format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut bad_amount = awin_row(11, "pending", &date, None);
    bad_amount["commissionAmount"]["amount"] = serde_json::json!("4,50");
    let mut no_id = awin_row(12, "pending", &date, None);
    no_id["id"] = serde_json::Value::Null;
    config.transactions.awin_rows = vec![
        awin_row(10, "pending", &date, None),
        bad_amount,
        serde_json::json!("not an object"),
        no_id,
        awin_row(13, "bogus", &date, None),
    ];
    let h = harness(config, true).await;
    let report = fetch_transactions(
        &h.ctx,
        &awin_account(&h.sim),
        TransactionWindow::trailing(30, now()),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.num_fetched(), 5);
    let rejected: Vec<(u64, Option<&str>, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.position, r.transaction_id.as_deref(), r.reason.as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            (
                2,
                Some("11"),
                "commissionAmount.amount \"4,50\" is not a decimal number"
            ),
            (3, None, "the row is not an object but a string"),
            (4, None, "id is missing"),
            (
                5,
                Some("13"),
                "commissionStatus \"bogus\" is not pending, approved, declined or deleted"
            ),
        ]
    );
}

/// `row` as the text a network sends, each string `"{placeholder}"` replaced by a JSON number
/// written as `literal` (a `serde_json::Value` cannot hold these digits).
fn raw_row(row: &serde_json::Value, numbers: &[(&str, &str)]) -> Box<serde_json::value::RawValue> {
    let mut text = row.to_string();
    for (placeholder, literal) in numbers {
        text = text.replace(&format!("\"{placeholder}\""), literal);
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// JSON number amounts that an f64 would round come out of every network's row exactly.
#[test]
fn amounts_are_read_from_the_digits_each_network_wrote() {
    let numbers = [
        ("SALE", "9007199254740993.01"),
        ("COMM", "0.30000000000000004"),
    ];
    let date = days_ago(2).format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut awin = awin_row(1, "pending", &date, Some("c1"));
    awin["saleAmount"]["amount"] = serde_json::json!("SALE");
    awin["commissionAmount"]["amount"] = serde_json::json!("COMM");
    let mut adtraction = adtraction_row("u1", 1, "2026-11-30T10:00:00+0100", Some("c2"));
    adtraction["orderValue"] = serde_json::json!("SALE");
    adtraction["commission"] = serde_json::json!("COMM");
    let mut partnerboost = partnerboost_row("o1", "Approved", 1_650_351_153, Some("c3"));
    partnerboost["sale_amount"] = serde_json::json!("SALE");
    partnerboost["sale_comm"] = serde_json::json!("COMM");
    let inputs = [
        awin::map_row(&raw_row(&awin, &numbers)),
        adtraction::map_row(&raw_row(&adtraction, &numbers)),
        partnerboost::map_row(&raw_row(&partnerboost, &numbers)),
    ];
    for input in inputs {
        let input = input.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (
                input.sale_amount.to_string(),
                input.commission_amount.to_string()
            ),
            (
                "9007199254740993.01".to_string(),
                "0.30000000000000004".to_string()
            ),
            "{:?}",
            input.network
        );
    }
    let big = raw_row(&awin, &[("SALE", "123456789012345.67"), ("COMM", "0.1")]);
    let input = awin::map_row(&big).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(input.sale_amount.to_string(), "123456789012345.67");
    assert_eq!(input.commission_amount.to_string(), "0.1");
}

#[tokio::test]
async fn adtraction_commission_types_are_read_per_program() {
    let mut config = SimulatorConfig::default();
    config
        .transactions
        .adtraction_commissions
        .entry(629_059_552)
        .or_default()
        .push(serde_json::json!({"id": "2", "type": "points", "value": 1}));
    let h = harness(config, true).await;
    let reports = fetch_commissions(&h.ctx, &adtraction_account(&h.sim))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].program_id, "629059552");
    assert_eq!(reports[0].rules.len(), 1);
    assert_eq!(reports[0].rules[0].name, "Sale new customer");
    assert_eq!(reports[0].rejected.len(), 1);
    assert_eq!(reports[0].rejected[0].position, 2);
    assert_eq!(
        requests_to(
            &h.sim,
            "/v3/partner/programs/commissions/629059552/1175982945/"
        ),
        1
    );
    let none = fetch_commissions(&h.ctx, &awin_account(&h.sim)).await;
    assert!(
        none.is_ok_and(|r| r.is_empty()),
        "other networks publish no rules"
    );
}

#[tokio::test]
async fn an_answer_beyond_the_limit_is_refused() {
    let mut config = SimulatorConfig::default();
    config.files.insert("big.json".into(), vec![b' '; 4096]);
    let h = harness(config, true).await;
    let get = || async {
        let response = h.ctx.client.get(h.sim.file_url("big.json")).send().await;
        response.unwrap_or_else(|e| panic!("{e}"))
    };
    let refused = read_limited(get().await, 1024).await;
    assert_eq!(
        refused.err().map(|e| e.to_string()),
        Some("unexpected response: the answer is larger than 1024 bytes".into())
    );
    let read = read_limited(get().await, 4096).await;
    assert_eq!(read.map(|b| b.len()).ok(), Some(4096));
}

#[test]
fn adtraction_reads_the_click_id_from_epi_the_one_sub_id_it_reports_back() {
    let mut row = adtraction_row("A9", 1, "2026-11-20T14:45:15+0100", Some("c0ffee"));
    row["click"]["epi5"] = serde_json::json!("not-ours");
    let read = adtraction::map_row(&raw_row(&row, &[])).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(read.click_ref.as_deref(), Some("c0ffee"));
    assert_eq!(read.sub_ids[0].as_deref(), Some("c0ffee"));
}
