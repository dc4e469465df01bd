//! Snapshot tests: every fixture normalized through the whole library pipeline (input layer,
//! detection, reader, normalizer, driver), compared with a reviewed snapshot in `snapshots/`.

use crate::support::fixture;
use feedmill_formats::FeedFormat;
use feedmill_formats::driver::{FeedOptions, run_feed};
use feedmill_formats::input::open_input;
use feedmill_model::{Currency, Offer, Rejection};

struct Normalized {
    format: FeedFormat,
    offers: Vec<Offer>,
    rejections: Vec<Rejection>,
}

fn normalize(name: &str, options: FeedOptions) -> Normalized {
    let input = open_input(&fixture(name)).unwrap_or_else(|err| panic!("{name}: {err}"));
    let mut offers = Vec::new();
    let mut rejections = Vec::new();
    let report = run_feed(input, &options, |batch| {
        offers.extend(batch.offers);
        rejections.extend(batch.rejections);
        Ok(())
    })
    .unwrap_or_else(|err| panic!("{name}: {err}"));
    Normalized {
        format: report.format,
        offers,
        rejections,
    }
}

fn auto(name: &str) -> Normalized {
    let source = name.split('.').next().unwrap_or(name).to_string();
    normalize(
        name,
        FeedOptions {
            source,
            ..FeedOptions::default()
        },
    )
}

macro_rules! snapshot_fixture {
    ($test:ident, $file:expr, $format:expr) => {
        #[test]
        fn $test() {
            let normalized = auto($file);
            assert_eq!(normalized.format, $format);
            insta::assert_json_snapshot!(
                stringify!($test),
                (&normalized.offers, &normalized.rejections)
            );
        }
    };
}

snapshot_fixture!(adtraction_xml, "adtraction.xml", FeedFormat::AdtractionXml);
snapshot_fixture!(adtraction_csv, "adtraction.csv", FeedFormat::AdtractionCsv);
snapshot_fixture!(
    adtraction_json,
    "adtraction.json",
    FeedFormat::AdtractionJson
);
snapshot_fixture!(awin_csv, "awin.csv", FeedFormat::AwinCsv);
snapshot_fixture!(google_rss, "google-rss.xml", FeedFormat::GoogleXml);
snapshot_fixture!(google_atom, "google-atom.xml", FeedFormat::GoogleXml);
snapshot_fixture!(google_csv, "google.csv", FeedFormat::GoogleCsv);
snapshot_fixture!(google_tsv, "google-tsv.tsv", FeedFormat::GoogleCsv);
snapshot_fixture!(
    partnerboost_json,
    "partnerboost.json",
    FeedFormat::PartnerboostJson
);
snapshot_fixture!(
    partnerboost_xml,
    "partnerboost.xml",
    FeedFormat::PartnerboostXml
);
snapshot_fixture!(
    tradetracker_xml,
    "tradetracker.xml",
    FeedFormat::TradetrackerXml
);
snapshot_fixture!(generic_ndjson, "offers.ndjson", FeedFormat::Ndjson);

#[test]
fn tradedoubler_sloppy_xml_is_recovered() {
    let normalized = normalize(
        "tradedoubler-malformed.xml",
        FeedOptions {
            source: "tradedoubler".into(),
            format: Some(FeedFormat::Xml),
            record: Some("product".into()),
            default_currency: Currency::parse("SEK").ok(),
            ..FeedOptions::default()
        },
    );
    insta::assert_json_snapshot!(
        "tradedoubler_xml",
        (&normalized.offers, &normalized.rejections)
    );
}

#[test]
fn partnerads_danish_names_map_automatically() {
    let normalized = normalize(
        "partnerads.xml",
        FeedOptions {
            source: "partnerads".into(),
            default_currency: Currency::parse("DKK").ok(),
            ..FeedOptions::default()
        },
    );
    insta::assert_json_snapshot!(
        "partnerads_xml",
        (&normalized.offers, &normalized.rejections)
    );
}

#[test]
fn google_sale_price_becomes_the_price_and_the_regular_price_the_old_price() {
    let normalized = auto("google-rss.xml");
    let on_sale: Vec<&Offer> = normalized
        .offers
        .iter()
        .filter(|o| o.old_price.is_some())
        .collect();
    assert!(!on_sale.is_empty());
    for offer in on_sale {
        assert!(
            offer.old_price.is_some_and(|old| old > offer.price),
            "{offer:?}"
        );
    }
}

#[test]
fn nested_shipping_price_is_not_the_price() {
    let normalized = auto("google-rss.xml");
    assert!(
        normalized
            .offers
            .iter()
            .any(|o| o.shipping.is_some() && Some(o.price) != o.shipping)
    );
}

#[test]
fn offer_ids_are_stable_across_runs() {
    let first: Vec<String> = auto("awin.csv").offers.into_iter().map(|o| o.id).collect();
    let second: Vec<String> = auto("awin.csv").offers.into_iter().map(|o| o.id).collect();
    assert_eq!(first, second);
    assert!(first.iter().all(|id| id.len() <= 64 && id.is_ascii()));
}
