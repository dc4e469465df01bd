use crate::harness::Harness;
use feedmill_fetch::FetchErrorKind;
use feedmill_fetch::simulator::SimulatorConfig;

const SOURCE: &str = r#"
[[source]]
name = "ulike"
network = "partnerboost"
token_env = "PARTNERBOOST_TOKEN"
base_url = "{base}"
brand_type = "DTC"
limit = 10
"#;

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("cached file")).expect("one json envelope")
}

#[tokio::test]
async fn pages_are_merged_into_one_envelope() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let outcome = h.fetch(&h.source(SOURCE)).await.expect("fetched");
    assert_eq!(outcome.num_requests, 3, "25 items at 10 a page");
    assert_eq!(
        outcome.format.map(feedmill_formats::FeedFormat::name),
        Some("partnerboost-json")
    );
    assert_eq!(outcome.expected_records, Some(25));
    assert!(outcome.path.ends_with("ulike/feed.json"));
    let feed = read_json(&outcome.path);
    assert_eq!(feed["status"]["code"], 0);
    assert_eq!(feed["data"]["total"], "25");
    let list = feed["data"]["list"].as_array().expect("list");
    assert_eq!(list.len(), 25);
    assert_eq!(list[24]["sku"], "UL-0024");
    assert_eq!(list[0]["price"], "34.32", "numbers stay strings");

    let again = h.fetch(&h.source(SOURCE)).await.expect("fetched again");
    assert!(again.unchanged);
}

#[tokio::test]
async fn xml_variant_is_merged_too() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let source = h.source(&format!("{SOURCE}format = \"partnerboost-xml\"\n"));
    let outcome = h.fetch(&source).await.expect("fetched");
    assert_eq!(
        outcome.format.map(feedmill_formats::FeedFormat::name),
        Some("partnerboost-xml")
    );
    assert!(outcome.path.ends_with("ulike/feed.xml"));
    let text = std::fs::read_to_string(&outcome.path).expect("cached");
    assert_eq!(text.matches("<item>").count(), 25);
    assert!(text.contains("<total>25</total>"));
    assert!(text.contains("<updated-at>1710122547</updated-at>"));
    assert!(text.trim_end().ends_with("</list></data></root>"));
}

#[tokio::test]
async fn code_1002_backs_off_and_retries() {
    let h = Harness::start(SimulatorConfig {
        partnerboost_busy_first_n: 2,
        ..SimulatorConfig::default()
    })
    .await;
    let outcome = h.fetch(&h.source(SOURCE)).await.expect("fetched");
    assert_eq!(outcome.num_requests, 3 + 2);
    assert_eq!(h.clock.sleeps().len(), 2);
    assert_eq!(
        read_json(&outcome.path)["data"]["list"]
            .as_array()
            .map(Vec::len),
        Some(25)
    );
}

#[tokio::test]
async fn invalid_token_stops_after_one_request() {
    let h = Harness::start(SimulatorConfig::default()).await;
    h.sim.update(|c| c.partnerboost_token = "another".into());
    let err = h.fetch(&h.source(SOURCE)).await.expect_err("rejected");
    assert_eq!(
        err.to_string(),
        "failed to fetch feed \"partnerboost/ulike\": api error 1001: invalid token \
         (server says \"Token error\"); check PARTNERBOOST_TOKEN"
    );
    assert!(matches!(err.kind(), FetchErrorKind::Api { code: 1001, .. }));
    assert_eq!(h.sim.num_requests(), 1);
}

#[tokio::test]
async fn failure_on_a_later_page_keeps_the_previous_file() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let source = h.source(SOURCE);
    h.fetch(&source).await.expect("first fetch");
    let before = h.snapshot("ulike");

    // Page 1 (the simulator's 4th request) succeeds, then the server keeps failing.
    h.sim.update(|c| {
        c.partnerboost_items.truncate(20);
        c.fail_from_request = Some(5);
    });
    let err = h.fetch(&source).await.expect_err("fails");
    assert!(
        err.to_string().contains("gave up after 4 attempts"),
        "{err}"
    );
    assert_eq!(h.sim.num_requests(), 3 + 1 + 4);
    assert_eq!(h.snapshot("ulike"), before);
}

#[tokio::test]
async fn truncated_pages_are_retried() {
    let h = Harness::start(SimulatorConfig {
        truncate_first_n: 2,
        ..SimulatorConfig::default()
    })
    .await;
    let outcome = h.fetch(&h.source(SOURCE)).await.expect("fetched");
    assert_eq!(outcome.num_requests, 5);
    assert_eq!(
        read_json(&outcome.path)["data"]["list"]
            .as_array()
            .map(Vec::len),
        Some(25)
    );
}

#[tokio::test]
async fn missing_merchant_names_come_from_the_brand_list() {
    let h = Harness::start(SimulatorConfig::default()).await;
    h.sim.update(|c| {
        for item in c.partnerboost_items.iter_mut().step_by(3) {
            if let Some(fields) = item.as_object_mut() {
                fields.remove("merchant_name");
            }
        }
    });
    let outcome = h.fetch(&h.source(SOURCE)).await.expect("fetched");
    assert_eq!(outcome.num_requests, 3 + 1, "pages plus one brand list");
    let feed = read_json(&outcome.path);
    let list = feed["data"]["list"].as_array().expect("list");
    assert!(list.iter().all(|item| item["merchant_name"] == "Ulike"));
}

#[tokio::test]
async fn empty_datafeed_is_a_valid_empty_file() {
    let h = Harness::start(SimulatorConfig::default()).await;
    h.sim.update(|c| c.partnerboost_items.clear());
    let outcome = h.fetch(&h.source(SOURCE)).await.expect("fetched");
    assert_eq!(outcome.num_requests, 1);
    assert_eq!(outcome.expected_records, Some(0));
    let feed = read_json(&outcome.path);
    assert_eq!(feed["data"]["list"].as_array().map(Vec::len), Some(0));
}
