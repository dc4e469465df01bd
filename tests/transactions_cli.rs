//! `feedmill transactions sync` against the network simulator: counts per account, a re-pull
//! that moves statuses, and a rejected token that is one clear error and stores nothing.

use crate::support::{feedmill, stderr};
use feedmill_fetch::simulator::{
    Simulator, SimulatorConfig, adtraction_row, awin_row, partnerboost_row,
};
use serde_json::Value;
use std::process::Output;

struct Setup {
    _runtime: tokio::runtime::Runtime,
    simulator: Option<Simulator>,
    dir: tempfile::TempDir,
}

fn days_ago(days: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::days(days)
}

fn world() -> SimulatorConfig {
    let mut config = SimulatorConfig::default();
    let tx = &mut config.transactions;
    tx.partnerboost_rows = (0..3)
        .map(|i| {
            partnerboost_row(
                &format!("O{i}"),
                "Pending",
                days_ago(i + 1).timestamp(),
                None,
            )
        })
        .collect();
    tx.partnerboost_page_cap = 2;
    let stockholm = |days| days_ago(days).format("%Y-%m-%dT%H:%M:%S+0000").to_string();
    tx.adtraction_rows = vec![adtraction_row("A1", 0, &stockholm(2), None)];
    let utc = |days| days_ago(days).format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut broken = awin_row(2, "pending", &utc(3), None);
    broken["saleAmount"] = Value::from("lots");
    tx.awin_rows = vec![awin_row(1, "pending", &utc(3), None), broken];
    config
}

fn start() -> Setup {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let simulator = runtime
        .block_on(Simulator::start(world()))
        .expect("simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = format!(
        r#"
[transactions]
days = 30

[[network_account]]
name = "pb"
network = "partnerboost"
token_env = "PB_TOKEN"
base_url = "{url}"

[[network_account]]
name = "adt"
network = "adtraction"
token_env = "ADT_TOKEN"
base_url = "{url}"
commission_programs = [629059552]

[[network_account]]
name = "aw"
network = "awin"
token_env = "AWIN_TOKEN"
base_url = "{url}"
publisher_id = 123456
"#,
        url = simulator.account_base_url()
    );
    std::fs::write(dir.path().join("feedmill.toml"), config).expect("config");
    Setup {
        _runtime: runtime,
        simulator: Some(simulator),
        dir,
    }
}

impl Setup {
    fn sync(&self, pb_token: &str, extra: &[&str]) -> Output {
        let path = |name: &str| self.dir.path().join(name).display().to_string();
        feedmill()
            .args(["transactions", "sync", "--config", &path("feedmill.toml")])
            .args(["--store", &path("feedmill.db"), "--cache", &path("cache")])
            .args(extra)
            .env("PB_TOKEN", pb_token)
            .env("ADT_TOKEN", "adtraction-test-token")
            .env("AWIN_TOKEN", "awin-api-test-token")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run feedmill transactions sync")
    }

    fn sync_json(&self) -> Value {
        let output = self.sync(PB_TOKEN, &["--json"]);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_slice(&output.stdout).expect("json report")
    }

    fn simulator(&self) -> &Simulator {
        self.simulator.as_ref().expect("running")
    }
}

const PB_TOKEN: &str = "partnerboost-test-token";

fn counts(account: &Value) -> [u64; 4] {
    ["num_fetched", "num_new", "num_updated", "num_rejected"]
        .map(|key| account[key].as_u64().unwrap_or(u64::MAX))
}

#[test]
fn sync_counts_each_account_and_a_repull_moves_statuses() {
    let setup = start();
    let table = setup.sync(PB_TOKEN, &[]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.starts_with("account"), "{text}");
    assert!(text.contains("partnerboost/pb"), "{text}");
    assert!(
        stderr(&table).contains("transaction row rejected"),
        "{}",
        stderr(&table)
    );

    setup.simulator().update(|c| {
        c.transactions.partnerboost_rows[0]["status"] = Value::from("Approved");
    });
    let report = setup.sync_json();
    let accounts = report["accounts"].as_array().cloned().unwrap_or_default();
    assert_eq!(accounts.len(), 3);
    assert_eq!(
        counts(&accounts[0]),
        [3, 0, 1, 0],
        "paged, one status moved"
    );
    assert_eq!(counts(&accounts[1]), [1, 0, 0, 0]);
    assert_eq!(accounts[1]["num_commission_rules"], 1);
    assert_eq!(counts(&accounts[2]), [2, 0, 0, 1]);
    assert_eq!(accounts[2]["rejected"][0]["position"], 2);
}

#[test]
fn a_rejected_token_is_one_clear_error_and_stores_nothing() {
    let setup = start();
    let output = setup.sync("rotated-token", &["--account", "pb"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("error: partnerboost/pb: transaction report: api error 1001: invalid token"),
        "{err}"
    );
    assert!(err.contains("check PB_TOKEN"), "{err}");
    let report = setup.sync_json();
    assert_eq!(
        counts(&report["accounts"][0]),
        [3, 3, 0, 0],
        "nothing was stored before"
    );
    let unknown = setup.sync(PB_TOKEN, &["--account", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
}
