use super::*;
use std::time::Duration;

const EXAMPLE: &str = r#"
[[source]]
name = "kitchentime-se"
network = "adtraction"
token_env = "ADTRACTION_TOKEN"
base_url = "https://api.adtraction.net/v3"
program_id = 629059552
channel_id = 1175982945
feed_id = 759
fetch = "api"
every = "6h"
min_ratio = 0.8

[[source]]
name = "ulike"
network = "partnerboost"
token_env = "PARTNERBOOST_TOKEN"
base_url = "https://app.partnerboost.com"
brand_type = "DTC"

[[source]]
name = "my-shop"
network = "url"
url = "https://example.com/feed.xml.gz"
format = "google-xml"

[[source]]
name = "local"
network = "file"
path = "demo/feed.csv"

[[source]]
name = "awin-shop"
network = "awin"
token_env = "AWIN_FEED_KEY"
feed_ids = [1234, 5678]
"#;

fn parse(text: &str) -> Result<FeedConfig, ConfigError> {
    FeedConfig::from_toml_str(text, Path::new("/etc/feeds"))
}

fn error_of(text: &str) -> String {
    match parse(text) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn parses_the_documented_example() {
    let config = parse(EXAMPLE).expect("example parses");
    assert_eq!(config.sources.len(), 5);

    let kitchen = config.source("kitchentime-se").expect("kitchentime-se");
    assert_eq!(kitchen.every, Some(Duration::from_secs(6 * 3600)));
    assert_eq!(kitchen.min_ratio, Some(0.8));
    assert_eq!(kitchen.label(), "adtraction/kitchentime-se");
    assert_eq!(kitchen.default_format(), Some("adtraction-json"));
    let NetworkConfig::Adtraction(adtraction) = &kitchen.network else {
        panic!("not adtraction: {kitchen:?}");
    };
    assert_eq!(adtraction.program_id, 629059552);
    assert_eq!(adtraction.feed_id, Some(759));
    assert_eq!(adtraction.fetch, AdtractionFetch::Api);

    let ulike = config.source("ulike").expect("ulike");
    let NetworkConfig::Partnerboost(pb) = &ulike.network else {
        panic!("not partnerboost: {ulike:?}");
    };
    assert_eq!(pb.brand_type.as_deref(), Some("DTC"));
    assert_eq!(pb.limit, 100);
    assert!(!pb.xml);
    assert_eq!(ulike.token_env(), Some("PARTNERBOOST_TOKEN"));

    let shop = config.source("my-shop").expect("my-shop");
    assert_eq!(shop.format.map(FeedFormat::name), Some("google-xml"));

    let local = config.source("local").expect("local");
    assert_eq!(
        local.network,
        NetworkConfig::File(FileConfig {
            path: PathBuf::from("/etc/feeds/demo/feed.csv")
        })
    );

    let awin = config.source("awin-shop").expect("awin-shop");
    let NetworkConfig::Awin(awin) = &awin.network else {
        panic!("not awin");
    };
    assert_eq!(
        awin.url_template,
        "https://productdata.awin.com/datafeed/download/apikey/{token}/fid/1234,5678/format/csv/delimiter/%2C/compression/gzip/"
    );
}

#[test]
fn unknown_keys_are_errors() {
    let err = error_of(
        "[[source]]\nname = \"a\"\nnetwork = \"url\"\nurl = \"https://x.test/f\"\ncolour = 1\n",
    );
    assert!(err.contains("unknown field `colour`"), "{err}");
    let err = error_of("[[sources]]\nname = \"a\"\n");
    assert!(err.contains("unknown field `sources`"), "{err}");
}

#[test]
fn keys_of_another_network_are_errors() {
    let err = error_of(
        "[[source]]\nname = \"a\"\nnetwork = \"url\"\nurl = \"https://x.test/f\"\nprogram_id = 1\n",
    );
    assert_eq!(
        err,
        "source \"a\": key `program_id` does not apply to network url"
    );
}

#[test]
fn missing_required_keys_name_the_source_and_key() {
    let err = error_of("[[source]]\nname = \"ulike\"\nnetwork = \"partnerboost\"\n");
    assert_eq!(err, "source \"ulike\": partnerboost needs token_env");
    let err = error_of(
        "[[source]]\nname = \"k\"\nnetwork = \"adtraction\"\ntoken_env = \"T\"\nchannel_id = 1\n",
    );
    assert_eq!(err, "source \"k\": adtraction needs program_id");
    let err = error_of("[[source]]\nname = \"f\"\nnetwork = \"file\"\n");
    assert_eq!(err, "source \"f\": file needs path");
}

#[test]
fn validates_values() {
    let url_source = |extra: &str| {
        format!(
            "[[source]]\nname = \"s\"\nnetwork = \"url\"\nurl = \"https://x.test/f\"\n{extra}\n"
        )
    };
    assert!(error_of(&url_source("format = \"yaml\"")).contains("unknown format \"yaml\""));
    assert!(parse(&url_source("format = \"auto\"")).is_ok());
    assert!(error_of(&url_source("min_ratio = 0.0")).contains("min_ratio must be in (0, 1]"));
    assert!(error_of(&url_source("min_ratio = 1.5")).contains("min_ratio"));
    assert!(error_of(&url_source("every = \"6\"")).contains("invalid interval"));
    let err = error_of("[[source]]\nname = \"s\"\nnetwork = \"url\"\nurl = \"ftp://x.test/f\"\n");
    assert!(err.contains("must be http or https"), "{err}");
    let err = error_of("[[source]]\nname = \"s\"\nnetwork = \"ftp\"\n");
    assert!(err.contains("unknown network \"ftp\""), "{err}");
}

#[test]
fn token_env_must_be_a_variable_name_not_a_token() {
    let err = error_of(
        "[[source]]\nname = \"u\"\nnetwork = \"partnerboost\"\ntoken_env = \"79e33f8d-ac5a.0be8\"\n",
    );
    assert!(err.contains("never put the token itself"), "{err}");
}

#[test]
fn names_are_unique() {
    let one = "[[source]]\nname = \"dup\"\nnetwork = \"url\"\nurl = \"https://x.test/f\"\n";
    let err = error_of(&format!("{one}{one}"));
    assert_eq!(err, "two sources are named \"dup\"; names must be unique");
}

#[test]
fn partnerboost_format_chooses_xml() {
    let text = "[[source]]\nname = \"u\"\nnetwork = \"partnerboost\"\ntoken_env = \"PB\"\n\
                format = \"partnerboost-xml\"\nbrand_id = 66303\nlimit = 50\n";
    let config = parse(text).expect("parses");
    let NetworkConfig::Partnerboost(pb) = &config.sources[0].network else {
        panic!("not partnerboost");
    };
    assert!(pb.xml);
    assert_eq!(pb.brand_id.as_deref(), Some("66303"));
    assert_eq!(pb.limit, 50);
    let bad = text.replace("partnerboost-xml", "google-xml");
    assert!(error_of(&bad).contains("partnerboost serves"));
    let bad = text.replace("limit = 50", "limit = 500");
    assert!(error_of(&bad).contains("limit must be 1..=100"));
}

#[test]
fn awin_url_with_token_placeholder_needs_token_env() {
    let text = "[[source]]\nname = \"a\"\nnetwork = \"awin\"\n\
                url = \"https://productdata.awin.com/datafeed/download/apikey/{token}/fid/1/\"\n";
    assert!(error_of(text).contains("awin needs token_env"));
    let with_env = format!("{text}token_env = \"AWIN_KEY\"\n");
    assert!(parse(&with_env).is_ok());
    let with_base = format!("{with_env}base_url = \"https://other.test\"\n");
    assert!(error_of(&with_base).contains("base_url only with feed_ids"));
}

#[test]
fn load_config_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("feedmill.toml");
    std::fs::write(
        &path,
        "[[source]]\nname = \"x\"\nnetwork = \"file\"\npath = \"f.xml\"\n",
    )
    .expect("write");
    let config = load_config(&path).expect("loads");
    assert_eq!(
        config.sources[0].network,
        NetworkConfig::File(FileConfig {
            path: dir.path().join("f.xml")
        })
    );
    std::fs::write(&path, "[[source]]\nname = \"x\"\nnetwork = \"file\"\n").expect("write");
    let err = load_config(&path).expect_err("invalid").to_string();
    assert!(
        err.ends_with("feedmill.toml: source \"x\": file needs path"),
        "{err}"
    );
}
