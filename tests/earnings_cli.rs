//! `feedmill earnings`: the store's earnings as a table and as the JSON of `GET /earnings`,
//! unattributed sales listed, bad flags a usage error.

use crate::support::{feedmill, stderr};
use chrono::{DateTime, Duration, TimeZone, Utc};
use feedmill_model::{Currency, Network};
use feedmill_store::{Click, ClickId, ConversionInput, SqliteStore};
use std::path::Path;
use std::str::FromStr;

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0)
        .single()
        .expect("a date")
        + Duration::days(n)
}

fn click(merchant: &str, time: DateTime<Utc>) -> Click {
    Click {
        click_id: ClickId::random().expect("a click id"),
        time,
        offer_id: format!("shop:{merchant}"),
        source: "shop".into(),
        network: Some(Network::Awin),
        merchant: Some(merchant.into()),
        sub_id: Some("nl".into()),
        sub_id_2: None,
        sub_id_3: None,
        sub_id_4: None,
        sub_id_5: None,
        sub_id_6: None,
        referrer: None,
        destination: "https://shop.example/".into(),
    }
}

fn sale(order: &str, click_id: Option<String>, amount: &str, commission: &str) -> ConversionInput {
    ConversionInput {
        program_id: "p1".into(),
        order_id: order.into(),
        click_id,
        amount: feedmill_model::Decimal::from_str(amount).ok(),
        commission_amount: feedmill_model::Decimal::from_str(commission).ok(),
        order_time: Some(day(0)),
        ..ConversionInput::default()
    }
}

/// Acme: 4 clicks, one SEK sale (commission 10.00); Zed: 1 click; one sale of no click.
fn seed(path: &Path) {
    let store = SqliteStore::open(path).expect("store");
    let clicks: Vec<Click> = (0..4)
        .map(|_| click("Acme", day(0)))
        .chain([click("Zed", day(1))])
        .collect();
    let credited = clicks[0].click_id.to_string();
    store.record_clicks(clicks).expect("clicks");
    let sek = Currency::parse("SEK").expect("SEK");
    let sales = vec![
        sale("A1", Some(credited), "250.00", "10.00"),
        sale("L1", Some("f".repeat(32)), "99.90", "5.00"),
    ];
    store.upsert_conversions(sales, sek, day(0)).expect("sales");
}

fn earnings(dir: &Path, args: &[&str]) -> std::process::Output {
    feedmill()
        .current_dir(dir)
        .args([
            "earnings",
            "--store",
            "feedmill.db",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
        ])
        .args(args)
        .output()
        .expect("earnings")
}

#[test]
fn earnings_as_json_match_the_endpoints_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    seed(&dir.path().join("feedmill.db"));
    let output = earnings(dir.path(), &["--group-by", "merchant", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["group_by"], "merchant");
    assert_eq!(report["from"], "2026-01-01T00:00:00Z");
    assert_eq!(report["to"], "2026-02-01T00:00:00Z");
    let rows = report["rows"].as_array().expect("rows");
    let acme = rows.iter().find(|r| r["key"] == "Acme").expect("Acme");
    assert_eq!(acme["num_clicks"], 4);
    assert_eq!(acme["num_conversions"], 1);
    assert_eq!(acme["currency"], "SEK");
    assert_eq!(acme["sale_amount"], "250.00");
    assert_eq!(acme["commission"]["pending"], "10.00");
    assert_eq!(acme["epc"], "2.50");
    let orphan = rows
        .iter()
        .find(|r| r["key"].is_null())
        .expect("the unattributed sale");
    assert_eq!(orphan["sale_amount"], "99.90");
}

#[test]
fn earnings_as_a_table_and_unattributed_sales_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    seed(&dir.path().join("feedmill.db"));
    let output = earnings(dir.path(), &["--group-by", "merchant"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[1].starts_with("key") && lines[1].ends_with("epc"),
        "{table}"
    );
    let acme = lines
        .iter()
        .find(|l| l.starts_with("Acme"))
        .expect("an Acme row");
    let cells: Vec<&str> = acme.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "Acme", "SEK", "4", "1", "250.00", "10.00", "0.00", "0.00", "0.00", "0.25", "2.50"
        ]
    );
    let listed = earnings(dir.path(), &["--unattributed", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    assert_eq!(listed["num_sales"], 1);
    assert_eq!(listed["sales"][0]["order_id"], "L1");
}

#[test]
fn a_bad_period_or_grouping_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [["--from", "soon"], ["--group-by", "brand"]] {
        let output = feedmill()
            .current_dir(dir.path())
            .args(["earnings", "--store", "feedmill.db"])
            .args(args)
            .output()
            .expect("earnings");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let named = if args[0] == "--from" {
            "from"
        } else {
            "group_by"
        };
        assert!(
            stderr(&output).contains(&format!("invalid {named}")),
            "{}",
            stderr(&output)
        );
    }
}
