//! `feedmill refresh` against the local network simulator: every fault ends in a correct
//! refresh or with the old offers kept, and a wrong token is one clear error, not a retry storm.

use crate::support::{feedmill, stderr};
use feedmill_fetch::simulator::{Simulator, SimulatorConfig, sample_data};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

struct Setup {
    _runtime: tokio::runtime::Runtime,
    simulator: Simulator,
    dir: tempfile::TempDir,
}

fn start(config: SimulatorConfig) -> Setup {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let simulator = runtime
        .block_on(Simulator::start(config))
        .expect("simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    Setup {
        _runtime: runtime,
        simulator,
        dir,
    }
}

impl Setup {
    fn write_config(&self) {
        let config = format!(
            r#"
[[source]]
name = "kitchentime"
network = "adtraction"
token_env = "ADTRACTION_TOKEN"
base_url = "{adtraction}"
program_id = 629059552
channel_id = 1175982945
feed_id = 759
fetch = "api"

[[source]]
name = "ulike"
network = "partnerboost"
token_env = "PARTNERBOOST_TOKEN"
base_url = "{partnerboost}"
"#,
            adtraction = self.simulator.adtraction_base_url(),
            partnerboost = self.simulator.partnerboost_base_url(),
        );
        std::fs::write(self.dir.path().join("feedmill.toml"), config).expect("config");
    }

    fn refresh(&self, tokens: (&str, &str), extra: &[&str]) -> Output {
        let dir = self.dir.path();
        let path = |name: &str| dir.join(name).display().to_string();
        feedmill()
            .args([
                "refresh",
                "--config",
                &path("feedmill.toml"),
                "--index",
                &path("index"),
            ])
            .args(["--cache", &path("cache")])
            .args(extra)
            .env("ADTRACTION_TOKEN", tokens.0)
            .env("PARTNERBOOST_TOKEN", tokens.1)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run feedmill refresh")
    }

    fn offers_of(&self, source: &str) -> u64 {
        let index = self.dir.path().join("index");
        count_offers(&index, source)
    }
}

const TOKENS: (&str, &str) = ("adtraction-test-token", "partnerboost-test-token");

fn count_offers(index: &Path, source: &str) -> u64 {
    let output = feedmill()
        .args([
            "search",
            "--index",
            &index.display().to_string(),
            "--source",
            source,
            "--json",
        ])
        .output()
        .expect("search");
    let response: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    response["total"].as_u64().unwrap_or_default()
}

#[test]
fn both_networks_refresh_into_the_index_across_pages() {
    let config = SimulatorConfig {
        adtraction_products: sample_data::adtraction_products(629_059_552, 40),
        partnerboost_items: sample_data::partnerboost_items(230),
        ..SimulatorConfig::default()
    };
    let setup = start(config);
    setup.write_config();
    let output = setup.refresh(TOKENS, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(setup.offers_of("kitchentime"), 40);
    assert_eq!(setup.offers_of("ulike"), 230);
    let pages = setup
        .simulator
        .requests()
        .iter()
        .filter(|r| r.path.contains("api.php"))
        .count();
    assert!(
        pages >= 3,
        "230 items at 100 per page take 3 pages, saw {pages} requests"
    );

    let again = setup.refresh(TOKENS, &[]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("kitchentime: unchanged"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn an_outage_or_a_shrunken_feed_keeps_the_old_offers() {
    let setup = start(SimulatorConfig {
        partnerboost_items: sample_data::partnerboost_items(150),
        ..SimulatorConfig::default()
    });
    setup.write_config();
    let first = setup.refresh(TOKENS, &["--source", "ulike"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(setup.offers_of("ulike"), 150);

    // The second page fails for good: the fetch gives up and the source stays as it was.
    let seen = setup.simulator.num_requests();
    setup.simulator.update(|c| {
        c.partnerboost_items = sample_data::partnerboost_items(160);
        c.fail_from_request = Some(seen + 2);
        c.server_error_status = 503;
    });
    let outage = setup.refresh(TOKENS, &["--source", "ulike"]);
    assert_eq!(outage.status.code(), Some(1), "{}", stderr(&outage));
    assert!(
        stderr(&outage).contains("previous offers kept"),
        "{}",
        stderr(&outage)
    );
    assert_eq!(setup.offers_of("ulike"), 150);

    // A feed that suddenly holds far fewer products trips the guard.
    setup.simulator.update(|c| {
        c.fail_from_request = None;
        c.partnerboost_items = sample_data::partnerboost_items(20);
    });
    let shrunk = setup.refresh(TOKENS, &["--source", "ulike"]);
    assert_eq!(shrunk.status.code(), Some(1), "{}", stderr(&shrunk));
    assert!(
        stderr(&shrunk).contains("from 150 to 20"),
        "{}",
        stderr(&shrunk)
    );
    assert_eq!(setup.offers_of("ulike"), 150);
}

#[test]
fn a_truncated_download_is_retried_into_a_correct_refresh() {
    let setup = start(SimulatorConfig {
        truncate_first_n: 1,
        ..SimulatorConfig::default()
    });
    setup.write_config();
    let output = setup.refresh(TOKENS, &["--source", "kitchentime"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(setup.offers_of("kitchentime"), 12);
}

#[test]
fn a_wrong_token_is_one_clear_error_and_one_request() {
    let setup = start(SimulatorConfig::default());
    setup.write_config();
    let output = setup.refresh(("wrong-token", "wrong-token"), &["--source", "kitchentime"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains("kitchentime: failed"), "{text}");
    assert!(text.contains("403"), "{text}");
    assert_eq!(
        setup.simulator.num_requests(),
        1,
        "no retry on a rejected token"
    );
}

#[test]
fn every_example_in_the_feeds_readme_is_a_valid_config() {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../feeds/README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("feeds/README.md");
    let blocks: Vec<&str> = readme
        .split("```toml")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert!(blocks.len() >= 4, "one example per network");
    for block in blocks {
        let parsed = feedmill_fetch::FeedConfig::from_toml_str(block, Path::new("feeds"));
        assert!(parsed.is_ok(), "{block}\n{:?}", parsed.err());
    }
    let shipped = feedmill_fetch::load_config(&readme_path.with_file_name("feedmill.toml"));
    assert!(shipped.is_ok_and(|c| c.sources.len() == 5));
}
