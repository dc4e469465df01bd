//! The sync against the simulator and a real SQLite store: complete paging, a 429 retried,
//! a bad token changing nothing, a re-pull moving statuses (with their history), attribution
//! by click id, rejected rows reported, commission types stored.

use super::*;
use chrono::{Duration, TimeZone};
use feedmill_fetch::simulator::{Simulator, SimulatorConfig, adtraction_row, partnerboost_row};
use feedmill_fetch::{AccountNetwork, ManualClock};
use feedmill_model::Network;
use feedmill_store::{
    AttributionMethod, Click, ClickId, ClickStore, CommissionStore, ConversionStatus, SqliteStore,
    TransactionStore,
};

const PB_ENV: &str = "PB_TOKEN";
const ADT_ENV: &str = "ADT_TOKEN";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

struct Harness {
    sim: Simulator,
    ctx: FetchContext,
    store: Arc<SqliteStore>,
    accounts: Vec<NetworkAccount>,
    _dir: tempfile::TempDir,
}

async fn harness(config: SimulatorConfig, token_suffix: &str) -> Harness {
    let clock = ManualClock::new();
    let sim = Simulator::start_with_clock(config.clone(), Arc::new(clock.clone()))
        .await
        .unwrap_or_else(|e| panic!("simulator: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let ctx = FetchContext::builder(dir.path().join("cache"))
        .clock(Arc::new(clock))
        .env_vars([
            (
                PB_ENV,
                format!("{}{token_suffix}", config.partnerboost_token),
            ),
            (
                ADT_ENV,
                format!("{}{token_suffix}", config.adtraction_token),
            ),
        ])
        .build()
        .unwrap_or_else(|e| panic!("context: {e}"));
    let store =
        SqliteStore::open(&dir.path().join("store.db")).unwrap_or_else(|e| panic!("store: {e}"));
    let accounts = vec![
        NetworkAccount {
            name: "pb".into(),
            token_env: PB_ENV.into(),
            base_url: sim.account_base_url(),
            network: AccountNetwork::Partnerboost,
        },
        NetworkAccount {
            name: "adt".into(),
            token_env: ADT_ENV.into(),
            base_url: sim.account_base_url(),
            network: AccountNetwork::Adtraction {
                channel_id: None,
                commission_programs: vec![629_059_552],
            },
        },
    ];
    Harness {
        sim,
        ctx,
        store: Arc::new(store),
        accounts,
        _dir: dir,
    }
}

impl Harness {
    async fn sync(&self) -> TransactionSyncReport {
        sync_transactions(self.store.clone(), &self.ctx, &self.accounts, 30, now()).await
    }

    fn status(&self, network: Network, id: &str) -> Option<ConversionStatus> {
        let stored = self.store.transaction(network, id);
        stored.unwrap_or_else(|e| panic!("{e}")).map(|t| t.status)
    }
}

fn pb_rows(statuses: &[&str]) -> Vec<serde_json::Value> {
    statuses
        .iter()
        .enumerate()
        .map(|(i, status)| {
            let time = now() - Duration::days(i as i64 + 1);
            partnerboost_row(&format!("O{i}"), status, time.timestamp(), None)
        })
        .collect()
}

#[tokio::test]
async fn a_repull_moves_statuses_and_keeps_their_history() {
    let mut config = SimulatorConfig::default();
    config.transactions.partnerboost_rows = pb_rows(&["Pending", "Pending", "Pending"]);
    config.transactions.partnerboost_page_cap = 2;
    let h = harness(config, "").await;
    let first = h.sync().await;
    let pb = &first.accounts[0];
    assert_eq!(pb.error, None);
    assert_eq!(
        (pb.num_fetched, pb.num_new, pb.num_updated),
        (3, 3, 0),
        "both pages"
    );

    h.sim.update(|c| {
        c.transactions.partnerboost_rows = pb_rows(&["Approved", "Rejected", "Pending"])
    });
    let second = h.sync().await;
    let pb = &second.accounts[0];
    assert_eq!((pb.num_new, pb.num_updated, pb.num_unchanged), (0, 2, 1));
    assert_eq!(
        h.status(Network::Partnerboost, "66303:O1"),
        Some(ConversionStatus::Rejected)
    );

    h.sim.update(|c| {
        c.transactions.partnerboost_rows = pb_rows(&["Rejected", "Rejected", "Pending"])
    });
    h.sync().await;
    assert_eq!(
        h.status(Network::Partnerboost, "66303:O0"),
        Some(ConversionStatus::Reversed),
        "approved, then rejected: a reversal"
    );
    let history = h
        .store
        .transaction_history(Network::Partnerboost, "66303:O0")
        .unwrap_or_else(|e| panic!("{e}"));
    let statuses: Vec<ConversionStatus> = history.iter().map(|h| h.status).collect();
    assert_eq!(
        statuses,
        [
            ConversionStatus::Pending,
            ConversionStatus::Approved,
            ConversionStatus::Reversed
        ]
    );
}

#[tokio::test]
async fn a_bad_token_is_a_clear_error_and_changes_nothing() {
    let mut config = SimulatorConfig::default();
    config.transactions.partnerboost_rows = pb_rows(&["Pending"]);
    config.transactions.adtraction_rows =
        vec![adtraction_row("A1", 0, "2026-11-20T10:00:00+0100", None)];
    let h = harness(config, "-rotated").await;
    let report = h.sync().await;
    let errors: Vec<&str> = report.failed().filter_map(|a| a.error.as_deref()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("invalid token") && errors[0].contains("check PB_TOKEN"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains("the token was rejected (check ADT_TOKEN)"),
        "{}",
        errors[1]
    );
    assert_eq!(h.status(Network::Partnerboost, "66303:O0"), None);
    assert_eq!(h.status(Network::Adtraction, "A1"), None);
    let rules = h.store.all_commissions().unwrap_or_else(|e| panic!("{e}"));
    assert!(rules.is_empty(), "no commission types stored either");
}

#[tokio::test]
async fn a_429_is_retried_and_the_sale_is_attributed_by_click_id() {
    let mut config = SimulatorConfig::default();
    let click = Click {
        click_id: ClickId::random().unwrap_or_else(|e| panic!("{e}")),
        time: now() - Duration::days(3),
        offer_id: "kitchentime:1".into(),
        source: "kitchentime".into(),
        network: Some(Network::Adtraction),
        merchant: Some("Kitchentime SE".into()),
        sub_id: Some("other".into()),
        sub_id_2: None,
        sub_id_3: None,
        sub_id_4: None,
        sub_id_5: None,
        sub_id_6: None,
        referrer: None,
        destination: "https://track.adtraction.com/t/t?a=1".into(),
    };
    config.transactions.adtraction_rows = vec![adtraction_row(
        "A7",
        1,
        &(now() - Duration::days(2))
            .format("%Y-%m-%dT%H:%M:%S%z")
            .to_string(),
        Some(click.click_id.as_str()),
    )];
    config.transactions.rate_limited_first_n = 2;
    let h = harness(config, "").await;
    h.store
        .record_click(&click)
        .unwrap_or_else(|e| panic!("{e}"));
    let report = h.sync().await;
    assert!(report.failed().next().is_none(), "{report:?}");
    let adtraction = &report.accounts[1];
    assert_eq!((adtraction.num_fetched, adtraction.num_new), (1, 1));
    assert_eq!(
        (
            adtraction.num_commission_programs,
            adtraction.num_commission_rules
        ),
        (1, 1)
    );
    let stored = h
        .store
        .transaction(Network::Adtraction, "A7")
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("stored"));
    assert_eq!(stored.attribution.click_id.as_ref(), Some(&click.click_id));
    assert_eq!(stored.attribution.method, Some(AttributionMethod::ClickId));
    assert_eq!(
        stored.commission_amount,
        rust_decimal::Decimal::new(10392, 2)
    );
    let rules = h
        .store
        .commissions(Network::Adtraction, "629059552")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules.len(), 1);
}

#[tokio::test]
async fn rejected_rows_are_reported_and_the_rest_stored() {
    let mut config = SimulatorConfig::default();
    let mut rows = pb_rows(&["Pending", "Pending", "Pending"]);
    rows[1]["sale_comm"] = serde_json::json!("n/a");
    rows[2]["sale_amount"] = serde_json::json!("369.12345");
    config.transactions.partnerboost_rows = rows;
    let h = harness(config, "").await;
    let report = h.sync().await;
    let pb = &report.accounts[0];
    assert_eq!((pb.num_fetched, pb.num_new, pb.num_rejected), (3, 1, 2));
    assert_eq!(pb.rejected[0].position, 2);
    assert_eq!(
        pb.rejected[0].reason,
        "sale_comm \"n/a\" is not a decimal number"
    );
    assert_eq!(pb.rejected[1].position, 3);
    assert!(
        pb.rejected[1].reason.contains("does not fit the store"),
        "{}",
        pb.rejected[1].reason
    );
    assert_eq!(h.status(Network::Partnerboost, "66303:O2"), None);
}

#[tokio::test]
async fn the_schedule_syncs_repeatedly_and_tells_each_sync() {
    let mut config = SimulatorConfig::default();
    config.transactions.partnerboost_rows = pb_rows(&["Pending"]);
    let h = harness(config, "").await;
    let (told, mut reports) = tokio::sync::mpsc::channel::<TransactionSyncReport>(4);
    let on_synced = Arc::new(move |report: &TransactionSyncReport| {
        let _ = told.try_send(report.clone());
    });
    let schedule = TransactionSyncConfig {
        days: 30,
        every: Some(std::time::Duration::from_millis(10)),
    };
    let store: Arc<dyn Store> = h.store.clone();
    let task = tokio::spawn(run_transaction_schedule(
        store,
        h.ctx.clone(),
        h.accounts[..1].to_vec(),
        schedule,
        on_synced,
    ));
    let wait = std::time::Duration::from_secs(10);
    let first = tokio::time::timeout(wait, reports.recv())
        .await
        .ok()
        .flatten();
    let second = tokio::time::timeout(wait, reports.recv())
        .await
        .ok()
        .flatten();
    task.abort();
    assert_eq!(first.map(|r| r.accounts[0].num_new), Some(1));
    assert_eq!(
        second.map(|r| r.accounts[0].num_unchanged),
        Some(1),
        "synced again"
    );

    let unscheduled = TransactionSyncConfig {
        every: None,
        ..schedule
    };
    let store: Arc<dyn Store> = h.store.clone();
    let ends = run_transaction_schedule(
        store,
        h.ctx.clone(),
        h.accounts.clone(),
        unscheduled,
        Arc::new(|_: &TransactionSyncReport| {}),
    );
    assert!(
        tokio::time::timeout(wait, ends).await.is_ok(),
        "no schedule: returns at once"
    );
}
